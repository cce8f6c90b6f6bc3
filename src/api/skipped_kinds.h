// Objects of other controllers that a manifest written for Kubernetes carries beside mdbop's own,
// which `apply` and `delete -f` leave alone instead of refusing the whole file.
#pragma once

#include <optional>
#include <string>

#include <nlohmann/json.hpp>

namespace mdbop {

// For a ServiceMonitor or PrometheusRule of apiVersion monitoring.coreos.com/v1 (read by a
// Prometheus operator on Kubernetes), the note to print instead of applying it:
// "servicemonitor.monitoring.coreos.com/galera skipped: ...". nullopt for every other object,
// which is validated as usual (an unknown kind still refuses the file).
std::optional<std::string> skip_note(const nlohmann::json& object);

}  // namespace mdbop
