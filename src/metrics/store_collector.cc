#include "metrics/store_collector.h"

#include <algorithm>
#include <iterator>
#include <map>

#include <spdlog/spdlog.h>

#include "metrics/backup_metrics.h"
#include "metrics/cluster_metrics.h"
#include "metrics/families.h"
#include "metrics/restore_metrics.h"

namespace mdbop {

namespace {

// The families `measure` makes of `objects`, one object at a time: an object whose metrics
// cannot be computed (a status no code writes, or a bug) is left out, alone, and logged.
// REQUIRES: `measure` makes the same families in the same order for any objects (each family
// is present, with or without samples).
template <typename Measure>
std::vector<prometheus::MetricFamily> measure_each(std::vector<json> objects, Measure measure) {
  std::vector<prometheus::MetricFamily> families = measure(std::vector<json>{});
  for (json& object : objects) {
    std::string name = "an object";  // for the log
    try {
      const json& metadata = object.at("metadata");
      name = object.value("kind", "") + " " + metadata.value("namespace", "") + "/" +
             metadata.value("name", "");
      std::vector<json> alone;
      alone.push_back(std::move(object));
      std::vector<prometheus::MetricFamily> measured = measure(alone);
      for (size_t i = 0; i < families.size(); ++i) {
        std::move(measured[i].metric.begin(), measured[i].metric.end(),
                  std::back_inserter(families[i].metric));
      }
    } catch (const std::exception& e) {
      spdlog::error("metrics of {} left out: {}", name, e.what());
    }
  }
  return families;
}

}  // namespace

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
    std::vector<json> backups = std::move(objects["Backup"]);
    std::move(objects["PhysicalBackup"].begin(), objects["PhysicalBackup"].end(),
              std::back_inserter(backups));
    const auto append = [&](std::vector<prometheus::MetricFamily> made) {
      std::move(made.begin(), made.end(), std::back_inserter(families));
    };
    append(measure_each(std::move(backups),
                        [&](const std::vector<json>& some) { return backup_metrics(some, now); }));
    append(measure_each(std::move(objects["Restore"]),
                        [&](const std::vector<json>& some) { return restore_metrics(some, now); }));
    append(measure_each(std::move(objects["MariaDB"]), cluster_metrics));
  } catch (const std::exception& e) {
    spdlog::error("metrics from the store's objects failed: {}", e.what());
  }
  return families;
}

}  // namespace mdbop
