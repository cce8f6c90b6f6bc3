#include "prometheus_server.h"

#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>

#include <cctype>
#include <fstream>
#include <thread>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "harness.h"
#include "util/curl_transport.h"
#include "util/subprocess.h"

namespace mdbop::testing {

namespace fs = std::filesystem;
using json = nlohmann::json;
using namespace std::chrono_literals;

namespace {

HttpResponse get(const std::string& url) {
  CurlTransport http("");
  auto response = http.send({"GET", url, {}, {}}, nullptr);
  return response ? *response : HttpResponse{0, response.error().what()};
}

// A query parameter's value, percent-encoded (RFC 3986 unreserved characters stay).
std::string url_encode(const std::string& text) {
  std::string encoded;
  for (const unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      encoded += static_cast<char>(c);
    } else {
      encoded += fmt::format("%{:02X}", c);
    }
  }
  return encoded;
}

}  // namespace

PrometheusServer::PrometheusServer(const fs::path& file_sd,
                                   const std::vector<fs::path>& rule_files) {
  char pattern[] = "/tmp/mdbop-prometheus-XXXXXX";
  directory_ = mkdtemp(pattern);
  port_ = free_loopback_port(19000, 24999);
  if (port_ == 0) {
    ADD_FAILURE() << "no free port for Prometheus";
    return;
  }
  // Everything each second, so that a state held for a few seconds is seen and alerts without
  // `for` fire at the next evaluation.
  json rules = json::array();
  for (const fs::path& file : rule_files) rules.push_back(file.string());
  json config = {
      {"global",
       {{"scrape_interval", "1s"}, {"scrape_timeout", "900ms"}, {"evaluation_interval", "1s"}}},
      {"rule_files", rules},
      {"scrape_configs",
       json::array({{{"job_name", "mdbop-installation"},
                     {"file_sd_configs", json::array({{{"files", json::array({file_sd.string()})},
                                                       {"refresh_interval", "1s"}}})}}})},
  };
  // JSON is YAML.
  std::ofstream(directory_ / "prometheus.yml") << config.dump(2) << "\n";
  SubprocessOptions server;
  server.argv = {"prometheus", "--config.file=" + (directory_ / "prometheus.yml").string(),
                 "--storage.tsdb.path=" + (directory_ / "data").string(),
                 "--web.listen-address=" + address(), "--log.level=warn"};
  server.output_file = (directory_ / "prometheus.log").string();
  auto pid = spawn_detached(server);
  if (!pid) {
    ADD_FAILURE() << pid.error().what();
    return;
  }
  pid_ = *pid;
  const bool ready =
      eventually([&] { return get("http://" + address() + "/-/ready").status == 200; }, 60s);
  EXPECT_TRUE(ready) << "Prometheus did not become ready; see " << server.output_file;
}

PrometheusServer::~PrometheusServer() {
  if (pid_ > 0) {
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }
  std::error_code ec;
  fs::remove_all(directory_, ec);
}

json PrometheusServer::api(const std::string& path) {
  const HttpResponse reply = get("http://" + address() + "/api/v1/" + path);
  if (reply.status != 200) {
    ADD_FAILURE() << "GET /api/v1/" << path << ": " << reply.status << " " << reply.transport_error
                  << " " << reply.body;
    return nullptr;
  }
  const json answer = json::parse(reply.body, nullptr, false);
  if (answer.is_discarded() || answer.value("status", "") != "success") {
    ADD_FAILURE() << "GET /api/v1/" << path << ": " << reply.body;
    return nullptr;
  }
  return answer["data"];
}

json PrometheusServer::query(const std::string& promql) {
  const json data = api("query?query=" + url_encode(promql));
  return data.is_object() ? data.value("result", json::array()) : json::array();
}

json PrometheusServer::active_targets() {
  const json data = api("targets?state=active");
  return data.is_object() ? data.value("activeTargets", json::array()) : json::array();
}

std::vector<json> PrometheusServer::alerts(const std::string& alert, const std::string& state) {
  std::vector<json> found;
  const json data = api("alerts");
  if (!data.is_object()) return found;
  for (const json& a : data.value("alerts", json::array())) {
    if (a["labels"].value("alertname", "") == alert && a.value("state", "") == state) {
      found.push_back(a);
    }
  }
  return found;
}

}  // namespace mdbop::testing
