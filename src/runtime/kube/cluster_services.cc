#include "runtime/kube/cluster_services.h"

#include <optional>
#include <string>

#include "runtime/kube/node_pod.h"
#include "runtime/kube/object_names.h"

namespace mdbop {
namespace {

using json = nlohmann::json;

json port(const char* name, int number) {
  return {{"name", name}, {"port", number}, {"targetPort", name}, {"protocol", "TCP"}};
}

json service(const json& mariadb, const std::string& name, json selector, json ports) {
  const json& metadata = mariadb.at("metadata");
  return {{"apiVersion", "v1"},
          {"kind", "Service"},
          {"metadata",
           {{"name", name},
            {"namespace", metadata.value("namespace", "")},
            {"labels", instance_labels(metadata.value("name", ""))},
            {"ownerReferences", json::array({owner_reference(mariadb)})}}},
          {"spec", {{"selector", std::move(selector)}, {"ports", std::move(ports)}}}};
}

// A client Service, shaped by its template in the spec.
json client_service(const json& mariadb, const MariaDBSpec& spec, const std::string& name,
                    const char* template_field, std::optional<NodeRole> role) {
  const std::string mariadb_name = mariadb.at("metadata").value("name", "");
  json selector = instance_labels(mariadb_name);
  if (role) selector[kRoleLabel] = role_label_value(*role);
  json result =
      service(mariadb, name, std::move(selector), json::array({port("mysql", spec.port)}));
  const json template_ = mariadb.at("spec").value(template_field, json::object());
  result["spec"]["type"] = template_.value("type", "ClusterIP");
  for (const char* field : {"loadBalancerIP", "loadBalancerSourceRanges", "externalTrafficPolicy",
                            "sessionAffinity", "allocateLoadBalancerNodePorts"}) {
    if (auto value = template_.find(field); value != template_.end()) {
      result["spec"][field] = *value;
    }
  }
  const json metadata = template_.value("metadata", json::object());
  json labels = metadata.value("labels", json::object());
  labels.update(result["metadata"]["labels"]);
  result["metadata"]["labels"] = labels;
  json annotations = template_.value("annotations", json::object());
  annotations.update(metadata.value("annotations", json::object()));
  if (!annotations.empty()) result["metadata"]["annotations"] = annotations;
  return result;
}

}  // namespace

std::vector<json> render_cluster_services(const json& mariadb, const MariaDBSpec& spec) {
  const std::string name = mariadb.at("metadata").value("name", "");
  json headless = service(mariadb, headless_service_name(name), instance_labels(name),
                          json::array({port("mysql", spec.port), port("galera", PodPorts::kGalera),
                                       port("ist", PodPorts::kIst), port("sst", PodPorts::kSst)}));
  headless["spec"]["clusterIP"] = "None";
  headless["spec"]["publishNotReadyAddresses"] = true;
  return {headless, client_service(mariadb, spec, name, "service", std::nullopt),
          client_service(mariadb, spec, primary_service_name(name), "primaryService",
                         NodeRole::kPrimary),
          client_service(mariadb, spec, secondary_service_name(name), "secondaryService",
                         NodeRole::kSecondary)};
}

}  // namespace mdbop
