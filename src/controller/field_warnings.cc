#include "controller/field_warnings.h"

#include <algorithm>

#include <spdlog/spdlog.h>

#include "api/manifest.h"

namespace mdbop {

nlohmann::json warn_unsupported_fields_once(Store& store, const ObjectKey& key,
                                            const nlohmann::json& object) {
  const json warned = object.value("status", json::object()).value("warnedFields", json::array());
  std::vector<std::string> fresh;
  for (const std::string& field : fields_unsupported_locally(object)) {
    if (std::find(warned.begin(), warned.end(), field) == warned.end()) fresh.push_back(field);
  }
  if (fresh.empty()) return object;
  for (const std::string& field : fresh) {
    const std::string message =
        field + " is kept but not honoured by the local runtime (it applies on Kubernetes)";
    store.record_event(object, "Warning", "FieldIgnored", message);
    spdlog::warn("{}={}/{} reason=FieldIgnored {}", key.kind, key.namespace_, key.name, message);
  }
  auto updated = store.update_status(key, [&](json& status) {
    if (!status.contains("warnedFields")) status["warnedFields"] = json::array();
    for (const std::string& field : fresh) status["warnedFields"].push_back(field);
  });
  return updated ? *updated : object;
}

}  // namespace mdbop
