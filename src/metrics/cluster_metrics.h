// The metrics of clusters (docs/monitoring.md): one set per MariaDB, labelled namespace and
// mariadb (and pod, per member), computed from the object's spec and status alone.
#pragma once

#include <vector>

#include <prometheus/metric_family.h>
#include <nlohmann/json.hpp>

namespace mdbop {

// `mariadbs`: MariaDB objects as the store holds them. The per-pod families have one series
// per member (index below spec.replicas), whether status knows the node yet or not.
std::vector<prometheus::MetricFamily> cluster_metrics(const std::vector<nlohmann::json>& mariadbs);

}  // namespace mdbop
