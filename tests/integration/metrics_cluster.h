// A 3-node Galera cluster with spec.metrics.enabled, for the tests that read the nodes'
// exporters (directly, or through a Prometheus that scrapes them). Making one takes about half
// a minute, so a suite makes one in SetUpTestSuite and its tests share it.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "harness.h"

namespace mdbop::testing {

class MetricsCluster {
 public:
  static constexpr const char* kName = "metrics";
  static constexpr const char* kRootPassword = "Metrics-Root-Pass-1";

  // A fresh installation and its operator; the MariaDB kName applied, Ready, and every node's
  // exporter answering with mysql_up 1 (the test fails otherwise).
  MetricsCluster();

  Installation& installation() { return installation_; }
  const std::string& name() const { return name_; }
  // The exporters' MariaDB account (the default, <mariadb>-metrics).
  std::string exporter_user() const { return name_ + "-metrics"; }
  // Its password, from the Secret mdbop generated.
  std::string exporter_password();

  // Each pod's exporter, "127.0.0.1:PORT", by pod index, from `mdbop get pods -o json`.
  std::vector<std::string> exporter_addresses();
  // The pid of the pod's exporter (found by its option file in /proc); 0 when none runs.
  pid_t exporter_pid(int index);
  // The exporter's option file of pod `index`.
  std::filesystem::path exporter_config(int index) const;

 private:
  Installation installation_;
  std::string name_ = kName;
};

// GET http://`address`/metrics: the exposition text; empty when it does not answer 200.
std::string scrape(const std::string& address);

// The samples of an exposition text: each series as written ("name" or "name{labels}") to its
// value.
std::map<std::string, double> samples(const std::string& exposition);

}  // namespace mdbop::testing
