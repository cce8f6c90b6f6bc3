#include "metrics_cluster.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <sstream>

#include "util/base64.h"
#include "util/curl_transport.h"
#include "util/subprocess.h"

namespace mdbop::testing {

using namespace std::chrono_literals;

MetricsCluster::MetricsCluster() {
  installation_.start_operator();
  installation_.apply(galera_manifest(name_, 3, kRootPassword, "  metrics:\n    enabled: true\n"));
  installation_.wait_ready(name_);
  // A node's metrics port is given when its exporter first runs.
  EXPECT_TRUE(eventually(
      [&] {
        const std::vector<std::string> addresses = exporter_addresses();
        return std::none_of(addresses.begin(), addresses.end(),
                            [](const std::string& address) { return address.empty(); });
      },
      60s))
      << installation_.must({"get", "pods", "-o", "wide"});
  for (const std::string& address : exporter_addresses()) {
    EXPECT_TRUE(eventually([&] { return samples(scrape(address))["mysql_up"] == 1; }, 60s))
        << address << "\n"
        << installation_.must({"get", "pods", "-o", "wide"}) << installation_.must({"events"});
  }
}

std::string MetricsCluster::exporter_password() {
  const json secret = json::parse(
      installation_.must({"get", "secret", exporter_user() + "-password", "-o", "json"}));
  auto password = base64_decode(secret["data"].value("password", ""));
  EXPECT_TRUE(password) << "the exporters' password Secret has no readable password";
  return password ? *password : "";
}

std::vector<std::string> MetricsCluster::exporter_addresses() {
  std::vector<std::string> addresses;
  for (const json& pod : installation_.pods(name_)) {
    const json& ports = pod["status"]["ports"];
    addresses.push_back(ports.contains("metrics")
                            ? "127.0.0.1:" + std::to_string(ports["metrics"].get<int>())
                            : "");
  }
  return addresses;
}

std::filesystem::path MetricsCluster::exporter_config(int index) const {
  return installation_.home() / "nodes" / "default" / (name_ + "-" + std::to_string(index)) /
         "exporter.cnf";
}

pid_t MetricsCluster::exporter_pid(int index) {
  const std::string argument = "--config.my-cnf=" + exporter_config(index).string();
  for (pid_t pid : all_pids()) {
    for (const std::string& given : process_arguments(pid)) {
      if (given == argument && process_alive(pid)) return pid;
    }
  }
  return 0;
}

std::string scrape(const std::string& address) {
  static CurlTransport transport("");
  HttpRequest request;
  request.method = "GET";
  request.url = "http://" + address + "/metrics";
  auto response = transport.send(request, nullptr);
  return response && response->status == 200 ? response->body : "";
}

std::map<std::string, double> samples(const std::string& exposition) {
  std::map<std::string, double> found;
  std::istringstream lines(exposition);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.empty() || line[0] == '#') continue;
    // Label values may hold spaces: the value follows the last one.
    const size_t space = line.rfind(' ');
    if (space == std::string::npos) continue;
    found[line.substr(0, space)] = std::stod(line.substr(space + 1));
  }
  return found;
}

}  // namespace mdbop::testing
