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

// A client Service, shaped by its template in the spec. Values of the wrong type are passed on
// for the API server to refuse in its words; maps that must be merged are checked here.
Result<json> client_service(const json& mariadb, const MariaDBSpec& spec, const std::string& name,
                            const char* template_field, std::optional<NodeRole> role) {
  const std::string mariadb_name = mariadb.at("metadata").value("name", "");
  json selector = instance_labels(mariadb_name);
  if (role) selector[kRoleLabel] = role_label_value(*role);
  json result =
      service(mariadb, name, std::move(selector), json::array({port("mysql", spec.port)}));
  const std::string path = std::string("spec.") + template_field;
  auto template_ = object_member(mariadb.at("spec"), template_field, path);
  if (!template_) return template_;
  result["spec"]["type"] = template_->value("type", json("ClusterIP"));
  for (const char* field : {"loadBalancerIP", "loadBalancerSourceRanges", "externalTrafficPolicy",
                            "sessionAffinity", "allocateLoadBalancerNodePorts"}) {
    if (auto value = template_->find(field); value != template_->end()) {
      result["spec"][field] = *value;
    }
  }
  auto metadata = object_member(*template_, "metadata", path + ".metadata");
  if (!metadata) return metadata;
  auto labels = object_member(*metadata, "labels", path + ".metadata.labels");
  auto annotations = object_member(*template_, "annotations", path + ".annotations");
  auto metadata_annotations =
      object_member(*metadata, "annotations", path + ".metadata.annotations");
  for (const auto* read : {&labels, &annotations, &metadata_annotations}) {
    if (!*read) return *read;
  }
  labels->update(result["metadata"]["labels"]);
  result["metadata"]["labels"] = *labels;
  annotations->update(*metadata_annotations);
  if (!annotations->empty()) result["metadata"]["annotations"] = *annotations;
  return result;
}

}  // namespace

Result<std::vector<json>> render_cluster_services(const json& mariadb, const MariaDBSpec& spec) {
  const std::string name = mariadb.at("metadata").value("name", "");
  json headless = service(mariadb, headless_service_name(name), instance_labels(name),
                          json::array({port("mysql", spec.port), port("galera", PodPorts::kGalera),
                                       port("ist", PodPorts::kIst), port("sst", PodPorts::kSst)}));
  headless["spec"]["clusterIP"] = "None";
  headless["spec"]["publishNotReadyAddresses"] = true;
  std::vector<json> services = {headless};
  for (const auto& [service_name, template_field, role] :
       {std::tuple{name, "service", std::optional<NodeRole>()},
        std::tuple{primary_service_name(name), "primaryService",
                   std::optional<NodeRole>(NodeRole::kPrimary)},
        std::tuple{secondary_service_name(name), "secondaryService",
                   std::optional<NodeRole>(NodeRole::kSecondary)}}) {
    auto client = client_service(mariadb, spec, service_name, template_field, role);
    if (!client) return tl::unexpected(client.error());
    services.push_back(std::move(*client));
  }
  return services;
}

}  // namespace mdbop
