// Node metrics on real nodes: with spec.metrics.enabled every node of a 3-node Galera cluster
// gets Debian's prometheus-mysqld-exporter, which answers on the node's metrics port with the
// Galera metrics users alert on, every default collector succeeding; it comes back after a
// kill -9; its account holds exactly the grants mdbop chose; its password is in no command
// line, environment or readable file.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>

#include <fstream>

#include "metrics_cluster.h"
#include "util/files.h"
#include "util/subprocess.h"

namespace mdbop::testing {
namespace {

using namespace std::chrono_literals;

// The collectors prometheus-mysqld-exporter 0.14 runs by default.
const std::vector<std::string> kDefaultCollectors = {"collect.global_status",
                                                     "collect.global_variables",
                                                     "collect.slave_status",
                                                     "collect.info_schema.innodb_cmp",
                                                     "collect.info_schema.innodb_cmpmem",
                                                     "collect.info_schema.query_response_time"};

class NodeExporters : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { cluster_ = new MetricsCluster(); }
  static void TearDownTestSuite() {
    delete cluster_;
    cluster_ = nullptr;
  }

  static MetricsCluster* cluster_;
};

MetricsCluster* NodeExporters::cluster_ = nullptr;

TEST_F(NodeExporters, EveryNodeAnswersWithItsGaleraMetricsAndEveryCollectorSucceeds) {
  const std::vector<std::string> addresses = cluster_->exporter_addresses();
  ASSERT_EQ(addresses.size(), 3u);
  for (const std::string& address : addresses) {
    ASSERT_FALSE(address.empty()) << "a pod without a metrics port";
    const std::string first = scrape(address);
    const std::string text = scrape(address);
    const auto before = samples(first);
    const auto seen = samples(text);
    EXPECT_EQ(seen.at("mysql_up"), 1) << address;
    EXPECT_EQ(seen.at("mysql_global_status_wsrep_cluster_status"), 1) << address;  // Primary
    EXPECT_EQ(seen.at("mysql_global_status_wsrep_connected"), 1) << address;
    EXPECT_EQ(seen.at("mysql_global_status_wsrep_ready"), 1) << address;
    EXPECT_EQ(seen.at("mysql_global_status_wsrep_cluster_size"), 3) << address;
    EXPECT_EQ(seen.at("mysql_global_status_wsrep_local_state"), 4) << address;  // Synced
    for (const char* name :
         {"mysql_global_status_wsrep_flow_control_paused",
          "mysql_global_status_wsrep_local_cert_failures", "mysql_global_status_threads_connected",
          "mysql_global_variables_max_connections"}) {
      EXPECT_TRUE(seen.contains(name)) << address << " lacks " << name;
    }
    // 0.14 has no mysql_exporter_collector_success: a collector that failed counts in
    // mysql_exporter_scrape_errors_total{collector} and sets mysql_exporter_last_scrape_error.
    EXPECT_EQ(seen.at("mysql_exporter_last_scrape_error"), 0) << address << "\n" << text;
    for (const std::string& collector : kDefaultCollectors) {
      const std::string ran =
          "mysql_exporter_collector_duration_seconds{collector=\"" + collector + "\"}";
      EXPECT_TRUE(seen.contains(ran)) << address << " did not run " << collector;
      const std::string errors =
          "mysql_exporter_scrape_errors_total{collector=\"" + collector + "\"}";
      const double errors_before = before.contains(errors) ? before.at(errors) : 0;
      const double errors_now = seen.contains(errors) ? seen.at(errors) : 0;
      EXPECT_EQ(errors_now, errors_before) << address << ": " << collector << " failed";
    }
  }
  const std::string wide = cluster_->installation().must({"get", "pods", "-o", "wide"});
  EXPECT_NE(wide.find("METRICS"), std::string::npos) << wide;
  for (const std::string& address : addresses) {
    EXPECT_NE(wide.find(address.substr(address.find(':') + 1)), std::string::npos) << wide;
  }
}

TEST_F(NodeExporters, AKilledExporterIsBackAndAnswering) {
  const pid_t killed = cluster_->exporter_pid(1);
  ASSERT_GT(killed, 0);
  ASSERT_EQ(kill(killed, SIGKILL), 0);
  const std::string address = cluster_->exporter_addresses().at(1);
  ASSERT_TRUE(eventually(
      [&] {
        const pid_t now = cluster_->exporter_pid(1);
        return now != 0 && now != killed && samples(scrape(address))["mysql_up"] == 1;
      },
      30s))
      << cluster_->installation().must({"events"});
  // The operator restarted it; its server was left alone.
  EXPECT_EQ(cluster_->exporter_addresses().at(1), address);
}

TEST_F(NodeExporters, ItsAccountHoldsExactlyTheChosenGrantsOnEveryNode) {
  const std::string user = cluster_->exporter_user();
  for (int index = 0; index < 3; ++index) {
    SqlConnection root =
        cluster_->installation().connect(cluster_->name(), index, MetricsCluster::kRootPassword);
    auto hosts = root.query("SELECT Host FROM mysql.user WHERE User = '" + user + "'");
    ASSERT_TRUE(hosts) << hosts.error().what();
    ASSERT_EQ(hosts->rows.size(), 1u) << "index " << index;
    EXPECT_EQ(*hosts->rows[0][0], "localhost");
    auto grants = root.query("SHOW GRANTS FOR '" + user + "'@'localhost'");
    ASSERT_TRUE(grants) << grants.error().what();
    ASSERT_EQ(grants->rows.size(), 1u);
    const std::string grant = *grants->rows[0][0];
    EXPECT_EQ(grant.rfind("GRANT PROCESS, SLAVE MONITOR ON *.* TO `" + user +
                              "`@`localhost` IDENTIFIED BY PASSWORD '*",
                          0),
              0u)
        << grant;
    EXPECT_TRUE(grant.ends_with("' WITH MAX_USER_CONNECTIONS 3")) << grant;
  }
}

TEST_F(NodeExporters, ThePasswordIsInNoCommandLineOrEnvironmentAndItsFileIsPrivate) {
  const std::string password = cluster_->exporter_password();
  ASSERT_GE(password.size(), 16u);
  for (pid_t pid : all_pids()) {
    const std::string base = "/proc/" + std::to_string(pid);
    for (const char* file : {"/cmdline", "/environ"}) {
      auto text = read_file(base + file);
      if (text) {
        EXPECT_EQ(text->find(password), std::string::npos) << base << file;
      }
    }
  }
  for (int index = 0; index < 3; ++index) {
    const pid_t exporter = cluster_->exporter_pid(index);
    ASSERT_GT(exporter, 0) << index;
    struct stat st;
    ASSERT_EQ(stat(cluster_->exporter_config(index).c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600u) << index;
    EXPECT_EQ(st.st_uid, process_uid(exporter)) << index;
    // It runs as the nodes do: never as root.
    EXPECT_NE(process_uid(exporter), 0u) << index;
    auto log = read_file(cluster_->exporter_config(index).parent_path() / "exporter.log");
    ASSERT_TRUE(log);
    EXPECT_EQ(log->find(password), std::string::npos);
  }
}

}  // namespace
}  // namespace mdbop::testing
