// The metrics of backups (docs/monitoring.md): one set per Backup and PhysicalBackup, labelled
// namespace, mariadb, backup and kind, computed from the object's status alone.
#pragma once

#include <chrono>
#include <vector>

#include <prometheus/metric_family.h>
#include <nlohmann/json.hpp>

namespace mdbop {

// `backups`: Backup and PhysicalBackup objects as the store holds them; `now` times a run
// under way. Every family is present, with one sample per backup (0 where nothing happened).
std::vector<prometheus::MetricFamily> backup_metrics(const std::vector<nlohmann::json>& backups,
                                                     std::chrono::system_clock::time_point now);

}  // namespace mdbop
