// The metrics of restores (docs/monitoring.md): one set per Restore, labelled namespace,
// mariadb and restore, computed from the object's status alone.
#pragma once

#include <chrono>
#include <vector>

#include <prometheus/metric_family.h>
#include <nlohmann/json.hpp>

namespace mdbop {

// `restores`: Restore objects as the store holds them; `now` times a restore under way.
std::vector<prometheus::MetricFamily> restore_metrics(const std::vector<nlohmann::json>& restores,
                                                      std::chrono::system_clock::time_point now);

}  // namespace mdbop
