#include "controller/conditions.h"

#include "store/store.h"

namespace mdbop {

void set_condition(nlohmann::json& status, const std::string& type, bool value,
                   const std::string& reason, const std::string& message, long long generation) {
  if (!status.contains("conditions")) status["conditions"] = nlohmann::json::array();
  nlohmann::json& conditions = status["conditions"];
  const std::string wanted = value ? "True" : "False";
  for (nlohmann::json& condition : conditions) {
    if (condition["type"] != type) continue;
    if (condition["status"] != wanted) condition["lastTransitionTime"] = rfc3339_now();
    condition["status"] = wanted;
    condition["reason"] = reason;
    condition["message"] = message;
    condition["observedGeneration"] = generation;
    return;
  }
  conditions.push_back({{"type", type},
                        {"status", wanted},
                        {"reason", reason},
                        {"message", message},
                        {"lastTransitionTime", rfc3339_now()},
                        {"observedGeneration", generation}});
}

void remove_condition(nlohmann::json& status, const std::string& type) {
  auto conditions = status.find("conditions");
  if (conditions == status.end() || !conditions->is_array()) return;
  for (auto it = conditions->begin(); it != conditions->end(); ++it) {
    if (it->value("type", "") == type) {
      conditions->erase(it);
      return;
    }
  }
}

namespace {

// The object's condition `type`; an empty object when it has none.
nlohmann::json condition_of(const nlohmann::json& object, const std::string& type) {
  const nlohmann::json status = object.value("status", nlohmann::json::object());
  for (const nlohmann::json& c : status.value("conditions", nlohmann::json::array())) {
    if (c.value("type", "") == type) return c;
  }
  return nlohmann::json::object();
}

}  // namespace

bool condition_is_true(const nlohmann::json& object, const std::string& type) {
  return condition_of(object, type).value("status", "") == "True";
}

std::string condition_reason(const nlohmann::json& object, const std::string& type) {
  return condition_of(object, type).value("reason", "");
}

}  // namespace mdbop
