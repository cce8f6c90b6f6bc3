#include "runtime/kube/disruption_budget.h"

#include "runtime/kube/object_names.h"

namespace mdbop {

using json = nlohmann::json;

std::optional<json> render_disruption_budget(const json& mariadb, const MariaDBSpec& spec) {
  const json& metadata = mariadb.at("metadata");
  const std::string name = metadata.value("name", "");
  json budget_spec = {{"selector", {{"matchLabels", instance_labels(name)}}}};
  const json given = mariadb.at("spec").value("podDisruptionBudget", json::object());
  if (auto min = given.find("minAvailable"); min != given.end()) {
    budget_spec["minAvailable"] = *min;
  } else if (auto max = given.find("maxUnavailable"); max != given.end()) {
    budget_spec["maxUnavailable"] = *max;
  } else if (spec.galera_enabled && spec.replicas > 1) {
    budget_spec["maxUnavailable"] = 1;
  } else {
    return std::nullopt;
  }
  return json{{"apiVersion", "policy/v1"},
              {"kind", "PodDisruptionBudget"},
              {"metadata",
               {{"name", name},
                {"namespace", metadata.value("namespace", "")},
                {"labels", instance_labels(name)},
                {"ownerReferences", json::array({owner_reference(mariadb)})}}},
              {"spec", budget_spec}};
}

}  // namespace mdbop
