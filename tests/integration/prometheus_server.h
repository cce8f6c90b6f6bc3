// A real Prometheus server (Debian's `prometheus`) for the metrics tests: a free loopback port,
// its own data directory, a configuration that scrapes every target of one file_sd file each
// second and evaluates the given rule files each second, stopped by pid when the test ends.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace mdbop::testing {

class PrometheusServer {
 public:
  // Starts Prometheus and waits until it is ready.
  PrometheusServer(const std::filesystem::path& file_sd,
                   const std::vector<std::filesystem::path>& rule_files);
  ~PrometheusServer();
  PrometheusServer(const PrometheusServer&) = delete;
  PrometheusServer& operator=(const PrometheusServer&) = delete;

  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }
  // GET /api/v1/PATH (PATH with its query string); the `data` member of a successful answer,
  // null (and a test failure) otherwise.
  nlohmann::json api(const std::string& path);
  // The result vector of an instant query.
  nlohmann::json query(const std::string& promql);
  // The active targets (`/api/v1/targets`).
  nlohmann::json active_targets();
  // The alerts named `alert` in `state` ("pending" | "firing"), as /api/v1/alerts lists them.
  std::vector<nlohmann::json> alerts(const std::string& alert, const std::string& state);

 private:
  std::filesystem::path directory_;
  int port_ = 0;
  pid_t pid_ = 0;
};

}  // namespace mdbop::testing
