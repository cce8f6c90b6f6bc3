// A cluster's life on real mariadbd + galera-4 nodes: create, lose a node, lose every node
// under load, lose the operator mid-recovery, scale, roll a configuration change.
#include <gtest/gtest.h>
#include <signal.h>

#include <atomic>
#include <fstream>
#include <map>
#include <mutex>
#include <sstream>
#include <thread>

#include "controller/conditions.h"
#include "harness.h"
#include "util/files.h"
#include "util/subprocess.h"
#include "writer.h"

namespace mdbop::testing {
namespace {

using namespace std::chrono_literals;

constexpr const char* kPassword = "Integration-Secret-42";

std::vector<int> sql_ports(Installation& mdbop, const std::string& name) {
  std::vector<int> ports;
  for (const json& pod : mdbop.pods(name)) ports.push_back(pod["status"]["ports"]["sql"]);
  return ports;
}

std::vector<pid_t> node_pids(Installation& mdbop, const std::string& name) {
  std::vector<pid_t> pids;
  for (const json& pod : mdbop.pods(name)) {
    pids.push_back(pod["status"]["pid"].is_number() ? pod["status"]["pid"].get<pid_t>() : 0);
  }
  return pids;
}

long long count_rows(SqlConnection& connection, const std::string& table) {
  auto rows = connection.query("SELECT COUNT(*) FROM " + table);
  EXPECT_TRUE(rows) << rows.error().what();
  return rows ? std::stoll(*rows->rows.at(0).at(0)) : -1;
}

std::string status_variable(SqlConnection& connection, const std::string& name) {
  auto values = connection.status(name);
  return values && values->contains(name) ? values->at(name) : "";
}

// Every acknowledged id must be in test.writes on every node.
void expect_all_acknowledged(Installation& mdbop, const std::string& name, int replicas,
                             const std::set<long long>& acknowledged) {
  for (int i = 0; i < replicas; ++i) {
    SqlConnection connection = mdbop.connect(name, i, kPassword);
    auto rows = connection.query("SELECT id FROM test.writes");
    ASSERT_TRUE(rows) << rows.error().what();
    std::set<long long> present;
    for (const auto& row : rows->rows) present.insert(std::stoll(*row[0]));
    long long missing = 0;
    for (long long id : acknowledged) missing += present.contains(id) ? 0 : 1;
    EXPECT_EQ(missing, 0) << name << "-" << i << " lacks " << missing << " of "
                          << acknowledged.size() << " acknowledged rows";
  }
}

// A write on node `writer` gets one GTID in the cluster's domain (0), and every node's binary
// log ends with that same GTID: what lets archiving go on from any node.
void expect_the_same_gtid_on_every_node(Installation& mdbop, const std::string& name, int replicas,
                                        int writer) {
  SqlConnection connection = mdbop.connect(name, writer, kPassword);
  ASSERT_TRUE(connection.execute(
      "CREATE DATABASE IF NOT EXISTS gtid_check; "
      "CREATE TABLE IF NOT EXISTS gtid_check.t (id INT AUTO_INCREMENT PRIMARY KEY); "
      "INSERT INTO gtid_check.t VALUES ()"));
  auto last = connection.query("SELECT @@last_gtid");
  ASSERT_TRUE(last) << last.error().what();
  const std::string gtid = last->rows.at(0).at(0).value_or("");
  ASSERT_EQ(gtid.rfind("0-", 0), 0u) << "not in the cluster's domain: " << gtid;
  for (int i = 0; i < replicas; ++i) {
    SqlConnection node = mdbop.connect(name, i, kPassword);
    std::string cluster_domain;
    EXPECT_TRUE(eventually(
        [&] {
          auto position = node.query("SELECT @@gtid_binlog_pos");
          if (!position) return false;
          std::istringstream parts(position->rows.at(0).at(0).value_or(""));
          for (std::string part; std::getline(parts, part, ',');) {
            if (part.rfind("0-", 0) == 0) cluster_domain = part;
          }
          return cluster_domain == gtid;
        },
        10s))
        << name << "-" << i << " ends its binary log at " << cluster_domain << ", not " << gtid;
  }
}

int count_in_logs(Installation& mdbop, const std::string& needle) {
  return count_in_error_logs(mdbop.home() / "nodes", needle);
}

// An event of `mariadb` with that reason whose message contains `text`.
bool has_event(Installation& mdbop, const std::string& mariadb, const std::string& reason,
               const std::string& text) {
  for (const json& e : mdbop.events(mariadb)) {
    if (e["reason"] == reason && e["message"].get<std::string>().find(text) != std::string::npos) {
      return true;
    }
  }
  return false;
}

void kill_all(const std::vector<pid_t>& pids) {
  for (pid_t pid : pids) {
    if (pid > 0) kill(pid, SIGKILL);
  }
}

// The operator and a Ready 3-node cluster "g", the starting point of most tests here.
TEST(GaleraCluster, CreatesThreeNodesAndKeepsSecretsOutOfSight) {
  Installation mdbop;
  mdbop.start_with_cluster("g", kPassword);

  json pods = mdbop.pods("g");
  ASSERT_EQ(pods.size(), 3u);
  for (const json& pod : pods) {
    EXPECT_EQ(pod["status"]["galera"]["state"], "Synced");
    EXPECT_EQ(pod["status"]["galera"]["clusterSize"], 3);
    EXPECT_TRUE(std::filesystem::exists(pod["status"]["dataDir"].get<std::string>() + "/ibdata1"));
  }
  // Written on one node, read on another, over TCP with the Secret's password.
  SqlConnection first = mdbop.connect("g", 0, kPassword);
  ASSERT_TRUE(
      first.execute("CREATE DATABASE app; CREATE TABLE app.t (id INT PRIMARY KEY); "
                    "INSERT INTO app.t VALUES (1),(2),(3)"));
  SqlConnection third = mdbop.connect("g", 2, kPassword);
  EXPECT_EQ(count_rows(third, "app.t"), 3);
  EXPECT_EQ(status_variable(third, "wsrep_cluster_size"), "3");
  // mdbop sql needs no password.
  std::string out = mdbop.must({"sql", "mariadb/g", "-e", "SELECT COUNT(*) AS n FROM app.t"});
  EXPECT_EQ(out, "n\n3\n");
  out = mdbop.must({"sql", "mariadb/g", "--pod", "g-1", "-e", "SELECT @@wsrep_node_name"});
  EXPECT_NE(out.find("g-1"), std::string::npos);

  json mariadb = mdbop.mariadb("g");
  EXPECT_EQ(mariadb["status"]["currentPrimary"], "g-0");
  EXPECT_EQ(mariadb["status"]["observedGeneration"], mariadb["metadata"]["generation"]);
  std::string describe = mdbop.must({"describe", "mariadb", "g"});
  EXPECT_NE(describe.find("Synced"), std::string::npos);
  EXPECT_NE(describe.find("GaleraReady"), std::string::npos);

  // The password is nowhere a user or another process could read it by accident.
  std::string everything = mdbop.must({"get", "mariadb", "g", "-o", "yaml"}) + describe +
                           mdbop.must({"events"}) + *read_file(mdbop.home() / "operator.log") +
                           *read_file(mdbop.home() / "store" / "events.jsonl");
  for (pid_t pid : mdbop.node_processes()) everything += process_cmdline(pid);
  for (pid_t pid : mdbop.agent_processes()) everything += process_cmdline(pid);
  if (Installation::nodes_under_agents()) {
    for (int i = 0; i < 3; ++i) {
      everything +=
          *read_file(mdbop.home() / "nodes" / "default" / ("g-" + std::to_string(i)) / "agent.log");
    }
  }
  EXPECT_EQ(everything.find(kPassword), std::string::npos);

  // The operator stops; the nodes (and their agents) stay; a new operator adopts them without
  // restarting them.
  std::vector<pid_t> before = node_pids(mdbop, "g");
  mdbop.stop_operator();
  EXPECT_EQ(mdbop.node_processes().size(), 3u);
  EXPECT_EQ(mdbop.agent_processes().size(), Installation::nodes_under_agents() ? 3u : 0u);
  mdbop.start_operator();
  mdbop.wait_ready("g");
  EXPECT_EQ(node_pids(mdbop, "g"), before);

  // Deleting stops every node (and agent) but keeps the data unless --purge is given.
  mdbop.must({"delete", "mariadb", "g"});
  EXPECT_TRUE(mdbop.node_processes().empty());
  EXPECT_TRUE(mdbop.agent_processes().empty());
  EXPECT_TRUE(std::filesystem::exists(pods[0]["status"]["dataDir"].get<std::string>() + "/app"));
}

TEST(GaleraCluster, KilledNodeIsEvictedRestartedAndCatchesUpByIst) {
  Installation mdbop;
  mdbop.start_with_cluster("g", kPassword);
  std::vector<pid_t> pids = node_pids(mdbop, "g");
  Writer writer({sql_ports(mdbop, "g")[0]}, kPassword);
  ASSERT_TRUE(eventually([&] { return writer.acknowledged().size() > 50; }, 30s));

  kill(pids[1], SIGKILL);
  ASSERT_TRUE(eventually([&] { return has_event(mdbop, "g", "NodeDied", "evicted"); }, 10s))
      << mdbop.must({"events"});
  ASSERT_TRUE(eventually([&] { return node_pids(mdbop, "g")[1] != pids[1]; }, 30s));
  mdbop.wait_ready("g");
  std::this_thread::sleep_for(500ms);
  writer.stop();
  EXPECT_GE(count_in_logs(mdbop, "IST received"), 1);
  // Its position was restored before the restart: no full copy of the data was needed.
  EXPECT_EQ(count_in_logs(mdbop, "mariabackup SST completed on joiner"), 0);
  EXPECT_EQ(node_pids(mdbop, "g")[0], pids[0]);
  EXPECT_EQ(node_pids(mdbop, "g")[2], pids[2]);
  expect_all_acknowledged(mdbop, "g", 3, writer.acknowledged());
  // The node that caught up by IST logged what it received under the same GTIDs.
  expect_the_same_gtid_on_every_node(mdbop, "g", 3, 1);

  // The primary dies: writes move to another Synced node, and back once it is Synced again.
  ASSERT_EQ(mdbop.mariadb("g")["status"]["currentPrimary"], "g-0");
  kill(pids[0], SIGKILL);
  ASSERT_TRUE(eventually(
      [&] {
        std::string primary = mdbop.mariadb("g")["status"].value("currentPrimary", "");
        return primary == "g-1" || primary == "g-2";
      },
      10s));
  mdbop.wait_ready("g");
  ASSERT_TRUE(eventually(
      [&] { return mdbop.mariadb("g")["status"].value("currentPrimary", "") == "g-0"; }, 30s));
}

// A node cut off from the group (gmcast.isolate, as an IST failure leaves a node: running,
// answering, Disconnected for good) is restarted by the operator and catches up.
TEST(GaleraCluster, NodeStrandedOutsideThePrimaryComponentIsRestarted) {
  Installation mdbop;
  mdbop.start_with_cluster("g", kPassword);
  std::vector<pid_t> pids = node_pids(mdbop, "g");
  Writer writer({sql_ports(mdbop, "g")[0]}, kPassword);
  ASSERT_TRUE(eventually([&] { return writer.acknowledged().size() > 50; }, 30s));

  SqlConnection stranded = mdbop.connect("g", 1, kPassword);
  auto isolated = stranded.execute("SET GLOBAL wsrep_provider_options='gmcast.isolate=1'");
  ASSERT_TRUE(isolated) << isolated.error().what();
  ASSERT_TRUE(eventually(
      [&] { return status_variable(stranded, "wsrep_cluster_status") != "Primary"; }, 30s));
  ASSERT_TRUE(eventually([&] { return has_event(mdbop, "g", "NodeRestarted", "g-1 stayed"); }, 60s))
      << mdbop.must({"events"});
  ASSERT_TRUE(eventually([&] { return node_pids(mdbop, "g")[1] != pids[1]; }, 60s));
  mdbop.wait_ready("g");
  std::this_thread::sleep_for(500ms);
  writer.stop();
  EXPECT_EQ(node_pids(mdbop, "g")[0], pids[0]);
  EXPECT_EQ(node_pids(mdbop, "g")[2], pids[2]);
  SqlConnection rejoined = mdbop.connect("g", 1, kPassword);
  EXPECT_EQ(status_variable(rejoined, "wsrep_cluster_size"), "3");
  expect_all_acknowledged(mdbop, "g", 3, writer.acknowledged());
}

// One look at the MariaDB's status, as a script polling it sees it.
struct StatusSample {
  bool ready = false;
  std::map<std::string, std::string> states;  // by pod
  std::map<std::string, pid_t> pids;          // by pod (0: none)
};

StatusSample sample_status(Installation& mdbop, const std::string& name) {
  StatusSample sample;
  json status = mdbop.mariadb(name).value("status", json::object());
  sample.ready = condition_is_true({{"status", status}}, "Ready");
  for (const json& node : status.value("nodes", json::array())) {
    const std::string pod = node.value("pod", "");
    sample.states[pod] = node.value("state", "");
    sample.pids[pod] = node["pid"].is_number() ? node["pid"].get<pid_t>() : 0;
  }
  return sample;
}

// Polls the status continuously, on its own thread, until stopped.
class StatusPoller {
 public:
  StatusPoller(Installation& mdbop, std::string name) : mdbop_(mdbop), name_(std::move(name)) {
    thread_ = std::thread([this] {
      while (!stopping_) {
        StatusSample sample = sample_status(mdbop_, name_);
        std::lock_guard lock(mutex_);
        samples_.push_back(std::move(sample));
      }
    });
  }
  ~StatusPoller() { stop(); }
  // Whether a sample taken after one that was not Ready says Ready.
  bool saw_ready_again() {
    std::lock_guard lock(mutex_);
    bool not_ready_seen = false;
    for (const StatusSample& sample : samples_) {
      if (!sample.ready) not_ready_seen = true;
      if (sample.ready && not_ready_seen) return true;
    }
    return false;
  }
  std::vector<StatusSample> stop() {
    stopping_ = true;
    if (thread_.joinable()) thread_.join();
    std::lock_guard lock(mutex_);
    return samples_;
  }

 private:
  Installation& mdbop_;
  std::string name_;
  std::atomic<bool> stopping_{false};
  std::mutex mutex_;
  std::vector<StatusSample> samples_;
  std::thread thread_;
};

TEST(GaleraCluster, FullCrashUnderLoadLosesNoAcknowledgedRowAndStatusNeverClaimsReady) {
  Installation mdbop;
  mdbop.start_with_cluster("g", kPassword);
  std::string uuid =
      status_variable(*std::make_unique<SqlConnection>(mdbop.connect("g", 0, kPassword)),
                      "wsrep_cluster_state_uuid");
  Writer writer(sql_ports(mdbop, "g"), kPassword);
  ASSERT_TRUE(eventually([&] { return writer.acknowledged().size() > 200; }, 30s));

  const std::vector<pid_t> killed = node_pids(mdbop, "g");
  kill_all(killed);
  // From the kill on, the status as a script polling it would see it, until Ready again.
  StatusPoller poller(mdbop, "g");
  std::this_thread::sleep_for(300ms);
  writer.stop();
  std::set<long long> acknowledged = writer.acknowledged();
  mdbop.wait_ready("g");
  // The poller's own view must reach Ready too (a sample in flight when wait_ready returned
  // may have been read before); any sample after that one must stay Ready.
  ASSERT_TRUE(eventually([&] { return poller.saw_ready_again(); }, 30s));
  const std::vector<StatusSample> samples = poller.stop();

  ASSERT_FALSE(samples.empty());
  const std::set<pid_t> dead(killed.begin(), killed.end());
  size_t first_not_ready = samples.size();
  size_t first_new_process = samples.size();  // the recovery's first start
  for (size_t i = 0; i < samples.size(); ++i) {
    const StatusSample& sample = samples[i];
    bool all_new_and_synced = sample.states.size() == 3;
    for (const auto& [pod, pid] : sample.pids) {
      const bool restarted = pid != 0 && !dead.contains(pid);
      if (restarted && first_new_process == samples.size()) first_new_process = i;
      all_new_and_synced = all_new_and_synced && restarted && sample.states.at(pod) == "Synced";
    }
    if (!sample.ready && first_not_ready == samples.size()) first_not_ready = i;
    // Ready only when every replica is a Synced run started after the crash.
    if (sample.ready && first_not_ready < samples.size()) {
      EXPECT_TRUE(all_new_and_synced) << "sample " << i << " says Ready too early";
    }
  }
  ASSERT_LT(first_not_ready, samples.size()) << "Ready never turned False";
  EXPECT_LT(first_not_ready, first_new_process) << "Ready turned False only after a restart";
  // Before it turned False, nothing was restarted either (the status was just not read yet).
  for (size_t i = 0; i < first_not_ready; ++i) {
    for (const auto& [pod, pid] : samples[i].pids) EXPECT_TRUE(dead.contains(pid)) << pod;
  }
  bool ready_seen = false;
  for (size_t i = first_not_ready; i < samples.size(); ++i) {
    ready_seen = ready_seen || samples[i].ready;
    std::string states;
    for (const auto& [pod, state] : samples[i].states) states += " " + pod + "=" + state;
    EXPECT_TRUE(!ready_seen || samples[i].ready)
        << "sample " << i << " is Ready no more:" << states;
  }

  expect_all_acknowledged(mdbop, "g", 3, acknowledged);
  SqlConnection connection = mdbop.connect("g", 1, kPassword);
  // The same history continues: no new cluster UUID, so no full SSTs were needed.
  EXPECT_EQ(status_variable(connection, "wsrep_cluster_state_uuid"), uuid);
  EXPECT_EQ(count_in_logs(mdbop, "mariabackup SST completed on joiner"), 0);
  json recovery = mdbop.mariadb("g")["status"]["galeraRecovery"];
  EXPECT_EQ(recovery["state"], "Done");
  EXPECT_EQ(recovery["observed"].size(), 3u);
  expect_the_same_gtid_on_every_node(mdbop, "g", 3, 2);
}

// A joiner whose only possible donors are busy (Donor/Desynced) is not sent to wait for them
// (the SST script would wait 300 s for a donor that never comes): it waits, says so, and
// joins as soon as one is free.
TEST(GaleraCluster, JoinerWaitsForAFreeDonorAndJoinsWhenOneIs) {
  Installation mdbop;
  mdbop.start_with_cluster("g", kPassword);
  std::vector<pid_t> pids = node_pids(mdbop, "g");
  Writer writer({sql_ports(mdbop, "g")[0]}, kPassword);
  ASSERT_TRUE(eventually([&] { return writer.acknowledged().size() > 50; }, 30s));
  SqlConnection node0 = mdbop.connect("g", 0, kPassword);
  SqlConnection node1 = mdbop.connect("g", 1, kPassword);
  for (SqlConnection* busy : {&node0, &node1}) {
    auto desynced = busy->execute("SET GLOBAL wsrep_desync=ON");
    ASSERT_TRUE(desynced) << desynced.error().what();
  }

  kill(pids[2], SIGKILL);
  // The cluster's creation had its joiners wait for their donor too: this wait names both
  // donors busy.
  ASSERT_TRUE(eventually(
      [&] {
        return has_event(mdbop, "g", "WaitingForDonor",
                         "g-2 waiting for a free donor (g-0 is Donor/Desynced, g-1 is "
                         "Donor/Desynced)");
      },
      30s))
      << mdbop.must({"events"});
  json ready = mdbop.mariadb("g")["status"];
  EXPECT_FALSE(condition_is_true({{"status", ready}}, "Ready"));
  EXPECT_EQ(node_pids(mdbop, "g")[2], 0) << "g-2 was started without a free donor";

  auto freed = node1.execute("SET GLOBAL wsrep_desync=OFF");
  ASSERT_TRUE(freed) << freed.error().what();
  // Well before the SST script's 300 s.
  ASSERT_TRUE(eventually(
      [&] {
        for (const json& pod : mdbop.pods("g")) {
          if (pod["metadata"]["name"] == "g-2") return pod["status"].value("ready", false);
        }
        return false;
      },
      60s))
      << mdbop.must({"get", "pods", "-o", "wide"});
  auto freed0 = node0.execute("SET GLOBAL wsrep_desync=OFF");
  ASSERT_TRUE(freed0) << freed0.error().what();
  mdbop.wait_ready("g");
  std::this_thread::sleep_for(500ms);
  writer.stop();
  expect_all_acknowledged(mdbop, "g", 3, writer.acknowledged());
}

TEST(GaleraCluster, OperatorKilledMidRecoveryBootstrapsOnlyOnce) {
  Installation mdbop;
  mdbop.start_with_cluster("g", kPassword);
  {
    Writer writer(sql_ports(mdbop, "g"), kPassword);
    ASSERT_TRUE(eventually([&] { return writer.acknowledged().size() > 100; }, 30s));
    mdbop.kill_operator();
    kill_all(node_pids(mdbop, "g"));
    std::this_thread::sleep_for(300ms);
    writer.stop();
    int bootstraps_before = count_in_logs(mdbop, "Connecting with bootstrap option: 1");

    // Ready was True when the operator died: the new one does not claim it before looking.
    // It dies at its crash point: the bootstrap decided and persisted, no node started yet.
    ASSERT_TRUE(condition_is_true(mdbop.mariadb("g"), "Ready"));
    const pid_t deciding =
        mdbop.start_operator({{"MDBOP_CRASH_POINT", "after-bootstrap-decision"}});
    ASSERT_GT(deciding, 0);
    EXPECT_FALSE(condition_is_true(mdbop.mariadb("g"), "Ready"));
    ASSERT_TRUE(eventually([&] { return !process_alive(deciding); }, 120s));
    auto log = read_file(mdbop.home() / "operator.log");
    ASSERT_TRUE(log);
    EXPECT_NE(log->find("crash point reached, killing the process point=after-bootstrap-decision"),
              std::string::npos);
    json recovery = mdbop.mariadb("g")["status"]["galeraRecovery"];
    EXPECT_EQ(recovery.value("state", ""), "Bootstrapping");
    EXPECT_EQ(recovery["decision"].value("action", ""), "Bootstrap");
    EXPECT_TRUE(recovery.contains("bootstrap"));
    EXPECT_EQ(count_in_logs(mdbop, "Connecting with bootstrap option: 1"), bootstraps_before);
    EXPECT_TRUE(mdbop.node_processes().empty());

    mdbop.start_operator();
    mdbop.wait_ready("g");
    EXPECT_EQ(count_in_logs(mdbop, "Connecting with bootstrap option: 1"), bootstraps_before + 1);
    expect_all_acknowledged(mdbop, "g", 3, writer.acknowledged());
  }
}

TEST(GaleraCluster, ScalesOutToFiveAndBackToThree) {
  Installation mdbop;
  mdbop.start_with_cluster("g", kPassword);
  SqlConnection first = mdbop.connect("g", 0, kPassword);
  ASSERT_TRUE(
      first.execute("CREATE DATABASE app; CREATE TABLE app.t (id INT PRIMARY KEY); "
                    "INSERT INTO app.t VALUES (1),(2)"));

  mdbop.apply(galera_manifest("g", 5, kPassword));
  mdbop.wait_ready("g", "300s");
  ASSERT_EQ(mdbop.pods("g").size(), 5u);
  SqlConnection fifth = mdbop.connect("g", 4, kPassword);
  EXPECT_EQ(count_rows(fifth, "app.t"), 2);
  EXPECT_EQ(status_variable(fifth, "wsrep_cluster_size"), "5");
  // New members joined by a full state transfer continue the cluster's GTIDs.
  expect_the_same_gtid_on_every_node(mdbop, "g", 5, 4);

  mdbop.apply(galera_manifest("g", 3, kPassword));
  ASSERT_TRUE(eventually([&] { return mdbop.pods("g").size() == 3u; }, 120s));
  mdbop.wait_ready("g");
  EXPECT_EQ(mdbop.node_processes().size(), 3u);
  EXPECT_EQ(status_variable(first, "wsrep_cluster_size"), "3");
  EXPECT_FALSE(std::filesystem::exists(mdbop.home() / "nodes/default/g-4"));
  EXPECT_FALSE(std::filesystem::exists(mdbop.home() / "nodes/default/g-3"));
}

TEST(GaleraCluster, RollsConfigChangeWithoutLosingPrimary) {
  Installation mdbop;
  mdbop.start_with_cluster("g", kPassword);
  std::vector<pid_t> before = node_pids(mdbop, "g");
  Writer writer(sql_ports(mdbop, "g"), kPassword);
  ASSERT_TRUE(eventually([&] { return writer.acknowledged().size() > 50; }, 30s));

  mdbop.apply(
      galera_manifest("g", 3, kPassword, "  myCnf: |\n    [mariadb]\n    max_connections=222\n"));
  ASSERT_TRUE(eventually(
      [&] {
        std::vector<pid_t> now = node_pids(mdbop, "g");
        for (size_t i = 0; i < now.size(); ++i) {
          if (now[i] == before[i] || now[i] == 0) return false;
        }
        json status = mdbop.mariadb("g")["status"];
        return status["observedGeneration"] == 2 && status["replicas"] == 3;
      },
      180s));
  mdbop.wait_ready("g");
  size_t written_during_roll = writer.acknowledged().size();
  std::this_thread::sleep_for(300ms);
  writer.stop();
  EXPECT_TRUE(writer.non_primary_errors().empty()) << writer.non_primary_errors().front();
  EXPECT_GT(written_during_roll, 50u);
  for (int i = 0; i < 3; ++i) {
    SqlConnection connection = mdbop.connect("g", i, kPassword);
    auto rows = connection.query("SELECT @@max_connections");
    ASSERT_TRUE(rows);
    EXPECT_EQ(*rows->rows[0][0], "222");
  }
  expect_all_acknowledged(mdbop, "g", 3, writer.acknowledged());
}

TEST(GaleraCluster, NodeThatCannotStartIsReportedWithItsReason) {
  Installation mdbop;
  mdbop.start_operator();
  // An 11.x-only variable: a 10.11 mariadbd refuses to start.
  mdbop.apply(galera_manifest("bad", 1, kPassword,
                              "  myCnf: |\n    [mariadb]\n    max_tmp_space_usage=1G\n"));
  ASSERT_TRUE(eventually(
      [&] {
        std::string describe = mdbop.must({"describe", "mariadb", "bad"});
        return describe.find("unknown variable 'max_tmp_space_usage=1G'") != std::string::npos;
      },
      60s))
      << mdbop.must({"describe", "mariadb", "bad"});
  json ready = mdbop.mariadb("bad")["status"]["conditions"];
  bool not_ready = false;
  for (const json& condition : ready) {
    not_ready |= condition["type"] == "Ready" && condition["status"] == "False";
  }
  EXPECT_TRUE(not_ready);
  EXPECT_TRUE(mdbop.node_processes().empty());
}

TEST(GaleraCluster, GeneratesTheRootPasswordAndReadsMyCnfFromAConfigMap) {
  Installation mdbop;
  mdbop.start_operator();
  mdbop.apply(R"(apiVersion: v1
kind: ConfigMap
metadata:
  name: tuning
data:
  my.cnf: |
    [mariadb]
    max_connections=333
---
apiVersion: k8s.mariadb.com/v1alpha1
kind: MariaDB
metadata:
  name: solo
spec:
  replicas: 1
  galera:
    enabled: true
  myCnfConfigMapKeyRef:
    name: tuning
    key: my.cnf
)");
  mdbop.wait_ready("solo");
  json secret = json::parse(mdbop.must({"get", "secret", "solo-root", "-o", "json"}));
  EXPECT_TRUE(secret["data"].contains("password"));
  EXPECT_EQ(mdbop.must({"sql", "mariadb/solo", "-e", "SELECT @@max_connections AS m"}), "m\n333\n");
}

}  // namespace
}  // namespace mdbop::testing
