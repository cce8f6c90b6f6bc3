#include "metrics/file_sd_targets.h"

#include <algorithm>
#include <tuple>

namespace mdbop {

using nlohmann::json;

namespace {

struct Exporter {
  std::string namespace_;
  std::string mariadb;
  int index = 0;
  std::string pod;
  int port = 0;
};

bool metrics_enabled(const json& mariadb) {
  const json spec = mariadb.value("spec", json::object());
  const json metrics = spec.value("metrics", json::object());
  // Compared, not converted: a stored object of another type must not end the operator.
  return metrics.is_object() && metrics.contains("enabled") && metrics["enabled"] == true;
}

}  // namespace

std::string file_sd_targets(const std::vector<json>& mariadbs,
                            const std::string& operator_address) {
  std::vector<Exporter> exporters;
  for (const json& mariadb : mariadbs) {
    if (!metrics_enabled(mariadb)) continue;
    const json& metadata = mariadb["metadata"];
    for (const json& node : mariadb.value("status", json::object()).value("nodes", json::array())) {
      const json ports = node.value("ports", json::object());
      if (!ports.contains("metrics") || !ports["metrics"].is_number_integer()) continue;
      exporters.push_back({metadata.value("namespace", ""), metadata.value("name", ""),
                           node.value("index", 0), node.value("pod", ""),
                           ports["metrics"].get<int>()});
    }
  }
  std::sort(exporters.begin(), exporters.end(), [](const Exporter& a, const Exporter& b) {
    return std::tie(a.namespace_, a.mariadb, a.index) < std::tie(b.namespace_, b.mariadb, b.index);
  });

  json targets = json::array();
  if (!operator_address.empty()) {
    // Listening on every interface, the operator is reached on loopback from this machine.
    std::string target = operator_address;
    if (target.rfind("0.0.0.0:", 0) == 0) target.replace(0, 7, "127.0.0.1");
    targets.push_back({{"targets", {target}}, {"labels", {{"job", "mdbop"}}}});
  }
  for (const Exporter& exporter : exporters) {
    targets.push_back({{"targets", {"127.0.0.1:" + std::to_string(exporter.port)}},
                       {"labels",
                        {{"job", "mysqld"},
                         {"namespace", exporter.namespace_},
                         {"mariadb", exporter.mariadb},
                         {"pod", exporter.pod}}}});
  }
  return targets.dump(2) + "\n";
}

}  // namespace mdbop
