#include "metrics/store_collector.h"

#include <map>

#include <spdlog/spdlog.h>

#include "metrics/backup_metrics.h"
#include "metrics/cluster_metrics.h"
#include "metrics/families.h"
#include "metrics/restore_metrics.h"

namespace mdbop {

StoreCollector::StoreCollector(const Store& store, std::vector<std::string> kinds)
    : store_(store), kinds_(std::move(kinds)) {}

std::vector<prometheus::MetricFamily> StoreCollector::Collect() const {
  std::vector<prometheus::MetricFamily> families;
  // A bug here must not end the operator from the HTTP server's thread: what was computed
  // before it is served.
  try {
    std::map<std::string, std::vector<json>> objects;
    auto counted = gauge_family("mdbop_objects", "Objects of each kind in the store");
    for (const std::string& kind : kinds_) {
      objects[kind] = store_.list(kind);
      add_sample(counted, {{"kind", kind}}, static_cast<double>(objects[kind].size()));
    }
    families.push_back(std::move(counted));
    const auto now = std::chrono::system_clock::now();
    std::vector<json> backups = objects["Backup"];
    backups.insert(backups.end(), objects["PhysicalBackup"].begin(),
                   objects["PhysicalBackup"].end());
    for (auto& made : {backup_metrics(backups, now), restore_metrics(objects["Restore"], now),
                       cluster_metrics(objects["MariaDB"])}) {
      families.insert(families.end(), made.begin(), made.end());
    }
  } catch (const std::exception& e) {
    spdlog::error("metrics from the store's objects failed: {}", e.what());
  }
  return families;
}

}  // namespace mdbop
