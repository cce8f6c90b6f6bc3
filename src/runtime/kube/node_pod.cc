#include "runtime/kube/node_pod.h"

#include <string>

#include "util/json_text.h"
#include "util/sha256.h"

namespace mdbop {
namespace {

using json = nlohmann::json;

json field_or(const json& spec, const char* field, json fallback) {
  auto it = spec.find(field);
  return it == spec.end() || it->is_null() ? std::move(fallback) : *it;
}

// mdbop's handler on the probe port with the manifest's timings, when it gives any.
json probe(const json& spec, const char* manifest_field, const char* path, json defaults) {
  json result = std::move(defaults);
  if (auto given = spec.find(manifest_field); given != spec.end() && given->is_object()) {
    for (const char* timing : {"initialDelaySeconds", "periodSeconds", "timeoutSeconds",
                               "successThreshold", "failureThreshold"}) {
      if (auto value = given->find(timing); value != given->end()) result[timing] = *value;
    }
  }
  result["httpGet"] = {{"path", path}, {"port", "probes"}, {"scheme", "HTTP"}};
  return result;
}

json container_port(const char* name, int port) {
  return {{"name", name}, {"containerPort", port}, {"protocol", "TCP"}};
}

// The agent's command line: the node and its pod place; it binds the pod's own address (given
// by the downward API and expanded by the kubelet), so that pods sharing a host's network in a
// test stay apart.
json agent_command(const NodeId& id, const MariaDBSpec& spec) {
  const std::string bundle = kAgentBundle;
  const std::string pod_ip = "$(POD_IP)";
  return json::array({bundle + "/lib/ld-linux-x86-64.so.2",
                      "--library-path",
                      bundle + "/lib",
                      bundle + "/bin/mdbop",
                      "agent",
                      "--namespace",
                      id.namespace_,
                      "--mariadb",
                      id.mariadb,
                      "--index",
                      std::to_string(id.index),
                      "--home",
                      kAgentHome,
                      "--listen",
                      pod_ip + ":" + std::to_string(PodPorts::kAgent),
                      "--probe-listen",
                      pod_ip + ":" + std::to_string(PodPorts::kProbes),
                      "--pod-address",
                      pod_ip,
                      "--sql-port",
                      std::to_string(spec.port),
                      "--tls-dir",
                      kAgentTlsDir});
}

json server_container(const json& spec_json, const MariaDBSpec& spec, const NodeId& id,
                      const PodEnvironment& environment) {
  json container = {
      {"name", "mariadb"},
      {"image", field_or(spec_json, "image", environment.server_image)},
      {"command", agent_command(id, spec)},
      {"env",
       json::array(
           {{{"name", "POD_IP"}, {"valueFrom", {{"fieldRef", {{"fieldPath", "status.podIP"}}}}}},
            // The bundle's tools first (the metrics exporter); the image's after.
            {{"name", "PATH"},
             {"value", std::string(kAgentBundle) +
                           "/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:"
                           "/bin"}}})},
      {"ports",
       json::array({container_port("mysql", spec.port), container_port("galera", PodPorts::kGalera),
                    container_port("ist", PodPorts::kIst), container_port("sst", PodPorts::kSst),
                    container_port("agent", PodPorts::kAgent),
                    container_port("probes", PodPorts::kProbes),
                    container_port("metrics", PodPorts::kMetrics)})},
      {"volumeMounts",
       json::array({{{"name", "storage"}, {"mountPath", kAgentHome}},
                    {{"name", "mdbop"}, {"mountPath", kAgentBundle}},
                    {{"name", "tls"}, {"mountPath", kAgentTlsDir}, {"readOnly", true}}})},
      // Startup: the agent serves within five minutes. Readiness: Synced. Liveness: the agent
      // answers; three misses in 30 s restart it.
      {"startupProbe",
       probe(spec_json, "startupProbe", "/startup",
             {{"periodSeconds", 5}, {"timeoutSeconds", 5}, {"failureThreshold", 60}})},
      {"readinessProbe",
       probe(spec_json, "readinessProbe", "/ready",
             {{"periodSeconds", 5}, {"timeoutSeconds", 5}, {"failureThreshold", 1}})},
      {"livenessProbe",
       probe(spec_json, "livenessProbe", "/live",
             {{"periodSeconds", 10}, {"timeoutSeconds", 5}, {"failureThreshold", 3}})},
      {"securityContext", field_or(spec_json, "securityContext",
                                   {{"allowPrivilegeEscalation", false},
                                    {"capabilities", {{"drop", json::array({"ALL"})}}}})},
  };
  if (auto policy = spec_json.find("imagePullPolicy"); policy != spec_json.end()) {
    container["imagePullPolicy"] = *policy;
  }
  if (auto resources = spec_json.find("resources"); resources != spec_json.end()) {
    container["resources"] = *resources;
  }
  return container;
}

json bundle_container(const PodEnvironment& environment) {
  return {
      {"name", "mdbop-agent"},
      {"image", environment.agent_image},
      {"command", json::array({"cp", "-a", "/usr/lib/mdbop/bundle/.", kAgentBundle})},
      {"volumeMounts", json::array({{{"name", "mdbop"}, {"mountPath", kAgentBundle}}})},
      {"securityContext",
       {{"allowPrivilegeEscalation", false}, {"capabilities", {{"drop", json::array({"ALL"})}}}}}};
}

json pod_spec(const json& spec_json, const MariaDBSpec& spec, const NodeId& id,
              const PodEnvironment& environment) {
  json pod_spec = {
      {"hostname", id.pod()},
      {"subdomain", headless_service_name(id.mariadb)},
      {"restartPolicy", "Always"},
      // The agent never calls the API server.
      {"automountServiceAccountToken", false},
      {"enableServiceLinks", field_or(spec_json, "enableServiceLinks", false)},
      {"terminationGracePeriodSeconds", field_or(spec_json, "terminationGracePeriodSeconds", 120)},
      // mysql (999) as in the official images; the claim is made its group's.
      {"securityContext", field_or(spec_json, "podSecurityContext",
                                   {{"runAsUser", 999},
                                    {"runAsGroup", 999},
                                    {"fsGroup", 999},
                                    {"runAsNonRoot", true},
                                    {"seccompProfile", {{"type", "RuntimeDefault"}}}})},
      {"initContainers", json::array({bundle_container(environment)})},
      {"containers", json::array({server_container(spec_json, spec, id, environment)})},
      {"volumes",
       json::array(
           {{{"name", "storage"}, {"persistentVolumeClaim", {{"claimName", claim_name(id)}}}},
            {{"name", "mdbop"}, {"emptyDir", json::object()}},
            {{"name", "tls"},
             {"secret", {{"secretName", agent_tls_secret_name(id)}, {"defaultMode", 0440}}}}})},
  };
  for (const char* field : {"affinity", "tolerations", "topologySpreadConstraints", "nodeSelector",
                            "priorityClassName", "serviceAccountName", "imagePullSecrets"}) {
    if (auto value = spec_json.find(field); value != spec_json.end() && !value->is_null()) {
      pod_spec[field] = *value;
    }
  }
  return pod_spec;
}

}  // namespace

json render_node_pod(const json& mariadb, const MariaDBSpec& spec, const NodeId& id, NodeRole role,
                     const PodEnvironment& environment) {
  const json& spec_json = mariadb.at("spec");
  json labels = json::object();
  json annotations = json::object();
  if (auto metadata = spec_json.find("podMetadata"); metadata != spec_json.end()) {
    labels = metadata->value("labels", json::object());
    annotations = metadata->value("annotations", json::object());
  }
  // Ours win: the Services and the budget select on them.
  labels.update(node_labels(id, role));
  json pod = {{"apiVersion", "v1"},
              {"kind", "Pod"},
              {"metadata",
               {{"name", id.pod()},
                {"namespace", id.namespace_},
                {"labels", labels},
                {"ownerReferences", json::array({owner_reference(mariadb)})}}},
              {"spec", pod_spec(spec_json, spec, id, environment)}};
  json hashed = {{"spec", pod["spec"]}, {"annotations", annotations}};
  annotations[kPodTemplateHashAnnotation] = sha256_hex(hashed.dump()).substr(0, 16);
  pod["metadata"]["annotations"] = annotations;
  return pod;
}

bool pod_template_outdated(const json& pod, const json& rendered) {
  const json metadata = object_at(pod, "metadata");
  if (metadata.contains("deletionTimestamp")) return false;
  const auto hash_of = [](const json& meta) {
    return text_at(meta.value("annotations", json::object()), kPodTemplateHashAnnotation);
  };
  return hash_of(metadata) != hash_of(object_at(rendered, "metadata"));
}

}  // namespace mdbop
