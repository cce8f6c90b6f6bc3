// The metrics as a user's Prometheus sees them: Debian's real Prometheus finds the operator and
// every node's exporter through the installation's file_sd file, evaluates the shipped rules
// and the rules users write about Galera, and its alerts fire and resolve as the cluster and its
// backups fail and recover. Every panel of the shipped dashboard has data.
#include <signal.h>

#include <fstream>
#include <memory>
#include <regex>
#include <set>

#include <gtest/gtest.h>

#include "harness.h"
#include "metrics_cluster.h"
#include "prometheus_server.h"
#include "s3_server.h"

namespace mdbop::testing {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

fs::path source_file(const std::string& relative) { return fs::path(MDBOP_SOURCE_DIR) / relative; }

// Rules as users write them for Galera, loaded unchanged beside the shipped ones.
constexpr char kUserRules[] = R"(groups:
  - name: user-galera
    rules:
      - alert: GaleraClusterSizeBelowThree
        expr: mysql_global_status_wsrep_cluster_size < 3
      - alert: GaleraNodeNotReady
        expr: mysql_global_status_wsrep_ready != 1
      - alert: GaleraNodeNotConnected
        expr: mysql_global_status_wsrep_connected != 1
      - alert: GaleraNotPrimary
        expr: mysql_global_status_wsrep_cluster_status != 1
      - alert: BackupTooOld
        expr: time() - mariadb_backup_last_success_timestamp_seconds > 90000
)";

// Each test has its own cluster (ctest runs every test in a process of its own) and its own
// Prometheus, fed by nothing but the installation's targets.json.
class Prometheus : public ::testing::Test {
 protected:
  void SetUp() override {
    const fs::path user_rules = mdbop().home() / "user-rules.yaml";
    std::ofstream(user_rules) << kUserRules;
    prometheus_ = std::make_unique<PrometheusServer>(
        mdbop().home() / "prometheus/targets.json",
        std::vector<fs::path>{source_file("monitoring/prometheus/mdbop-rules.yaml"), user_rules});
  }

  Installation& mdbop() { return cluster_.installation(); }
  const std::string& name() const { return cluster_.name(); }

  // Scraped by Prometheus with its file_sd labels: one value per pod, as numbers.
  std::map<std::string, double> per_pod(const std::string& metric) {
    std::map<std::string, double> values;
    const std::string selector = metric + "{namespace=\"default\",mariadb=\"" + name() + "\"}";
    for (const json& sample : prometheus_->query(selector)) {
      values[sample["metric"].value("pod", "")] = std::stod(sample["value"][1].get<std::string>());
    }
    return values;
  }
  std::map<std::string, double> every_pod(double value) {
    return {{name() + "-0", value}, {name() + "-1", value}, {name() + "-2", value}};
  }
  bool alert_firing(const std::string& alert) {
    return !prometheus_->alerts(alert, "firing").empty();
  }
  bool alert_gone(const std::string& alert) {
    return prometheus_->alerts(alert, "firing").empty() &&
           prometheus_->alerts(alert, "pending").empty();
  }
  std::string diagnostics() {
    return prometheus_->api("alerts").dump() + "\n" + mdbop().must({"get", "pods", "-o", "wide"}) +
           mdbop().must({"events"});
  }

  MetricsCluster cluster_;
  std::unique_ptr<PrometheusServer> prometheus_;
};

TEST_F(Prometheus, FindsEveryTargetThroughFileSdAndAGaleraAlertFiresWhileANodeIsHeldDown) {
  ASSERT_TRUE(eventually([&] { return per_pod("mysql_up") == every_pod(1); }, 60s))
      << prometheus_->active_targets().dump(2);
  EXPECT_EQ(per_pod("mysql_global_status_wsrep_cluster_size"), every_pod(3));
  EXPECT_EQ(per_pod("mysql_global_status_wsrep_cluster_status"), every_pod(1));
  EXPECT_EQ(per_pod("mysql_global_status_wsrep_local_state"), every_pod(4));
  // The operator's own target, and its view of the cluster.
  ASSERT_TRUE(
      eventually([&] { return !prometheus_->query(R"(up{job="mdbop"} == 1)").empty(); }, 30s))
      << prometheus_->active_targets().dump(2);
  EXPECT_TRUE(eventually([&] { return per_pod("mariadb_node_up") == every_pod(1); }, 30s));
  EXPECT_EQ(prometheus_->query("mariadb_cluster_ready{mariadb=\"" + name() + "\"} == 1").size(),
            1u);

  // Every rule group loaded and evaluates without error.
  const json groups = prometheus_->api("rules").value("groups", json::array());
  std::set<std::string> names;
  for (const json& group : groups) {
    names.insert(group.value("name", ""));
    for (const json& rule : group.value("rules", json::array())) {
      EXPECT_EQ(rule.value("health", ""), "ok") << rule.dump(2);
    }
  }
  EXPECT_EQ(names, (std::set<std::string>{"user-galera", "mariadb-galera", "mariadb-backup",
                                          "mariadb-restore", "mdbop-operator"}))
      << groups.dump(2);

  // A node frozen, not dead: the group evicts it and the others' cluster size drops.
  ASSERT_TRUE(alert_gone("GaleraClusterSizeBelowThree")) << diagnostics();
  const pid_t held = mdbop().pods(name())[2]["status"]["pid"].get<pid_t>();
  ASSERT_GT(held, 0);
  ASSERT_EQ(kill(held, SIGSTOP), 0);
  const bool fired = eventually([&] { return alert_firing("GaleraClusterSizeBelowThree"); }, 90s);
  kill(held, SIGCONT);
  ASSERT_TRUE(fired) << diagnostics();
  mdbop().wait_ready(name());
  EXPECT_TRUE(eventually([&] { return alert_gone("GaleraClusterSizeBelowThree"); }, 60s))
      << diagnostics();
  EXPECT_TRUE(eventually(
      [&] { return per_pod("mysql_global_status_wsrep_local_state") == every_pod(4); }, 60s));
}

// Replaces the dashboard's variables the way Grafana would for this cluster.
std::string with_variables(std::string expr, const std::string& mariadb) {
  const std::vector<std::pair<std::string, std::string>> variables = {
      {R"(\$\{?namespace\}?)", "default"},
      {R"(\$\{?mariadb\}?)", mariadb},
      {R"(\$\{?__rate_interval\}?)", "1m"},
      {R"(\$\{?__interval\}?)", "15s"},
      {R"(\$\{?__range\}?)", "5m"}};
  for (const auto& [pattern, value] : variables) {
    expr = std::regex_replace(expr, std::regex(pattern), value);
  }
  return expr;
}

void collect_exprs(const json& panel, std::vector<std::pair<std::string, std::string>>& out) {
  for (const json& target : panel.value("targets", json::array())) {
    if (target.contains("expr")) out.emplace_back(panel.value("title", ""), target["expr"]);
  }
  for (const json& inner : panel.value("panels", json::array())) collect_exprs(inner, out);
}

TEST_F(Prometheus, TheLastBackupFailedAlertFiresAndResolvesAndEveryDashboardPanelHasData) {
  S3Server s3;
  s3.stop();  // unreachable storage: the scheduled run fails
  mdbop().apply("apiVersion: v1\nkind: Secret\nmetadata: {name: s3}\nstringData: {id: " +
                s3.access_key() + ", secret: " + s3.secret_key() +
                "}\n---\napiVersion: k8s.mariadb.com/v1alpha1\nkind: Backup\nmetadata: {name: "
                "nightly}\nspec:\n  mariaDbRef: {name: " +
                name() +
                "}\n  schedule: {cron: \"0 3 * * *\", immediate: true}\n  storage:\n    s3:\n"
                "      bucket: backups\n      endpoint: " +
                s3.endpoint() +
                "\n      accessKeyIdSecretKeyRef: {name: s3, key: id}\n"
                "      secretAccessKeySecretKeyRef: {name: s3, key: secret}\n");
  ASSERT_TRUE(eventually([&] { return alert_firing("MariaDBBackupLastFailed"); }, 90s))
      << diagnostics();
  // Never succeeded: the users' "too old" rule fires too.
  EXPECT_TRUE(eventually([&] { return alert_firing("BackupTooOld"); }, 30s)) << diagnostics();

  s3.start();  // the run is retried 10 s after the failure, 20 s after the next, ...
  ASSERT_TRUE(eventually([&] { return alert_gone("MariaDBBackupLastFailed"); }, 120s))
      << diagnostics();
  EXPECT_TRUE(eventually([&] { return alert_gone("BackupTooOld"); }, 30s)) << diagnostics();
  const json success = prometheus_->query(R"(mariadb_backup_success_total{backup="nightly"})");
  ASSERT_EQ(success.size(), 1u) << success.dump();
  EXPECT_EQ(success[0]["value"][1], "1");
  EXPECT_EQ(success[0]["metric"].value("mariadb", ""), name());

  // The restore panels need a restore: that backup, replayed.
  mdbop().apply(
      "apiVersion: k8s.mariadb.com/v1alpha1\nkind: Restore\nmetadata: {name: back}\n"
      "spec:\n  mariaDbRef: {name: " +
      name() + "}\n  backupRef: {name: nightly}\n");
  ASSERT_TRUE(eventually(
      [&] {
        return !prometheus_->query(R"(mariadb_restore_succeeded{restore="back"} == 1)").empty();
      },
      180s))
      << mdbop().must({"describe", "restore", "back"});

  std::ifstream file(source_file("monitoring/grafana/mdbop-dashboard.json"));
  const json dashboard = json::parse(file);
  std::vector<std::pair<std::string, std::string>> exprs;
  for (const json& panel : dashboard.value("panels", json::array())) collect_exprs(panel, exprs);
  ASSERT_FALSE(exprs.empty());
  for (const auto& [title, expr] : exprs) {
    const std::string query = with_variables(expr, name());
    EXPECT_TRUE(eventually([&] { return !prometheus_->query(query).empty(); }, 30s))
        << "panel \"" << title << "\" is empty: " << query;
  }
}

}  // namespace
}  // namespace mdbop::testing
