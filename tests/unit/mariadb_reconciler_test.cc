// MariaDBReconciler against a FakeNodeAgent and a MemoryStore: seeding, scaling, rolling,
// full-crash recovery, a killed operator resuming, and eviction. Each test asserts outcomes:
// status, events, and the order of the effects the agent saw.
#include "controller/mariadb/reconciler.h"

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <thread>
#include <vector>

#include "controller/conditions.h"
#include "fake_node_agent.h"
#include "reconciler_test_util.h"
#include "store/memory_store.h"

namespace mdbop {
namespace {

using namespace std::chrono_literals;

const ObjectKey kKey{"MariaDB", "default", "g"};

NodeId node(int index) { return {"default", "g", index}; }

// A Galera MariaDB "g" whose timeouts are short, so that no test waits long.
std::string mariadb_yaml(int replicas, const std::string& max_connections = "100") {
  return R"(apiVersion: k8s.mariadb.com/v1alpha1
kind: MariaDB
metadata: {name: g, namespace: default}
spec:
  rootPasswordSecretKeyRef: {name: g-root, key: password}
  replicas: )" +
         std::to_string(replicas) + R"(
  galera:
    enabled: true
    primary: {podIndex: 0}
    recovery:
      enabled: true
      clusterHealthyTimeout: 1s
      clusterBootstrapTimeout: 2s
      podRecoveryTimeout: 2s
      podSyncTimeout: 1s
  myCnf: "[mariadb]\nmax_connections=)" +
         max_connections + R"(\n"
)";
}

class MariaDBReconcilerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    apply_yaml(store_, kRootSecretYaml);
    apply_yaml(store_, mariadb_yaml(3));
  }

  json object() const { return *store_.get(kKey); }
  json status() const { return object().value("status", json::object()); }

  // Passes (without the waits they ask for) until Ready, at most `passes`; true when Ready.
  bool reconcile_until_ready(MariaDBReconciler& reconciler, int passes = 10) {
    for (int i = 0; i < passes; ++i) {
      reconciler.reconcile();
      if (condition_is_true(object(), "Ready")) return true;
    }
    return false;
  }

  // A Ready 3-node cluster; the agent's log is cleared afterwards.
  void make_ready(MariaDBReconciler& reconciler) {
    ASSERT_TRUE(reconcile_until_ready(reconciler)) << status().dump(2);
    agent_.clear_calls();
  }

  // All three crash with different positions: g-0 at 5, g-2 at 8, g-1 at 10.
  void crash_all_at_different_positions() {
    agent_.commit("default", "g", 5);
    agent_.crash(node(0));
    agent_.commit("default", "g", 3);
    agent_.crash(node(2));
    agent_.commit("default", "g", 2);
    agent_.crash(node(1));
    ASSERT_EQ(agent_.committed(node(0)), 5);
    ASSERT_EQ(agent_.committed(node(2)), 8);
    ASSERT_EQ(agent_.committed(node(1)), 10);
  }

  // status.totals.<name> (what the metrics count); 0 when absent.
  long long total(const char* name) const {
    return status().value("totals", json::object()).value(name, 0LL);
  }

  // The node states in status.nodes, by pod.
  std::map<std::string, std::string> node_states() const {
    std::map<std::string, std::string> states;
    for (const json& n : status().value("nodes", json::array())) {
      states[n.value("pod", "")] = n.value("state", "");
    }
    return states;
  }

  MemoryStore store_;
  FakeNodeAgent agent_;
};

// Lines of `calls` about stopping and starting nodes, in order.
std::vector<std::string> stops_and_starts(const std::vector<std::string>& calls) {
  std::vector<std::string> found;
  for (const std::string& call : calls) {
    if (call.rfind("stop ", 0) == 0 || call.rfind("start ", 0) == 0) found.push_back(call);
  }
  return found;
}

TEST_F(MariaDBReconcilerTest, NewClusterIsSeededOnceAndBecomesReady) {
  MariaDBReconciler reconciler(store_, agent_, kKey);
  ASSERT_TRUE(reconcile_until_ready(reconciler)) << status().dump(2);

  const json s = status();
  EXPECT_TRUE(s.value("bootstrapped", false));
  EXPECT_FALSE(s.contains("seeding"));
  EXPECT_TRUE(condition_is_true(object(), "GaleraReady"));
  EXPECT_EQ(s.value("currentPrimary", ""), "g-0");
  ASSERT_EQ(s["nodes"].size(), 3u);
  for (const json& n : s["nodes"]) {
    EXPECT_EQ(n.value("state", ""), "Synced") << n.dump();
    EXPECT_EQ(n.value("clusterStatus", ""), "Primary") << n.dump();
    EXPECT_EQ(n.value("clusterSize", 0), 3) << n.dump();
  }

  // Initialised on one node, copied to the others, which are told they may not bootstrap.
  const auto calls = agent_.calls();
  EXPECT_EQ(agent_.calls_starting("initialize_data"),
            (std::vector<std::string>{"initialize_data g-0"}));
  EXPECT_EQ(agent_.calls_starting("copy_data"),
            (std::vector<std::string>{"copy_data g-0 g-1", "copy_data g-0 g-2"}));
  // The seed runs as a new cluster on its socket only until root has its password, and is
  // stopped cleanly before its data is copied.
  EXPECT_EQ(agent_.calls_starting("start g-0 new-cluster socket-only").size(), 1u);
  EXPECT_LT(position_of(calls, "initialize_data g-0"),
            position_of(calls, "start g-0 new-cluster socket-only"));
  EXPECT_LT(position_of(calls, "start g-0 new-cluster socket-only"),
            position_of(calls, "stop g-0"));
  EXPECT_LT(position_of(calls, "stop g-0"), position_of(calls, "copy_data g-0 g-1"));
  std::string root_users;
  for (const std::string& call : agent_.calls_starting("sql g-0 ")) {
    if (call.find("ALTER USER") != std::string::npos) root_users = call;
  }
  EXPECT_TRUE(HasText(root_users, "DROP USER 'root'@'fakehost';"));
  EXPECT_TRUE(HasText(root_users, "ALTER USER 'root'@'localhost' IDENTIFIED BY 'Root-Pass-1'"));
  EXPECT_TRUE(HasText(root_users, "CREATE USER 'root'@'%' IDENTIFIED BY 'Root-Pass-1'"));
  // Then the cluster is bootstrapped from the seed, once, and the others join it.
  std::vector<std::string> new_cluster_network;
  for (const std::string& call : agent_.calls_starting("start ")) {
    if (call.find("new-cluster network") != std::string::npos) new_cluster_network.push_back(call);
  }
  EXPECT_EQ(new_cluster_network, (std::vector<std::string>{"start g-0 new-cluster network"}));
  for (int i : {1, 2}) {
    const std::string pod = node(i).pod();
    const size_t joined = position_of(calls, "start " + pod + " join network donor=g-0");
    ASSERT_LT(joined, calls.size()) << pod << " never joined";
    EXPECT_LT(position_of(calls, "copy_data g-0 " + pod), joined);
    EXPECT_LT(position_of(calls, "start g-0 new-cluster network"), joined);
  }
  const auto reasons = event_reasons(store_, kKey);
  for (const char* reason : {"Initializing", "Initialized", "Bootstrapping", "Bootstrapped"}) {
    EXPECT_TRUE(contains(reasons, reason)) << reason;
  }
  // A new cluster's first bootstrap is no recovery, and its first starts no restarts.
  EXPECT_EQ(total("fullRecoveries"), 0);
  EXPECT_EQ(total("nodeRestarts"), 0);
  EXPECT_FALSE(s.value("galeraRecovery", json::object()).contains("lastDurationSeconds"));

  // Ready stays Ready without touching a node again.
  agent_.clear_calls();
  reconciler.reconcile();
  reconciler.reconcile();
  EXPECT_TRUE(condition_is_true(object(), "Ready"));
  EXPECT_TRUE(stops_and_starts(agent_.calls()).empty());
  EXPECT_TRUE(agent_.calls_starting("initialize_data").empty());
}

TEST_F(MariaDBReconcilerTest, AMyCnfSettingAnOptionTheRuntimeOwnsIsReportedOnce) {
  apply_yaml(store_, mariadb_yaml(3, R"(100\nskip-log-bin\nloose-Log-Slave-Updates=1)"));
  MariaDBReconciler reconciler(store_, agent_, kKey);
  ASSERT_TRUE(reconcile_until_ready(reconciler)) << status().dump(2);
  reconciler.reconcile();

  // log_slave_updates is set to what mdbop uses anyway.
  EXPECT_EQ(status()["warnedFields"], json::array({"spec.myCnf log_bin"}));
  const std::vector<std::string> warnings = event_messages(store_, kKey, "FieldIgnored");
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_EQ(warnings[0],
            "spec.myCnf sets log_bin, which mdbop sets itself after myCnf: it uses mariadb-bin "
            "(binary logs on every node under one name, for point-in-time recovery); remove "
            "log_bin from myCnf");
  for (const json& e : store_.events("default", "MariaDB", "g")) {
    if (e.value("reason", "") == "FieldIgnored") {
      EXPECT_EQ(e.value("count", 1), 1) << e.dump();
    }
  }
}

TEST_F(MariaDBReconcilerTest, ScalesOutToFiveAndInToThree) {
  MariaDBReconciler reconciler(store_, agent_, kKey);
  make_ready(reconciler);

  apply_yaml(store_, mariadb_yaml(5));
  ASSERT_TRUE(reconcile_until_ready(reconciler)) << status().dump(2);
  EXPECT_EQ(node_states(), (std::map<std::string, std::string>{{"g-0", "Synced"},
                                                               {"g-1", "Synced"},
                                                               {"g-2", "Synced"},
                                                               {"g-3", "Synced"},
                                                               {"g-4", "Synced"}}));
  EXPECT_EQ(status().value("replicas", 0), 5);
  // The new nodes join the running group, each with a donor from it (one that was in the
  // Primary component before: never the other newcomer); the running ones are left alone.
  const auto started = stops_and_starts(agent_.calls());
  ASSERT_EQ(started.size(), 2u);
  for (int i : {3, 4}) {
    const std::string& line = started[static_cast<size_t>(i - 3)];
    const std::string join = "start " + node(i).pod() + " join network donor=";
    ASSERT_EQ(line.rfind(join, 0), 0u) << line;
    EXPECT_TRUE(contains({"g-0", "g-1", "g-2"}, line.substr(join.size()))) << line;
  }
  EXPECT_TRUE(agent_.calls_starting("initialize_data").empty());

  agent_.clear_calls();
  apply_yaml(store_, mariadb_yaml(3));
  ASSERT_TRUE(reconcile_until_ready(reconciler)) << status().dump(2);
  // The highest extra first, each stopped before its place and data are removed.
  EXPECT_EQ(agent_.calls(), (std::vector<std::string>{"stop g-4", "remove g-4 purge", "stop g-3",
                                                      "remove g-3 purge"}));
  EXPECT_EQ(agent_.placed_indices("default", "g"), (std::vector<int>{0, 1, 2}));
  EXPECT_EQ(node_states().size(), 3u);
  EXPECT_EQ(event_messages(store_, kKey, "ScalingDown"),
            (std::vector<std::string>{"stopping g-4 and removing its data",
                                      "stopping g-3 and removing its data"}));
  EXPECT_FALSE(status()["configHashes"].contains("g-3"));
  EXPECT_FALSE(status()["configHashes"].contains("g-4"));
}

TEST_F(MariaDBReconcilerTest, ConfigurationChangeRollsOneSyncedNodeAtATimePrimaryLast) {
  MariaDBReconciler reconciler(store_, agent_, kKey);
  make_ready(reconciler);
  const json hashes_before = status()["configHashes"];

  // The first node to restart stays Joining until released.
  agent_.hold_sync(node(2));
  apply_yaml(store_, mariadb_yaml(3, "200"));
  reconciler.reconcile();
  EXPECT_EQ(stops_and_starts(agent_.calls()),
            (std::vector<std::string>{"stop g-2", "start g-2 join network donor=g-0"}));
  // While g-2 is not Synced, no other node is touched.
  reconciler.reconcile();
  reconciler.reconcile();
  EXPECT_EQ(stops_and_starts(agent_.calls()),
            (std::vector<std::string>{"stop g-2", "start g-2 join network donor=g-0"}));
  EXPECT_FALSE(condition_is_true(object(), "Ready"));
  EXPECT_EQ(node_states()["g-2"], "Joining");

  // g-1 is held too: each node is rolled while the previous one has only just caught up.
  agent_.hold_sync(node(1));
  agent_.finish_sync(node(2));
  for (int i = 0; i < 3; ++i) reconciler.reconcile();
  EXPECT_EQ(node_states()["g-1"], "Joining");
  agent_.finish_sync(node(1));
  for (int i = 0; i < 6; ++i) reconciler.reconcile();
  const auto calls = agent_.calls();
  EXPECT_EQ(stops_and_starts(calls),
            (std::vector<std::string>{"stop g-2", "start g-2 join network donor=g-0", "stop g-1",
                                      "start g-1 join network donor=g-0", "stop g-0",
                                      "start g-0 join network donor=g-1"}));
  // Replaying the log: whenever a node stops, the other two run.
  std::set<std::string> running = {"g-0", "g-1", "g-2"};
  for (const std::string& call : stops_and_starts(calls)) {
    const std::string pod = call.substr(call.find(' ') + 1, 3);
    if (call.rfind("stop ", 0) == 0) {
      EXPECT_EQ(running.size(), 3u) << "stopping " << pod << " while another node is down";
      running.erase(pod);
    } else {
      running.insert(pod);
    }
  }
  EXPECT_TRUE(condition_is_true(object(), "Ready"));
  const json hashes_after = status()["configHashes"];
  for (const char* pod : {"g-0", "g-1", "g-2"}) {
    EXPECT_NE(hashes_after[pod], hashes_before[pod]) << pod;
    EXPECT_EQ(hashes_after[pod], hashes_after["g-0"]) << pod;
  }
  EXPECT_EQ(event_messages(store_, kKey, "RollingRestart").size(), 3u);
  EXPECT_EQ(total("nodeRestarts"), 3);
}

// A place made from an older spec (a pod from an earlier template) is renewed as a
// configuration change is rolled: one node at a time, stopped first, the primary last, the next
// only once the renewed one is Synced again.
TEST_F(MariaDBReconcilerTest, OutdatedPlacesAreRenewedOneSyncedNodeAtATimePrimaryLast) {
  MariaDBReconciler reconciler(store_, agent_, kKey);
  make_ready(reconciler);
  for (int i = 0; i < 3; ++i) agent_.outdate_place(node(i));
  // "stop g-2", "renew_place g-2", "start g-2" (without the start's mode and donor).
  const auto renewals = [&] {
    std::vector<std::string> found;
    for (const std::string& call : agent_.calls()) {
      for (const char* prefix : {"stop ", "start ", "renew_place "}) {
        if (call.rfind(prefix, 0) == 0) {
          found.push_back(call.substr(0, call.find(' ', call.find(' ') + 1)));
        }
      }
    }
    return found;
  };
  agent_.hold_sync(node(2));
  reconciler.reconcile();
  EXPECT_EQ(renewals(), (std::vector<std::string>{"stop g-2", "renew_place g-2"}));
  for (int i = 0; i < 3; ++i) reconciler.reconcile();
  EXPECT_EQ(renewals(), (std::vector<std::string>{"stop g-2", "renew_place g-2", "start g-2"}));
  EXPECT_FALSE(condition_is_true(object(), "Ready"));

  agent_.finish_sync(node(2));
  for (int i = 0; i < 12; ++i) reconciler.reconcile();
  EXPECT_EQ(renewals(), (std::vector<std::string>{"stop g-2", "renew_place g-2", "start g-2",
                                                  "stop g-1", "renew_place g-1", "start g-1",
                                                  "stop g-0", "renew_place g-0", "start g-0"}));
  EXPECT_TRUE(condition_is_true(object(), "Ready"));
  for (int i = 0; i < 3; ++i) EXPECT_FALSE(agent_.place_outdated(node(i))) << i;
  const std::vector<std::string> events = event_messages(store_, kKey, "RollingRestart");
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[0], "restarting g-2 to apply a changed pod template");
}

// The store of the fixture, except that Secrets cannot be read (an API server refusing them).
class UnreadableSecrets final : public Store {
 public:
  explicit UnreadableSecrets(MemoryStore& inner) : inner_(inner) {}
  Result<json> get(const ObjectKey& key) const override {
    if (key.kind == "Secret") return fail(ErrorCode::kUnavailable, "the API server answered 503");
    return inner_.get(key);
  }
  bool exists(const ObjectKey& key) const override { return get(key).has_value(); }
  std::vector<json> list(const std::string& kind, const std::string& namespace_) const override {
    return inner_.list(kind, namespace_);
  }
  Result<ApplyResult> apply(const json& manifest) override { return inner_.apply(manifest); }
  Result<json> update_status(const ObjectKey& key,
                             const std::function<void(json& status)>& mutate) override {
    return inner_.update_status(key, mutate);
  }
  Result<json> update(const ObjectKey& key,
                      const std::function<void(json& object)>& mutate) override {
    return inner_.update(key, mutate);
  }
  Result<bool> remove(const ObjectKey& key) override { return inner_.remove(key); }
  void record_event(const json& involved_object, const std::string& type, const std::string& reason,
                    const std::string& message) override {
    inner_.record_event(involved_object, type, reason, message);
  }
  std::vector<json> events(const std::string& namespace_, const std::string& kind,
                           const std::string& name) const override {
    return inner_.events(namespace_, kind, name);
  }
  Result<std::unique_ptr<StoreWatch>> watch() override { return inner_.watch(); }

 private:
  MemoryStore& inner_;
};

// A pass that cannot look says why: a Secret that is not there is the reference's fault
// (InvalidConfiguration), one that cannot be read is not (ReconcileFailed, not
// NodesUnavailable either); nothing is started meanwhile.
TEST_F(MariaDBReconcilerTest, APassThatCannotLookBlamesTheFieldOnlyWhenItIsAtFault) {
  UnreadableSecrets unreadable(store_);
  MariaDBReconciler cannot_read(unreadable, agent_, kKey);
  cannot_read.reconcile();
  json ready = condition(status(), "Ready");
  EXPECT_EQ(ready.value("reason", ""), "ReconcileFailed") << ready.dump();
  EXPECT_NE(ready.value("message", "").find("spec.rootPasswordSecretKeyRef"), std::string::npos)
      << ready.dump();
  EXPECT_NE(ready.value("message", "").find("503"), std::string::npos) << ready.dump();

  ASSERT_TRUE(store_.remove({"Secret", "default", "g-root"}));
  MariaDBReconciler missing(store_, agent_, kKey);
  missing.reconcile();
  ready = condition(status(), "Ready");
  EXPECT_EQ(ready.value("reason", ""), "InvalidConfiguration") << ready.dump();
  EXPECT_NE(ready.value("message", "").find("does not exist"), std::string::npos) << ready.dump();
  EXPECT_TRUE(stops_and_starts(agent_.calls()).empty());
}

// Validation refuses it, but an object may reach the API server unchecked (its webhook away):
// a MariaDB of no replicas is reported, and nothing is done for it.
TEST_F(MariaDBReconcilerTest, AnUncheckedObjectOfNoReplicasIsReportedAndNothingIsDone) {
  json unchecked = valid(mariadb_yaml(1));
  unchecked["spec"]["replicas"] = 0;
  ASSERT_TRUE(store_.apply(unchecked));
  MariaDBReconciler reconciler(store_, agent_, kKey);
  for (int i = 0; i < 3; ++i) reconciler.reconcile();
  const json ready = condition(status(), "Ready");
  EXPECT_EQ(ready.value("reason", ""), "InvalidConfiguration") << status().dump(2);
  EXPECT_NE(ready.value("message", "").find("spec.replicas"), std::string::npos) << ready.dump();
  for (const std::string& call : agent_.calls()) {
    EXPECT_EQ(call.rfind("start ", 0), std::string::npos) << call;
  }
}

// A cluster of one has no group to rejoin: its renewed place starts as the cluster it was, as
// its configuration roll restarts it, not through the full-crash recovery.
TEST_F(MariaDBReconcilerTest, TheRenewedPlaceOfAClusterOfOneStartsAsTheSameClusterNotARecovery) {
  apply_yaml(store_, mariadb_yaml(1));
  MariaDBReconciler reconciler(store_, agent_, kKey);
  ASSERT_TRUE(reconcile_until_ready(reconciler)) << status().dump(2);
  agent_.commit("default", "g", 4);
  const int64_t committed = agent_.committed(node(0));
  agent_.clear_calls();
  agent_.outdate_place(node(0));
  for (int i = 0; i < 4; ++i) reconciler.reconcile();
  const std::vector<std::string> calls = agent_.calls();
  std::vector<std::string> effects;
  for (const std::string& call : calls) {
    for (const char* prefix : {"stop ", "start ", "renew_place ", "recover_position "}) {
      if (call.rfind(prefix, 0) == 0) effects.push_back(call);
    }
  }
  ASSERT_EQ(effects.size(), 3u) << ::testing::PrintToString(calls);
  EXPECT_EQ(effects[0].substr(0, 8), "stop g-0");
  EXPECT_EQ(effects[1], "renew_place g-0");
  EXPECT_EQ(effects[2].rfind("start g-0 new-cluster", 0), 0u) << effects[2];
  EXPECT_TRUE(condition_is_true(object(), "Ready"));
  EXPECT_EQ(agent_.committed(node(0)), committed);
  EXPECT_TRUE(event_messages(store_, kKey, "ClusterRecovery").empty());
}

// A place that waits (a claim being resized) keeps Ready False with its progress, every node
// Synced; one refused is a warning once per size, and the cluster is Ready on what it has.
TEST_F(MariaDBReconcilerTest, APlaceWaitingKeepsReadyFalseAndARefusedOneIsWarnedOnce) {
  MariaDBReconciler reconciler(store_, agent_, kKey);
  make_ready(reconciler);
  agent_.set_place_shortfall(node(1), {"storage-g-1 resizing from 1Gi to 2Gi", ""});
  reconciler.reconcile();
  json ready = condition(status(), "Ready");
  EXPECT_EQ(ready.value("status", ""), "False") << ready.dump();
  EXPECT_EQ(ready.value("reason", ""), "StorageResizing") << ready.dump();
  EXPECT_NE(ready.value("message", "").find("storage-g-1 resizing from 1Gi to 2Gi"),
            std::string::npos)
      << ready.dump();

  agent_.set_place_shortfall(
      node(1), {"", "storage-g-1 keeps 1Gi: its StorageClass ssd does not allow expansion"});
  for (int i = 0; i < 3; ++i) reconciler.reconcile();
  EXPECT_TRUE(condition_is_true(object(), "Ready")) << status().dump(2);
  const std::vector<std::string> warned = event_messages(store_, kKey, "StorageNotResized");
  ASSERT_EQ(warned.size(), 1u);
  EXPECT_EQ(warned[0], "storage-g-1 keeps 1Gi: its StorageClass ssd does not allow expansion");
}

TEST_F(MariaDBReconcilerTest, FullCrashBootstrapsTheHighestPositionOnceAndTheOthersJoin) {
  MariaDBReconciler reconciler(store_, agent_, kKey);
  make_ready(reconciler);
  crash_all_at_different_positions();
  agent_.clear_calls();

  ASSERT_TRUE(reconcile_until_ready(reconciler)) << status().dump(2);
  const auto calls = agent_.calls();
  // Every position is recovered before anything is written or started.
  std::vector<std::string> recovered = agent_.calls_starting("recover_position");
  EXPECT_EQ(std::set<std::string>(recovered.begin(), recovered.end()),
            (std::set<std::string>{"recover_position g-0", "recover_position g-1",
                                   "recover_position g-2"}));
  EXPECT_EQ(recovered.size(), 3u);
  // One new cluster, from the highest position.
  std::vector<std::string> new_cluster;
  for (const std::string& call : agent_.calls_starting("start ")) {
    if (call.find("new-cluster") != std::string::npos) new_cluster.push_back(call);
  }
  EXPECT_EQ(new_cluster, (std::vector<std::string>{"start g-1 new-cluster network"}));
  const size_t bootstrap = position_of(calls, "start g-1 new-cluster network");
  EXPECT_LT(position_of(calls, "write_grastate g-1 seqno=10 safe_to_bootstrap=1"), bootstrap);
  for (const auto& [pod, seqno] : {std::pair{"g-0", 5}, std::pair{"g-2", 8}}) {
    const std::string written = "write_grastate " + std::string(pod) +
                                " seqno=" + std::to_string(seqno) + " safe_to_bootstrap=0";
    const std::string joined = "start " + std::string(pod) + " join network donor=g-1";
    ASSERT_LT(position_of(calls, joined), calls.size()) << pod << " never joined";
    EXPECT_LT(position_of(calls, written), position_of(calls, joined)) << pod;
    EXPECT_LT(bootstrap, position_of(calls, joined)) << pod;
    for (const std::string& r : recovered)
      EXPECT_LT(position_of(calls, r), position_of(calls, written));
  }
  EXPECT_EQ(agent_.committed(node(0)), 10);
  EXPECT_EQ(agent_.committed(node(2)), 10);

  // The decision and what it was made from, in status.
  const json recovery = status()["galeraRecovery"];
  EXPECT_EQ(recovery.value("state", ""), "Done");
  EXPECT_EQ(recovery["decision"].value("action", ""), "Bootstrap");
  EXPECT_EQ(recovery["bootstrap"].value("pod", ""), "g-1");
  EXPECT_EQ(recovery["bootstrap"].value("seqno", 0), 10);
  EXPECT_EQ(recovery["observed"]["g-0"].value("seqno", 0), 5);
  EXPECT_EQ(recovery["observed"]["g-2"].value("seqno", 0), 8);
  EXPECT_EQ(recovery["observed"]["g-0"].value("source", ""), "wsrep-recover");
  const auto reasons = event_reasons(store_, kKey);
  for (const char* reason : {"RecoveringPositions", "ClusterRecovery", "Bootstrapped"}) {
    EXPECT_TRUE(contains(reasons, reason)) << reason;
  }
  // Counted once it is Ready, with how long it took; every node was started again.
  EXPECT_EQ(total("fullRecoveries"), 1);
  EXPECT_GE(recovery.value("lastDurationSeconds", -1LL), 0);
  EXPECT_FALSE(recovery.contains("startedAt"));
  EXPECT_EQ(total("nodeRestarts"), 3);
}

// The operator dies right after the bootstrap decision is persisted, before its first effect
// (the grastate writes) or before the bootstrap start itself; a new operator finishes.
class KilledAfterBootstrapDecision : public MariaDBReconcilerTest,
                                     public ::testing::WithParamInterface<const char*> {};

TEST_P(KilledAfterBootstrapDecision, NewOperatorBootstrapsExactlyOnce) {
  {
    MariaDBReconciler first(store_, agent_, kKey);
    make_ready(first);
    crash_all_at_different_positions();
    agent_.clear_calls();
    agent_.kill_operator_before(GetParam());
    EXPECT_THROW(first.reconcile(), OperatorKilled);
  }
  const json decided = status()["galeraRecovery"];
  EXPECT_EQ(decided.value("state", ""), "Bootstrapping");
  EXPECT_EQ(decided["bootstrap"].value("pod", ""), "g-1");
  // Timed from status: the duration survives the operator.
  EXPECT_FALSE(decided.value("startedAt", "").empty());
  EXPECT_TRUE(agent_.calls_starting("start ").empty());

  MariaDBReconciler second(store_, agent_, kKey);
  ASSERT_TRUE(reconcile_until_ready(second)) << status().dump(2);
  std::vector<std::string> new_cluster;
  for (const std::string& call : agent_.calls_starting("start ")) {
    if (call.find("new-cluster") != std::string::npos) new_cluster.push_back(call);
  }
  EXPECT_EQ(new_cluster, (std::vector<std::string>{"start g-1 new-cluster network"}));
  EXPECT_EQ(status()["galeraRecovery"]["bootstrap"].value("pod", ""), "g-1");
  EXPECT_EQ(agent_.committed(node(0)), 10);
  EXPECT_EQ(total("fullRecoveries"), 1);
  EXPECT_TRUE(status()["galeraRecovery"].contains("lastDurationSeconds"));
}

INSTANTIATE_TEST_SUITE_P(KillPoints, KilledAfterBootstrapDecision,
                         ::testing::Values("write_grastate", "start g-1"));

// A server that dies before any pass has finished (a bootstrap failing early) is still an event
// of its MariaDB (the API server refuses an event that names no object).
TEST_F(MariaDBReconcilerTest, AnExitBeforeAnyPassFinishedIsAnEventOfTheMariaDB) {
  MariaDBReconciler reconciler(store_, agent_, kKey);
  reconciler.on_node_exit(NodeExit{node(1), "run-1", false});
  const auto died = event_messages(store_, kKey, "NodeDied");
  ASSERT_EQ(died.size(), 1u);
  EXPECT_TRUE(HasText(died[0], "g-1 exited"));
}

TEST_F(MariaDBReconcilerTest, CrashedNodeIsEvictedThroughTheSurvivorsAndRejoins) {
  MariaDBReconciler reconciler(store_, agent_, kKey);
  make_ready(reconciler);
  agent_.watch_exits([&](const NodeExit& exit) { reconciler.on_node_exit(exit); });
  const std::string dead = agent_.gcomm_uuid(node(1));
  ASSERT_FALSE(dead.empty());

  agent_.crash(node(1));
  const std::string evict = "SET GLOBAL wsrep_provider_options='evs.evict=" + dead + "'";
  EXPECT_EQ(agent_.calls_starting("sql g-0 "), (std::vector<std::string>{"sql g-0 " + evict}));
  EXPECT_EQ(agent_.calls_starting("sql g-2 "), (std::vector<std::string>{"sql g-2 " + evict}));
  EXPECT_TRUE(agent_.calls_starting("sql g-1 ").empty());
  const auto died = event_messages(store_, kKey, "NodeDied");
  ASSERT_EQ(died.size(), 1u);
  EXPECT_TRUE(HasText(died[0], "g-1 exited; evicted from the group by 2 survivor(s)"));
  EXPECT_EQ(total("nodeExits"), 1);
  EXPECT_EQ(total("evictions"), 1);  // one dead member, whichever survivors evicted it
  EXPECT_EQ(total("nodeRestarts"), 0);

  // The next pass clears the evict lists, restores the position and rejoins by IST.
  agent_.clear_calls();
  ASSERT_TRUE(reconcile_until_ready(reconciler)) << status().dump(2);
  const auto calls = agent_.calls();
  const size_t rejoined = position_starting(calls, "start g-1 join network");
  ASSERT_LT(rejoined, calls.size());
  EXPECT_LT(position_of(calls, "sql g-0 SET GLOBAL wsrep_provider_options='evs.evict='"), rejoined);
  EXPECT_LT(position_of(calls, "recover_position g-1"), rejoined);
  EXPECT_LT(position_of(calls, "write_grastate g-1 seqno=0 safe_to_bootstrap=0"), rejoined);
  EXPECT_EQ(total("nodeRestarts"), 1);
  EXPECT_EQ(total("fullRecoveries"), 0);

  // A requested stop is no death: nothing is evicted, no NodeDied.
  agent_.clear_calls();
  ASSERT_TRUE(agent_.stop(node(2), 1s));
  EXPECT_TRUE(agent_.calls_starting("sql ").empty());
  EXPECT_EQ(event_messages(store_, kKey, "NodeDied").size(), 1u);
  EXPECT_EQ(total("nodeExits"), 1);
  EXPECT_EQ(total("evictions"), 1);
  agent_.watch_exits({});
}

TEST_F(MariaDBReconcilerTest, ANodeThatMovedItsPortsIsNamedAtTheNewOnesInEveryNodesOptions) {
  MariaDBReconciler reconciler(store_, agent_, kKey);
  make_ready(reconciler);
  agent_.crash(node(1));
  agent_.move_ports_at_next_start(node(1));
  ASSERT_TRUE(reconcile_until_ready(reconciler)) << status().dump(2);
  auto moved = agent_.place(node(1), {});
  ASSERT_TRUE(moved);
  for (int index : {0, 1, 2}) {
    SCOPED_TRACE(index);
    auto config = agent_.last_config(node(index));
    ASSERT_TRUE(config);
    ASSERT_EQ(config->peer_addresses.size(), 3u);
    EXPECT_EQ(config->peer_addresses[1].galera_port, moved->galera_port);
    EXPECT_EQ(config->peer_addresses[1].sql_port, moved->sql_port);
  }
  EXPECT_EQ(event_messages(store_, kKey, "PortsChanged").size(), 1u);
}

TEST_F(MariaDBReconcilerTest, ANodesExitMakesReadyFalseBeforeAnyPass) {
  MariaDBReconciler reconciler(store_, agent_, kKey);
  make_ready(reconciler);
  agent_.watch_exits([&](const NodeExit& exit) { reconciler.on_node_exit(exit); });

  agent_.crash(node(1));
  // No pass has run since: the exit alone said it.
  EXPECT_FALSE(condition_is_true(object(), "Ready"));
  EXPECT_EQ(condition(status(), "Ready").value("reason", ""), "NodeDied");
  EXPECT_EQ(node_states()["g-1"], "Stopped");
  agent_.watch_exits({});

  ASSERT_TRUE(reconcile_until_ready(reconciler)) << status().dump(2);
  EXPECT_EQ(node_states()["g-1"], "Synced");
}

// Every node killed, and no exit reported (an operator that was down meanwhile): the first
// pass withdraws Ready before its first action; the bootstrap pass ends at the bootstrap; the
// joiners share the one donor, one after the other.
TEST_F(MariaDBReconcilerTest, FullCrashWithdrawsReadyFirstAndJoinsOneJoinerPerDonorAtATime) {
  {
    MariaDBReconciler first(store_, agent_, kKey);
    make_ready(first);
    crash_all_at_different_positions();
    agent_.clear_calls();
    agent_.kill_operator_before("recover_position");
    EXPECT_THROW(first.reconcile(), OperatorKilled);
  }
  EXPECT_FALSE(condition_is_true(object(), "Ready"));
  EXPECT_TRUE(agent_.calls_starting("start ").empty());

  MariaDBReconciler second(store_, agent_, kKey);
  std::vector<std::vector<std::string>> starts_per_pass;
  for (int i = 0; i < 10 && !condition_is_true(object(), "Ready"); ++i) {
    agent_.clear_calls();
    second.reconcile();
    const auto starts = agent_.calls_starting("start ");
    if (!starts.empty()) starts_per_pass.push_back(starts);
    // Never Ready while a replica is not Synced.
    if (condition_is_true(object(), "Ready")) {
      for (const auto& [pod, state] : node_states()) EXPECT_EQ(state, "Synced") << pod;
    }
  }
  ASSERT_TRUE(condition_is_true(object(), "Ready")) << status().dump(2);
  EXPECT_EQ(starts_per_pass,
            (std::vector<std::vector<std::string>>{{"start g-1 new-cluster network"},
                                                   {"start g-0 join network donor=g-1"},
                                                   {"start g-2 join network donor=g-1"}}));
  // The donor is Synced but still serving g-0: the recovery's wait (the last) says so.
  const std::vector<std::string> waits = event_messages(store_, kKey, "WaitingForDonor");
  ASSERT_FALSE(waits.empty());
  EXPECT_NE(waits.back().find("g-1 is Synced (the donor of a joiner still starting)"),
            std::string::npos)
      << waits.back();
  EXPECT_EQ(status()["galeraRecovery"].value("state", ""), "Done");
  EXPECT_FALSE(status()["galeraRecovery"].value("stateSince", "").empty());
  EXPECT_EQ(agent_.committed(node(2)), 10);
}

TEST_F(MariaDBReconcilerTest, ABusyDonorIsGivenNoJoinerUntilItIsFree) {
  MariaDBReconciler reconciler(store_, agent_, kKey);
  make_ready(reconciler);
  agent_.set_busy_donor(node(0), true);
  agent_.set_busy_donor(node(1), true);
  agent_.crash(node(2));
  agent_.clear_calls();
  for (int i = 0; i < 3; ++i) reconciler.reconcile();
  EXPECT_TRUE(agent_.calls_starting("start ").empty());
  EXPECT_FALSE(condition_is_true(object(), "Ready"));
  EXPECT_TRUE(HasText(condition(status(), "Ready").value("message", ""),
                      "g-2 waiting for a free donor (g-0 is Donor/Desynced, g-1 is "
                      "Donor/Desynced)"))
      << condition(status(), "Ready").dump();

  agent_.set_busy_donor(node(1), false);
  reconciler.reconcile();
  EXPECT_EQ(agent_.calls_starting("start "),
            (std::vector<std::string>{"start g-2 join network donor=g-1"}));
  agent_.set_busy_donor(node(0), false);
  ASSERT_TRUE(reconcile_until_ready(reconciler)) << status().dump(2);
}

// Restarted with another donor when there is one.
TEST_F(MariaDBReconcilerTest, AJoinerItsDonorSendsNothingIsRestartedWithinSeconds) {
  MariaDBReconciler reconciler(store_, agent_, kKey);
  make_ready(reconciler);
  agent_.stall_next_join(node(2));
  agent_.crash(node(2));
  agent_.clear_calls();
  reconciler.reconcile();
  EXPECT_EQ(agent_.calls_starting("start "),
            (std::vector<std::string>{"start g-2 join network donor=g-0"}));
  // Passes as the operator runs them while a joiner is under way; the test waits for the
  // outcome, bounded well below the SST script's 300 s.
  const auto deadline = std::chrono::steady_clock::now() + 30s;
  while (event_messages(store_, kKey, "JoinerStuck").empty() &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(200ms);
    reconciler.reconcile();
  }
  const auto stuck = event_messages(store_, kKey, "JoinerStuck");
  ASSERT_EQ(stuck.size(), 1u);
  EXPECT_TRUE(HasText(stuck[0], "g-2 waited 5 s for its donor g-0, which sent it nothing"));
  ASSERT_TRUE(reconcile_until_ready(reconciler)) << status().dump(2);
  EXPECT_EQ(stops_and_starts(agent_.calls()),
            (std::vector<std::string>{"start g-2 join network donor=g-0", "stop g-2",
                                      "start g-2 join network donor=g-1"}));
  // Its restart is not one of its failed start attempts.
  EXPECT_TRUE(event_messages(store_, kKey, "NodeStartFailed").empty());
}

// Scaled in while a member is down: only the nodes being scaled away are Synced, and one of
// them serves the member's join before it goes.
TEST_F(MariaDBReconcilerTest, AMemberDownDuringAScaleInJoinsFromANodeBeingScaledAway) {
  MariaDBReconciler reconciler(store_, agent_, kKey);
  make_ready(reconciler);
  agent_.crash(node(0));
  apply_yaml(store_, mariadb_yaml(1));
  agent_.clear_calls();
  ASSERT_TRUE(reconcile_until_ready(reconciler, 12)) << status().dump(2);
  const auto starts = agent_.calls_starting("start g-0");
  ASSERT_EQ(starts.size(), 1u);
  EXPECT_TRUE(starts[0] == "start g-0 join network donor=g-1" ||
              starts[0] == "start g-0 join network donor=g-2")
      << starts[0];
  EXPECT_EQ(agent_.placed_indices("default", "g"), (std::vector<int>{0}));
}

// --- Node metrics: the exporters and their account.

constexpr const char* kExporterPassword = "Exporter-Pass-7";

std::string exporter_secret_yaml(const std::string& password) {
  return "apiVersion: v1\nkind: Secret\nmetadata: {name: g-metrics-password, namespace: default}\n"
         "stringData: {password: \"" +
         password + "\"}\n";
}

std::string with_metrics(bool enabled) {
  return mariadb_yaml(3) + "  metrics: {enabled: " + (enabled ? "true" : "false") + "}\n";
}

// The statements that made or changed the exporters' account, in order.
std::vector<std::string> account_statements(const FakeNodeAgent& agent) {
  std::vector<std::string> found;
  for (const std::string& call : agent.calls()) {
    if (call.find("CREATE USER IF NOT EXISTS 'g-metrics'") != std::string::npos) {
      found.push_back(call);
    }
  }
  return found;
}

class MetricsReconcilerTest : public MariaDBReconcilerTest {
 protected:
  void SetUp() override {
    MariaDBReconcilerTest::SetUp();
    apply_yaml(store_, exporter_secret_yaml(kExporterPassword));
    apply_yaml(store_, with_metrics(true));
  }

  // Everything the store says about the MariaDB: its object and its events.
  std::string everything_stored() const {
    std::string text = object().dump();
    for (const json& e : store_.events("default", "MariaDB", "g")) text += e.dump();
    return text;
  }
};

TEST_F(MetricsReconcilerTest, TheAccountIsMadeOnceAndEveryMemberRunsAnExporter) {
  MariaDBReconciler reconciler(store_, agent_, kKey);
  ASSERT_TRUE(reconcile_until_ready(reconciler)) << status().dump(2);
  for (int i = 0; i < 3; ++i) reconciler.reconcile();

  // One batch on one Synced member; Galera replicates it to the others.
  const auto statements = account_statements(agent_);
  ASSERT_EQ(statements.size(), 1u) << ::testing::PrintToString(statements);
  const std::string& sql = statements[0];
  EXPECT_TRUE(HasText(sql,
                      "CREATE USER IF NOT EXISTS 'g-metrics'@'localhost' IDENTIFIED BY "
                      "'Exporter-Pass-7' WITH MAX_USER_CONNECTIONS 3;"));
  EXPECT_TRUE(HasText(sql,
                      "ALTER USER 'g-metrics'@'localhost' IDENTIFIED BY 'Exporter-Pass-7' "
                      "WITH MAX_USER_CONNECTIONS 3;"));
  EXPECT_TRUE(HasText(sql,
                      "REVOKE ALL PRIVILEGES, GRANT OPTION FROM 'g-metrics'@'localhost';"
                      "GRANT PROCESS, SLAVE MONITOR ON *.* TO 'g-metrics'@'localhost';"));
  EXPECT_FALSE(HasText(sql, "SELECT"));
  for (int i = 0; i < 3; ++i) EXPECT_EQ(agent_.exporter_user(node(i)), "g-metrics") << i;
  EXPECT_EQ(agent_.calls_starting("run_exporter").size(), 3u);
  // No exporter before its account exists.
  const auto calls = agent_.calls();
  EXPECT_LT(position_starting(calls, "sql g-0 CREATE USER IF NOT EXISTS 'g-metrics'"),
            position_starting(calls, "run_exporter"));

  const json s = status();
  EXPECT_EQ(s["metrics"]["user"], "g-metrics");
  EXPECT_EQ(s["metrics"]["userHash"].get<std::string>().size(), 16u);
  for (const json& n : s["nodes"]) {
    EXPECT_EQ(n["ports"]["metrics"], n["ports"]["sql"].get<int>() + 4) << n.dump();
    EXPECT_EQ(n["exporterRunning"], true) << n.dump();
  }
  for (const std::string& reason : event_reasons(store_, kKey)) {
    EXPECT_NE(reason, "MetricsUserFailed");
    EXPECT_NE(reason, "ExporterFailed");
  }
}

TEST_F(MetricsReconcilerTest, TheDefaultPasswordIsGeneratedIntoItsSecret) {
  ASSERT_TRUE(store_.remove({"Secret", "default", "g-metrics-password"}));
  MariaDBReconciler reconciler(store_, agent_, kKey);
  ASSERT_TRUE(reconcile_until_ready(reconciler)) << status().dump(2);
  reconciler.reconcile();
  auto secret = store_.get({"Secret", "default", "g-metrics-password"});
  ASSERT_TRUE(secret);
  EXPECT_TRUE((*secret)["data"].contains("password"));
  EXPECT_EQ(account_statements(agent_).size(), 1u);
  EXPECT_EQ(agent_.exporter_user(node(2)), "g-metrics");
}

TEST_F(MetricsReconcilerTest, AKilledExporterIsRunAgainByTheNextPass) {
  MariaDBReconciler reconciler(store_, agent_, kKey);
  make_ready(reconciler);
  reconciler.reconcile();
  agent_.clear_calls();

  agent_.kill_exporter(node(1));
  reconciler.reconcile();
  EXPECT_EQ(agent_.calls(),
            (std::vector<std::string>{"kill_exporter g-1", "run_exporter g-1 user=g-metrics"}));
  EXPECT_EQ(agent_.exporter_user(node(1)), "g-metrics");
}

TEST_F(MetricsReconcilerTest, ExportersKeepRunningWhileTheirServerIsDown) {
  MariaDBReconciler reconciler(store_, agent_, kKey);
  make_ready(reconciler);
  reconciler.reconcile();
  agent_.crash(node(2));
  reconciler.reconcile();
  EXPECT_EQ(agent_.exporter_user(node(2)), "g-metrics");
  EXPECT_TRUE(agent_.calls_starting("stop_exporter").empty());
}

TEST_F(MetricsReconcilerTest, ANewPasswordChangesTheAccountThenRestartsTheExporters) {
  MariaDBReconciler reconciler(store_, agent_, kKey);
  make_ready(reconciler);
  reconciler.reconcile();
  const std::string hash = status()["metrics"]["userHash"];
  agent_.clear_calls();

  apply_yaml(store_, exporter_secret_yaml("Exporter-Pass-8"));
  reconciler.reconcile();
  reconciler.reconcile();
  const auto statements = account_statements(agent_);
  ASSERT_EQ(statements.size(), 1u);
  EXPECT_TRUE(HasText(statements[0],
                      "ALTER USER 'g-metrics'@'localhost' IDENTIFIED BY "
                      "'Exporter-Pass-8'"));
  EXPECT_EQ(agent_.calls_starting("run_exporter"),
            (std::vector<std::string>{"run_exporter g-0 user=g-metrics restart",
                                      "run_exporter g-1 user=g-metrics restart",
                                      "run_exporter g-2 user=g-metrics restart"}));
  const auto calls = agent_.calls();
  EXPECT_LT(position_of(calls, statements[0]), position_starting(calls, "run_exporter"));
  EXPECT_NE(status()["metrics"]["userHash"], hash);
}

TEST_F(MetricsReconcilerTest, DisablingStopsEveryExporterAndDropsTheAccount) {
  MariaDBReconciler reconciler(store_, agent_, kKey);
  make_ready(reconciler);
  reconciler.reconcile();
  agent_.clear_calls();

  apply_yaml(store_, with_metrics(false));
  reconciler.reconcile();
  reconciler.reconcile();
  EXPECT_EQ(
      agent_.calls_starting("stop_exporter"),
      (std::vector<std::string>{"stop_exporter g-0", "stop_exporter g-1", "stop_exporter g-2"}));
  std::vector<std::string> drops;
  for (const std::string& call : agent_.calls()) {
    if (call.find("DROP USER IF EXISTS 'g-metrics'@'localhost'") != std::string::npos) {
      drops.push_back(call);
    }
  }
  EXPECT_EQ(drops.size(), 1u);
  EXPECT_TRUE(agent_.calls_starting("run_exporter").empty());
  const json s = status();
  EXPECT_FALSE(s.contains("metrics"));
  for (const json& n : s["nodes"]) {
    EXPECT_FALSE(n["ports"].contains("metrics")) << n.dump();
    EXPECT_FALSE(n.contains("exporterRunning")) << n.dump();
  }
  // The MariaDB's servers were left alone.
  EXPECT_TRUE(stops_and_starts(agent_.calls()).empty());
}

TEST_F(MetricsReconcilerTest, DeletingTheMariaDBStopsItsExporters) {
  MariaDBReconciler reconciler(store_, agent_, kKey);
  make_ready(reconciler);
  reconciler.reconcile();
  ASSERT_TRUE(store_.update(
      kKey, [](json& o) { o["metadata"]["deletionTimestamp"] = "2026-12-01T00:00:00Z"; }));
  reconciler.reconcile();
  for (int i = 0; i < 3; ++i) {
    EXPECT_TRUE(contains(agent_.calls(), "stop_exporter " + node(i).pod())) << i;
  }
  EXPECT_TRUE(agent_.placed_indices("default", "g").empty());
}

// On Kubernetes an object stays while any finalizer holds it: once mdbop's is gone (its clean-up
// done), what remains is another controller's to finish, and mdbop touches nothing.
TEST_F(MetricsReconcilerTest, ADeletedObjectWithoutMdbopsFinalizerIsLeftToItsOtherHolders) {
  MariaDBReconciler reconciler(store_, agent_, kKey);
  make_ready(reconciler);
  reconciler.reconcile();
  ASSERT_TRUE(has_cleanup_finalizer(*store_.get(kKey)));
  ASSERT_TRUE(store_.update(kKey, [](json& o) {
    o["metadata"]["deletionTimestamp"] = "2026-12-01T00:00:00Z";
    o["metadata"]["finalizers"] = json::array({"example.com/backup-first"});
  }));
  agent_.clear_calls();
  MariaDBReconciler after(store_, agent_, kKey);
  after.reconcile();
  EXPECT_TRUE(after.finished());
  EXPECT_TRUE(store_.exists(kKey));
  EXPECT_TRUE(stops_and_starts(agent_.calls()).empty());
  EXPECT_EQ(agent_.placed_indices("default", "g").size(), 3u);
}

TEST_F(MetricsReconcilerTest, ThePasswordReachesNeitherStatusNorEvents) {
  MariaDBReconciler reconciler(store_, agent_, kKey);
  make_ready(reconciler);
  reconciler.reconcile();
  apply_yaml(store_, exporter_secret_yaml("Exporter-Pass-8"));
  reconciler.reconcile();
  apply_yaml(store_, with_metrics(false));
  reconciler.reconcile();
  const std::string stored = everything_stored();
  EXPECT_FALSE(HasText(stored, kExporterPassword));
  EXPECT_FALSE(HasText(stored, "Exporter-Pass-8"));
}

TEST_F(MetricsReconcilerTest, AFailedAccountStatementIsReportedWithoutThePassword) {
  MariaDBReconciler reconciler(store_, agent_, kKey);
  ASSERT_TRUE(reconcile_until_ready(reconciler)) << status().dump(2);
  agent_.fail_sql_containing("CREATE USER IF NOT EXISTS 'g-metrics'");
  apply_yaml(store_, exporter_secret_yaml("Exporter-Pass-8"));
  reconciler.reconcile();
  const auto failures = event_messages(store_, kKey, "MetricsUserFailed");
  ASSERT_EQ(failures.size(), 1u);
  EXPECT_TRUE(HasText(failures[0], "making the exporters' account g-metrics"));
  EXPECT_FALSE(HasText(failures[0], "Exporter-Pass-8"));
  // The exporters keep the account they had until the new password is in place.
  EXPECT_TRUE(agent_.calls_starting("run_exporter g-0 user=g-metrics restart").empty());
}

}  // namespace
}  // namespace mdbop
