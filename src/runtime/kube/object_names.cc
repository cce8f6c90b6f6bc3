#include "runtime/kube/object_names.h"

namespace mdbop {

using json = nlohmann::json;

std::string claim_name(const NodeId& id) { return "storage-" + id.pod(); }

std::string headless_service_name(const std::string& mariadb) { return mariadb + "-internal"; }

std::string primary_service_name(const std::string& mariadb) { return mariadb + "-primary"; }

std::string secondary_service_name(const std::string& mariadb) { return mariadb + "-secondary"; }

std::string agent_tls_secret_name(const NodeId& id) { return id.pod() + "-mdbop-tls"; }

std::string pod_dns_name(const NodeId& id, const std::string& cluster_domain) {
  return id.pod() + "." + headless_service_name(id.mariadb) + "." + id.namespace_ + ".svc." +
         cluster_domain;
}

json instance_labels(const std::string& mariadb) {
  return {{"app.kubernetes.io/name", "mariadb"},
          {"app.kubernetes.io/instance", mariadb},
          {"app.kubernetes.io/managed-by", "mdbop"}};
}

std::string role_label_value(NodeRole role) {
  return role == NodeRole::kPrimary ? "primary" : "secondary";
}

json node_labels(const NodeId& id, NodeRole role) {
  json labels = instance_labels(id.mariadb);
  labels[kPodIndexLabel] = std::to_string(id.index);
  labels[kRoleLabel] = role_label_value(role);
  return labels;
}

json owner_reference(const json& mariadb) {
  const json& metadata = mariadb.at("metadata");
  return {{"apiVersion", mariadb.value("apiVersion", "k8s.mariadb.com/v1alpha1")},
          {"kind", "MariaDB"},
          {"name", metadata.value("name", "")},
          {"uid", metadata.value("uid", "")},
          {"controller", true},
          {"blockOwnerDeletion", true}};
}

Result<json> object_member(const json& parent, const char* key, const std::string& path) {
  if (!parent.is_object()) return json::object();
  auto found = parent.find(key);
  if (found == parent.end() || found->is_null()) return json::object();
  if (!found->is_object()) return fail_field(path, "must be an object (a map)");
  return *found;
}

}  // namespace mdbop
