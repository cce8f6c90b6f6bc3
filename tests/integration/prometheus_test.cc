// The metrics as a user's Prometheus sees them: Debian's real Prometheus finds the operator and
// every node's exporter through the installation's file_sd file, evaluates the shipped rules
// and the rules users write about Galera, and its alerts fire and resolve as the cluster and its
// backups fail and recover. Every panel of the shipped dashboard has data.
#include <signal.h>

#include <fstream>
#include <regex>

#include <gtest/gtest.h>

#include "harness.h"
#include "prometheus_server.h"
#include "s3_server.h"

namespace mdbop::testing {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

constexpr char kPassword[] = "Prom-Root-Pass-1";

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

class Prometheus : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    mdbop_ = new Installation();
    s3_ = new S3Server();
    mdbop_->start_operator();
    mdbop_->apply(galera_manifest("m", 3, kPassword, "  metrics:\n    enabled: true\n"));
    mdbop_->wait_ready("m");
    const fs::path user_rules = mdbop_->home() / "user-rules.yaml";
    std::ofstream(user_rules) << kUserRules;
    prometheus_ =
        new PrometheusServer(mdbop_->home() / "prometheus/targets.json",
                             {source_file("monitoring/prometheus/mdbop-rules.yaml"), user_rules});
  }
  static void TearDownTestSuite() {
    delete prometheus_;
    delete s3_;
    delete mdbop_;
  }

  // Scraped by Prometheus with its file_sd labels: one value per pod, as numbers.
  static std::map<std::string, double> per_pod(const std::string& promql) {
    std::map<std::string, double> values;
    for (const json& sample : prometheus_->query(promql)) {
      values[sample["metric"].value("pod", "")] = std::stod(sample["value"][1].get<std::string>());
    }
    return values;
  }
  static bool alert_firing(const std::string& alert) {
    return !prometheus_->alerts(alert, "firing").empty();
  }
  static bool alert_gone(const std::string& alert) {
    return prometheus_->alerts(alert, "firing").empty() &&
           prometheus_->alerts(alert, "pending").empty();
  }
  static std::string diagnostics() {
    return prometheus_->api("alerts").dump() + "\n" + mdbop_->must({"get", "pods", "-o", "wide"}) +
           mdbop_->must({"events"});
  }

  static Installation* mdbop_;
  static S3Server* s3_;
  static PrometheusServer* prometheus_;
};

Installation* Prometheus::mdbop_ = nullptr;
S3Server* Prometheus::s3_ = nullptr;
PrometheusServer* Prometheus::prometheus_ = nullptr;

TEST_F(Prometheus, FindsTheOperatorAndEveryNodeThroughFileSdAndLoadsTheRules) {
  const std::map<std::string, double> every_pod_up{{"m-0", 1}, {"m-1", 1}, {"m-2", 1}};
  ASSERT_TRUE(eventually(
      [] {
        return per_pod(R"(mysql_up{namespace="default",mariadb="m"})") ==
               std::map<std::string, double>{{"m-0", 1}, {"m-1", 1}, {"m-2", 1}};
      },
      60s))
      << prometheus_->active_targets().dump(2);
  EXPECT_EQ(per_pod(R"(mysql_global_status_wsrep_cluster_size{mariadb="m"})"),
            (std::map<std::string, double>{{"m-0", 3}, {"m-1", 3}, {"m-2", 3}}));
  EXPECT_EQ(per_pod(R"(mysql_global_status_wsrep_cluster_status{mariadb="m"})"), every_pod_up);
  EXPECT_EQ(per_pod(R"(mysql_global_status_wsrep_local_state{mariadb="m"})"),
            (std::map<std::string, double>{{"m-0", 4}, {"m-1", 4}, {"m-2", 4}}));

  // The operator's own target, and its view of the cluster.
  ASSERT_TRUE(
      eventually([] { return !prometheus_->query(R"(up{job="mdbop"} == 1)").empty(); }, 30s))
      << prometheus_->active_targets().dump(2);
  ASSERT_TRUE(eventually(
      [] {
        return !prometheus_->query(R"(mariadb_cluster_ready{namespace="default",mariadb="m"} == 1)")
                    .empty();
      },
      30s));
  EXPECT_EQ(per_pod(R"(mariadb_node_up{mariadb="m"})"), every_pod_up);

  // Every rule group loaded and evaluates without error.
  const json groups = prometheus_->api("rules").value("groups", json::array());
  std::set<std::string> names;
  for (const json& group : groups) {
    names.insert(group.value("name", ""));
    for (const json& rule : group.value("rules", json::array())) {
      EXPECT_EQ(rule.value("health", ""), "ok") << rule.dump(2);
    }
  }
  EXPECT_TRUE(names.count("user-galera") && names.count("mariadb-galera") &&
              names.count("mariadb-backup") && names.count("mariadb-restore") &&
              names.count("mdbop-operator"))
      << groups.dump(2);
}

TEST_F(Prometheus, AGaleraAlertFiresWhileANodeIsHeldDownAndResolvesWhenItIsSyncedAgain) {
  ASSERT_TRUE(eventually([] { return alert_gone("GaleraClusterSizeBelowThree"); }, 60s))
      << diagnostics();
  const pid_t held = mdbop_->pods("m")[2]["status"]["pid"].get<pid_t>();
  ASSERT_GT(held, 0);
  // Frozen, not dead: the group evicts it and the others' cluster size drops.
  ASSERT_EQ(kill(held, SIGSTOP), 0);
  const bool fired = eventually([] { return alert_firing("GaleraClusterSizeBelowThree"); }, 90s);
  kill(held, SIGCONT);
  ASSERT_TRUE(fired) << diagnostics();
  mdbop_->wait_ready("m");
  EXPECT_TRUE(eventually([] { return alert_gone("GaleraClusterSizeBelowThree"); }, 60s))
      << diagnostics();
  EXPECT_TRUE(eventually(
      [] {
        return per_pod(R"(mysql_global_status_wsrep_local_state{mariadb="m"})") ==
               std::map<std::string, double>{{"m-0", 4}, {"m-1", 4}, {"m-2", 4}};
      },
      60s));
}

TEST_F(Prometheus, TheLastBackupFailedAlertFiresWhileStorageIsUnreachableAndResolvesAfterASuccess) {
  s3_->stop();
  mdbop_->apply(
      "apiVersion: v1\nkind: Secret\nmetadata: {name: s3}\nstringData: {id: S3RVER, secret: "
      "S3RVER}\n---\napiVersion: k8s.mariadb.com/v1alpha1\nkind: Backup\nmetadata: {name: "
      "nightly}\nspec:\n  mariaDbRef: {name: m}\n  schedule: {cron: \"0 3 * * *\", immediate: "
      "true}\n  storage:\n    s3:\n      bucket: backups\n      endpoint: " +
      s3_->endpoint() +
      "\n      accessKeyIdSecretKeyRef: {name: s3, key: id}\n"
      "      secretAccessKeySecretKeyRef: {name: s3, key: secret}\n");
  ASSERT_TRUE(eventually([] { return alert_firing("MariaDBBackupLastFailed"); }, 90s))
      << diagnostics();
  // Never succeeded: the users' "too old" rule fires too.
  EXPECT_TRUE(eventually([] { return alert_firing("BackupTooOld"); }, 30s)) << diagnostics();

  s3_->start();  // the run is retried 10 s after the failure, 20 s after the next, ...
  ASSERT_TRUE(eventually([] { return alert_gone("MariaDBBackupLastFailed"); }, 120s))
      << diagnostics();
  EXPECT_TRUE(eventually([] { return alert_gone("BackupTooOld"); }, 30s)) << diagnostics();
  const json success = prometheus_->query(R"(mariadb_backup_success_total{backup="nightly"})");
  ASSERT_EQ(success.size(), 1u) << success.dump();
  EXPECT_EQ(success[0]["value"][1], "1");
  EXPECT_EQ(success[0]["metric"].value("mariadb", ""), "m");
}

// Replaces the dashboard's variables the way Grafana would for this cluster.
std::string with_variables(std::string expr) {
  const std::vector<std::pair<std::string, std::string>> variables = {
      {R"(\$\{?namespace\}?)", "default"},
      {R"(\$\{?mariadb\}?)", "m"},
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

TEST_F(Prometheus, EveryPanelOfTheDashboardHasData) {
  // The restore panels need a restore: the backup of the previous test, replayed.
  mdbop_->apply(
      "apiVersion: k8s.mariadb.com/v1alpha1\nkind: Restore\nmetadata: {name: back}\nspec:\n"
      "  mariaDbRef: {name: m}\n  backupRef: {name: nightly}\n");
  ASSERT_TRUE(eventually(
      [] {
        return !prometheus_->query(R"(mariadb_restore_succeeded{restore="back"} == 1)").empty();
      },
      180s))
      << mdbop_->must({"describe", "restore", "back"});

  std::ifstream file(source_file("monitoring/grafana/mdbop-dashboard.json"));
  const json dashboard = json::parse(file);
  std::vector<std::pair<std::string, std::string>> exprs;
  for (const json& panel : dashboard.value("panels", json::array())) collect_exprs(panel, exprs);
  ASSERT_FALSE(exprs.empty());
  for (const auto& [title, expr] : exprs) {
    const std::string query = with_variables(expr);
    EXPECT_TRUE(eventually([&] { return !prometheus_->query(query).empty(); }, 30s))
        << "panel \"" << title << "\" is empty: " << query;
  }
}

}  // namespace
}  // namespace mdbop::testing
