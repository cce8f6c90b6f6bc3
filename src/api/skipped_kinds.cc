#include "api/skipped_kinds.h"

#include <algorithm>
#include <array>

#include "api/printable.h"
#include "util/ascii_case.h"

namespace mdbop {

std::optional<std::string> skip_note(const nlohmann::json& object) {
  static constexpr std::array<const char*, 2> kKinds = {"ServiceMonitor", "PrometheusRule"};
  if (!object.is_object() ||
      object.value("apiVersion", nlohmann::json()) != "monitoring.coreos.com/v1") {
    return std::nullopt;
  }
  const nlohmann::json kind = object.value("kind", nlohmann::json());
  if (!kind.is_string() ||
      std::find(kKinds.begin(), kKinds.end(), kind.get<std::string>()) == kKinds.end()) {
    return std::nullopt;
  }
  const std::string lower_kind = ascii_lowercase(kind.get<std::string>());
  const nlohmann::json metadata = object.value("metadata", nlohmann::json::object());
  const nlohmann::json name =
      metadata.is_object() ? metadata.value("name", nlohmann::json()) : nlohmann::json();
  // The name is the user's text: shown escaped, like every name in a message.
  return lower_kind + ".monitoring.coreos.com/" +
         (name.is_string() ? printable(name.get<std::string>()) : "(unnamed)") +
         " skipped: monitoring.coreos.com objects are for a Prometheus operator on Kubernetes; "
         "see docs/monitoring.md";
}

}  // namespace mdbop
