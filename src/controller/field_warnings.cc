#include "controller/field_warnings.h"

#include <algorithm>

#include <spdlog/spdlog.h>

#include "api/manifest.h"

namespace mdbop {

json warn_about_field_once(Store& store, const ObjectKey& key, const json& object,
                           const std::string& field, const std::string& reason,
                           const std::string& message) {
  const json warned = object.value("status", json::object()).value("warnedFields", json::array());
  if (std::find(warned.begin(), warned.end(), field) != warned.end()) return object;
  store.record_event(object, "Warning", reason, message);
  spdlog::warn("{}={}/{} reason={} {}", key.kind, key.namespace_, key.name, reason, message);
  auto updated = store.update_status(key, [&](json& status) {
    if (!status.contains("warnedFields")) status["warnedFields"] = json::array();
    status["warnedFields"].push_back(field);
  });
  return updated ? *updated : object;
}

json warn_unsupported_fields_once(Store& store, const ObjectKey& key, const json& object,
                                  bool nodes_are_pods) {
  json current = object;
  const std::string why = nodes_are_pods
                              ? " is kept but not honoured: mdbop does not put it into its pods "
                                "or backups (docs/kubernetes.md)"
                              : " is kept but not honoured by the local runtime (it applies on "
                                "Kubernetes)";
  for (const std::string& field :
       nodes_are_pods ? fields_not_honoured_on_pods(object) : fields_unsupported_locally(object)) {
    current = warn_about_field_once(store, key, current, field, "FieldIgnored", field + why);
  }
  return current;
}

}  // namespace mdbop
