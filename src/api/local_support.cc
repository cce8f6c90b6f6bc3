// fields_unsupported_locally: what a MariaDB may ask for that only a Kubernetes runtime can give
// (images, scheduling, pod and container settings, Services). The local runtime runs the
// installed mariadbd processes, so it reports these fields instead of failing on them.
#include <string>

#include "api/manifest.h"

namespace mdbop {
namespace {

json::json_pointer pointer_of(std::string path) {
  for (char& c : path) {
    if (c == '.') c = '/';
  }
  return json::json_pointer("/" + path);
}

}  // namespace

std::vector<std::string> fields_unsupported_locally(const json& mariadb) {
  static const char* const kWhenPresent[] = {
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
      "spec.storage.pvcRetentionPolicy",
      "spec.volumeClaimTemplate",
      "spec.podDisruptionBudget",
      "spec.sidecarContainers",
      "spec.initContainers",
      "spec.env",
      "spec.envFrom",
      "spec.volumes",
      "spec.volumeMounts",
      "spec.livenessProbe",
      "spec.readinessProbe",
      "spec.startupProbe",
      "spec.lifecycle",
      "spec.service",
      "spec.primaryService",
      "spec.secondaryService",
      "spec.servicePorts",
      "spec.connection",
      "spec.primaryConnection",
      "spec.secondaryConnection",
      "spec.enableServiceLinks",
      "spec.terminationGracePeriodSeconds",
      "spec.updateStrategy.rollingUpdate",
      "spec.galera.agent",
      "spec.galera.initContainer",
      "spec.galera.initJob",
      "spec.galera.config",
      "spec.galera.volumeClaimTemplate",
      "spec.galera.recovery.job",
  };
  // These only matter when switched on: `metrics: {enabled: false}` asks for nothing.
  static const char* const kWhenEnabled[] = {
      "spec.tls",                                 // TLS certificates are not issued yet
      "spec.metrics",                             // metrics are not served yet
      "spec.updateStrategy.autoUpdateDataPlane",  // agent and init images
  };
  std::vector<std::string> found;
  for (const char* path : kWhenPresent) {
    if (mariadb.contains(pointer_of(path))) found.push_back(path);
  }
  for (const char* path : kWhenEnabled) {
    const auto p = pointer_of(path);
    if (!mariadb.contains(p)) continue;
    const json& v = mariadb.at(p);
    if (v == true || (v.is_object() && v.contains("enabled") && v["enabled"] == true)) {
      found.push_back(path);
    }
  }
  return found;
}

}  // namespace mdbop
