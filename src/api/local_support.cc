// fields_unsupported_locally: what an object may ask for that only a Kubernetes runtime can give
// (images, scheduling, pod and container settings, Services, the Jobs that take backups). The
// local runtime runs the installed mariadbd and backup tools itself, so it reports these
// fields instead of failing on them.
#include <set>
#include <string>
#include <vector>

#include "api/manifest.h"

namespace mdbop {
namespace {

json::json_pointer pointer_of(std::string path) {
  for (char& c : path) {
    if (c == '.') c = '/';
  }
  return json::json_pointer("/" + path);
}

// What a MariaDB's pods, claims, Services and budget are made from on Kubernetes (runtime/kube).
const std::vector<std::string>& mariadb_pod_fields() {
  static const std::vector<std::string> fields = {
      "spec.image",
      "spec.imagePullPolicy",
      "spec.imagePullSecrets",
      "spec.resources",
      "spec.affinity",
      "spec.nodeSelector",
      "spec.tolerations",
      "spec.topologySpreadConstraints",
      "spec.priorityClassName",
      "spec.podSecurityContext",
      "spec.securityContext",
      "spec.serviceAccountName",
      "spec.storage.storageClassName",
      "spec.storage.volumeClaimTemplate",
      "spec.volumeClaimTemplate",
      "spec.podDisruptionBudget",
      "spec.livenessProbe",
      "spec.readinessProbe",
      "spec.startupProbe",
      "spec.service",
      "spec.primaryService",
      "spec.secondaryService",
      "spec.enableServiceLinks",
      "spec.terminationGracePeriodSeconds",
  };
  return fields;
}

// The pod fields, then what mdbop's pods do not honour either.
const std::vector<std::string>& mariadb_fields() {
  static const std::vector<std::string> fields = [] {
    std::vector<std::string> f = mariadb_pod_fields();
    f.insert(f.end(),
             {
                 "spec.storage.pvcRetentionPolicy",
                 "spec.sidecarContainers",
                 "spec.initContainers",
                 "spec.env",
                 "spec.envFrom",
                 "spec.volumes",
                 "spec.volumeMounts",
                 "spec.lifecycle",
                 "spec.servicePorts",
                 "spec.connection",
                 "spec.primaryConnection",
                 "spec.secondaryConnection",
                 "spec.updateStrategy.rollingUpdate",
                 "spec.galera.agent",
                 "spec.galera.initContainer",
                 "spec.galera.initJob",
                 "spec.galera.config",
                 "spec.galera.volumeClaimTemplate",
                 "spec.galera.recovery.job",
                 "spec.bootstrapFrom.stagingStorage",
                 "spec.bootstrapFrom.restoreJob",
                 "spec.bootstrapFrom.logLevel",
                 // The exporter runs as a process beside each node, from the installed package, on
                 // a port of the installation's range; Prometheus finds it through file_sd.
                 "spec.metrics.exporter.image",
                 "spec.metrics.exporter.imagePullPolicy",
                 "spec.metrics.exporter.imagePullSecrets",
                 "spec.metrics.exporter.args",
                 "spec.metrics.exporter.port",
                 "spec.metrics.exporter.resources",
                 "spec.metrics.exporter.podMetadata",
                 "spec.metrics.exporter.securityContext",
                 "spec.metrics.exporter.podSecurityContext",
                 "spec.metrics.exporter.affinity",
                 "spec.metrics.exporter.nodeSelector",
                 "spec.metrics.exporter.tolerations",
                 "spec.metrics.exporter.priorityClassName",
                 "spec.metrics.serviceMonitor",
             });
    return f;
  }();
  return fields;
}

// The operator runs backups and restores as Jobs; these fields configure those Jobs and Pods.
std::vector<std::string> job_paths() {
  return {
      "spec.resources",         "spec.securityContext",    "spec.podMetadata",
      "spec.imagePullSecrets",  "spec.podSecurityContext", "spec.serviceAccountName",
      "spec.affinity",          "spec.nodeSelector",       "spec.tolerations",
      "spec.priorityClassName", "spec.inheritMetadata",    "spec.restartPolicy",
      "spec.backoffLimit",      "spec.logLevel",           "spec.stagingStorage",
  };
}

const std::vector<std::string>& backup_fields() {
  static const std::vector<std::string> fields = [] {
    std::vector<std::string> f = job_paths();
    f.insert(f.end(), {"spec.successfulJobsHistoryLimit", "spec.failedJobsHistoryLimit",
                       "spec.podAffinity", "spec.storage.persistentVolumeClaim.storageClassName",
                       "spec.storage.persistentVolumeClaim.selector",
                       "spec.storage.persistentVolumeClaim.resources"});
    return f;
  }();
  return fields;
}

const std::vector<std::string>& restore_fields() {
  static const std::vector<std::string> fields = [] {
    std::vector<std::string> f = job_paths();
    f.push_back("spec.args");  // mdbop chooses how the backup is loaded
    return f;
  }();
  return fields;
}

// The fields of `kind` that only matter on Kubernetes, whatever their value.
const std::vector<std::string>& paths_of(const std::string& kind) {
  static const std::vector<std::string> none;
  if (kind == "MariaDB") return mariadb_fields();
  if (kind == "Backup" || kind == "PhysicalBackup") return backup_fields();
  if (kind == "Restore") return restore_fields();
  return none;
}

}  // namespace

std::vector<std::string> fields_unsupported_locally(const json& object) {
  const std::string kind = object.value("kind", "");
  std::vector<std::string> found;
  for (const std::string& path : paths_of(kind)) {
    if (object.contains(pointer_of(path))) found.push_back(path);
  }
  if (kind != "MariaDB") return found;
  // These only matter when switched on: `tls: {enabled: false}` asks for nothing.
  static const char* const kWhenEnabled[] = {
      "spec.tls",                                 // TLS certificates are not issued yet
      "spec.updateStrategy.autoUpdateDataPlane",  // agent and init images
  };
  for (const char* path : kWhenEnabled) {
    const auto p = pointer_of(path);
    if (!object.contains(p)) continue;
    const json& v = object.at(p);
    if (v == true || (v.is_object() && v.contains("enabled") && v["enabled"] == true)) {
      found.push_back(path);
    }
  }
  return found;
}

std::vector<std::string> fields_not_honoured_on_pods(const json& object) {
  static const std::set<std::string> honoured(mariadb_pod_fields().begin(),
                                              mariadb_pod_fields().end());
  std::vector<std::string> found = fields_unsupported_locally(object);
  if (object.value("kind", "") != "MariaDB") return found;
  std::erase_if(found, [](const std::string& field) { return honoured.contains(field); });
  return found;
}

}  // namespace mdbop
