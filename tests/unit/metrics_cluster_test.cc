// The cluster metrics from known status: conditions, the primary and each member's state, a
// recovery under way, and the totals the reconcilers keep.
#include <gtest/gtest.h>

#include "manifest_test_util.h"
#include "metrics/cluster_metrics.h"
#include "metrics_test_util.h"

namespace mdbop {
namespace {

using Lines = std::vector<std::string>;

json mariadb(int replicas, const json& status) {
  json object = valid(
      "apiVersion: k8s.mariadb.com/v1alpha1\nkind: MariaDB\nmetadata: {name: g, namespace: "
      "prod}\nspec:\n  replicas: " +
      std::to_string(replicas) + "\n  galera: {enabled: true}\n");
  object["status"] = status;
  return object;
}

const std::string kLabels = R"(namespace="prod",mariadb="g")";

// A 3-node cluster: g-0 the primary and Synced, g-1 a donor, g-2 stopped, a scaled-away g-3
// still listed; a recovery under way; totals from its life so far.
const char* kStatus = R"({
  "conditions": [
    {"type": "Ready", "status": "False", "reason": "NotReady"},
    {"type": "GaleraReady", "status": "True", "reason": "PrimaryComponent"}
  ],
  "currentPrimary": "g-0",
  "nodes": [
    {"pod": "g-0", "index": 0, "state": "Synced"},
    {"pod": "g-1", "index": 1, "state": "Donor/Desynced"},
    {"pod": "g-2", "index": 2, "state": "Stopped"},
    {"pod": "g-3", "index": 3, "state": "Synced"}
  ],
  "galeraRecovery": {"state": "Joining", "lastDurationSeconds": 9},
  "totals": {"fullRecoveries": 2, "nodeRestarts": 5, "nodeExits": 4, "evictions": 3}
})";

TEST(ClusterMetrics, ConditionsSizeAndTotalsOfTheCluster) {
  const std::string text = exposition(cluster_metrics({mariadb(3, json::parse(kStatus))}));
  auto line = [&](const std::string& name, const std::string& value) {
    return Lines{name + "{" + kLabels + "} " + value};
  };
  EXPECT_EQ(samples(text, "mariadb_cluster_ready"), line("mariadb_cluster_ready", "0"));
  EXPECT_EQ(samples(text, "mariadb_cluster_galera_ready"),
            line("mariadb_cluster_galera_ready", "1"));
  EXPECT_EQ(samples(text, "mariadb_cluster_replicas"), line("mariadb_cluster_replicas", "3"));
  // Members only: g-3 is being scaled away.
  EXPECT_EQ(samples(text, "mariadb_cluster_synced_nodes"),
            line("mariadb_cluster_synced_nodes", "1"));
  EXPECT_EQ(samples(text, "mariadb_cluster_recovering"), line("mariadb_cluster_recovering", "1"));
  EXPECT_EQ(samples(text, "mariadb_cluster_full_recoveries_total"),
            line("mariadb_cluster_full_recoveries_total", "2"));
  EXPECT_EQ(samples(text, "mariadb_cluster_last_full_recovery_duration_seconds"),
            line("mariadb_cluster_last_full_recovery_duration_seconds", "9"));
  EXPECT_EQ(samples(text, "mariadb_cluster_node_restarts_total"),
            line("mariadb_cluster_node_restarts_total", "5"));
  EXPECT_EQ(samples(text, "mariadb_cluster_node_exits_total"),
            line("mariadb_cluster_node_exits_total", "4"));
  EXPECT_EQ(samples(text, "mariadb_cluster_evictions_total"),
            line("mariadb_cluster_evictions_total", "3"));
  EXPECT_NE(text.find("# TYPE mariadb_cluster_evictions_total counter"), std::string::npos);
}

TEST(ClusterMetrics, ThePrimaryAndWhetherEachMemberRuns) {
  const std::string text = exposition(cluster_metrics({mariadb(3, json::parse(kStatus))}));
  EXPECT_EQ(samples(text, "mariadb_cluster_primary"),
            (Lines{"mariadb_cluster_primary{" + kLabels + ",pod=\"g-0\"} 1",
                   "mariadb_cluster_primary{" + kLabels + ",pod=\"g-1\"} 0",
                   "mariadb_cluster_primary{" + kLabels + ",pod=\"g-2\"} 0"}));
  EXPECT_EQ(samples(text, "mariadb_node_up"),
            (Lines{"mariadb_node_up{" + kLabels + ",pod=\"g-0\"} 1",
                   "mariadb_node_up{" + kLabels + ",pod=\"g-1\"} 1",
                   "mariadb_node_up{" + kLabels + ",pod=\"g-2\"} 0"}));
}

TEST(ClusterMetrics, EachMembersStateIsAStateSet) {
  const std::string text = exposition(cluster_metrics({mariadb(3, json::parse(kStatus))}));
  Lines expected;
  const std::vector<std::string> states = {"Stopped", "Starting", "Running",        "Joining",
                                           "Joined",  "Synced",   "Donor/Desynced", "Initialized"};
  for (const auto& [pod, state] : std::vector<std::pair<std::string, std::string>>{
           {"g-0", "Synced"}, {"g-1", "Donor/Desynced"}, {"g-2", "Stopped"}}) {
    for (const std::string& each : states) {
      expected.push_back("mariadb_node_state{" + kLabels + ",pod=\"" + pod + "\",state=\"" + each +
                         "\"} " + (each == state ? "1" : "0"));
    }
  }
  EXPECT_EQ(samples(text, "mariadb_node_state"), expected);
}

TEST(ClusterMetrics, AStateOutsideTheSetGetsASeriesOfItsOwn) {
  json status = {{"nodes", {{{"pod", "g-0"}, {"index", 0}, {"state", "Waiting on SST"}}}}};
  const Lines lines =
      samples(exposition(cluster_metrics({mariadb(1, status)})), "mariadb_node_state");
  ASSERT_EQ(lines.size(), 9u);
  EXPECT_EQ(lines.back(),
            "mariadb_node_state{" + kLabels + ",pod=\"g-0\",state=\"Waiting on SST\"} 1");
  for (size_t i = 0; i < 8; ++i) EXPECT_EQ(lines[i].back(), '0') << lines[i];
}

TEST(ClusterMetrics, ANewClusterHasEverySeriesAtZero) {
  const std::string text = exposition(cluster_metrics({mariadb(3, json::object())}));
  EXPECT_EQ(samples(text, "mariadb_cluster_ready"),
            Lines{"mariadb_cluster_ready{" + kLabels + "} 0"});
  EXPECT_EQ(samples(text, "mariadb_cluster_primary").size(), 3u);
  EXPECT_EQ(samples(text, "mariadb_node_up").size(), 3u);
  EXPECT_EQ(samples(text, "mariadb_node_state").size(), 24u);
  for (const char* name :
       {"mariadb_cluster_recovering", "mariadb_cluster_full_recoveries_total",
        "mariadb_cluster_last_full_recovery_duration_seconds",
        "mariadb_cluster_node_restarts_total", "mariadb_cluster_node_exits_total",
        "mariadb_cluster_evictions_total", "mariadb_cluster_synced_nodes"}) {
    EXPECT_EQ(samples(text, name), Lines{std::string(name) + "{" + kLabels + "} 0"}) << name;
  }
}

TEST(ClusterMetrics, ARecoveryThatIsDoneOrDisabledIsNotUnderWay) {
  for (const char* step : {"Done", "Disabled"}) {
    json status = {{"galeraRecovery", {{"state", step}}}};
    EXPECT_EQ(
        samples(exposition(cluster_metrics({mariadb(1, status)})), "mariadb_cluster_recovering"),
        Lines{"mariadb_cluster_recovering{" + kLabels + "} 0"})
        << step;
  }
}

}  // namespace
}  // namespace mdbop
