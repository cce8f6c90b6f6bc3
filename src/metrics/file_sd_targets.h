// The scrape targets of an installation in Prometheus's file_sd format: the operator's own
// endpoint, then every node exporter, so that one `file_sd_configs` entry finds them all.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace mdbop {

// The content of targets.json: the operator at `operator_address` (job "mdbop"; 127.0.0.1 for
// 0.0.0.0; left out when empty, its endpoint being off), then one entry (job "mysqld", labels
// namespace, mariadb, pod) per node of each MariaDB with spec.metrics.enabled whose status names
// its exporter's port (status.nodes[].ports.metrics), sorted by namespace, mariadb and pod index.
// Exporters listen on loopback.
std::string file_sd_targets(const std::vector<nlohmann::json>& mariadbs,
                            const std::string& operator_address);

}  // namespace mdbop
