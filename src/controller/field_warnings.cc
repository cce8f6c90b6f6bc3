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

json warn_unsupported_fields_once(Store& store, const ObjectKey& key, const json& object) {
  json current = object;
  for (const std::string& field : fields_unsupported_locally(object)) {
    current = warn_about_field_once(
        store, key, current, field, "FieldIgnored",
        field + " is kept but not honoured by the local runtime (it applies on Kubernetes)");
  }
  return current;
}

}  // namespace mdbop
