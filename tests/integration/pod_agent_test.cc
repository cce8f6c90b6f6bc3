// `mdbop agent` as a pod runs it (runtime/kube/node_pod.h): each on an address of its own at the
// pods' fixed ports, with the TLS identities a pod's Secret holds, and the kubelet's probes in
// plain HTTP. Two such agents on loopback addresses of their own, driven by the operator's
// client, form a Galera cluster: the seed's data streamed from one agent to the other, the
// joiner catching up by IST from the other pod's address; readiness follows Synced; a SIGTERM
// (a pod deleted) stops the server cleanly.
#include <gtest/gtest.h>

#include <signal.h>

#include <filesystem>
#include <fstream>
#include <random>

#include <httplib.h>

#include "agent/remote/agent_client.h"
#include "api/manifest.h"
#include "galera/grastate.h"
#include "harness.h"
#include "runtime/kube/node_pod.h"
#include "util/files.h"
#include "util/subprocess.h"
#include "util/x509.h"

namespace mdbop::testing {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

constexpr char kPassword[] = "pod-root-Secret1";

// Loopback addresses 127.A.B.2 and up, with A and B drawn at random: the pods' ports are fixed,
// so concurrent runs must not share an address.
std::string pod_address(int index) {
  static const std::pair<int, int> drawn = [] {
    std::mt19937 random(std::random_device{}());
    return std::pair{1 + static_cast<int>(random() % 250), 1 + static_cast<int>(random() % 250)};
  }();
  return "127." + std::to_string(drawn.first) + "." + std::to_string(drawn.second) + "." +
         std::to_string(2 + index);
}

void write_private(const fs::path& file, const std::string& text) {
  ASSERT_TRUE(write_file_atomic(file, text, 0600));
}

class PodAgentTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // The pods' homes are below the test's directory: the node user passes through it, as it
    // does through an MDBOP_HOME.
    fs::permissions(home(), fs::perms::others_exec | fs::perms::group_exec, fs::perm_options::add);
    auto nodes_ca = make_certificate_authority("test nodes CA", std::chrono::days(1));
    auto agents_ca = make_certificate_authority("test agents CA", std::chrono::days(1));
    ASSERT_TRUE(nodes_ca && agents_ca);
    auto operator_identity =
        issue_certificate(*agents_ca, "mdbop operator", {}, std::chrono::days(1));
    ASSERT_TRUE(operator_identity);
    client_tls_ = {(home() / "operator.crt").string(), (home() / "operator.key").string(),
                   (home() / "agents-ca.crt").string()};
    write_private(client_tls_.certificate, operator_identity->certificate);
    write_private(client_tls_.key, operator_identity->private_key);
    write_private(client_tls_.authority, agents_ca->certificate);
    for (int index : {0, 1}) {
      // What the operator puts in the pod's Secret.
      const fs::path tls = home() / ("pod-" + std::to_string(index) + "-tls");
      fs::create_directories(tls);
      auto node =
          issue_certificate(*nodes_ca, "galera-" + std::to_string(index), {}, std::chrono::days(1));
      auto agent = issue_certificate(*agents_ca, "galera-" + std::to_string(index),
                                     {pod_address(index)}, std::chrono::days(1));
      ASSERT_TRUE(node && agent);
      write_private(tls / "ca.crt", nodes_ca->certificate);
      write_private(tls / "node.crt", node->certificate);
      write_private(tls / "node.key", node->private_key);
      write_private(tls / "agent-ca.crt", agents_ca->certificate);
      write_private(tls / "agent.crt", agent->certificate);
      write_private(tls / "agent.key", agent->private_key);
      start_agent(index);
    }
  }
  void TearDown() override {
    for (pid_t pid : agents_) kill(pid, SIGKILL);
  }

  const fs::path& home() const { return installation_.home(); }
  NodeId node(int index) const { return {"db", "galera", index}; }

  // The pod's container command, as node_pod renders it, with this machine's binary.
  void start_agent(int index) {
    const std::string address = pod_address(index);
    SubprocessOptions agent;
    agent.argv = {MDBOP_BINARY_DEFAULT,
                  "agent",
                  "--namespace",
                  "db",
                  "--mariadb",
                  "galera",
                  "--index",
                  std::to_string(index),
                  "--home",
                  (home() / ("pod-" + std::to_string(index))).string(),
                  "--listen",
                  address + ":" + std::to_string(PodPorts::kAgent),
                  "--probe-listen",
                  address + ":" + std::to_string(PodPorts::kProbes),
                  "--pod-address",
                  address,
                  "--sql-port",
                  "3306",
                  "--tls-dir",
                  (home() / ("pod-" + std::to_string(index) + "-tls")).string()};
    agent.output_file = (home() / ("agent-" + std::to_string(index) + ".log")).string();
    auto pid = spawn_detached(agent);
    ASSERT_TRUE(pid) << pid.error().what();
    agents_.push_back(*pid);
    clients_.push_back(std::make_shared<AgentClient>(
        node(index), AgentEndpoint{address, PodPorts::kAgent}, client_tls_));
    ASSERT_TRUE(eventually([&] { return probe(index, "/startup") == 200; }, 30s))
        << *read_file(agent.output_file);
  }

  int probe(int index, const char* path) {
    httplib::Client client(pod_address(index), PodPorts::kProbes);
    client.set_connection_timeout(2s);
    auto response = client.Get(path);
    return response ? response->status : -1;
  }

  ClusterConfig config() {
    auto docs = decode_yaml_documents(
        "apiVersion: k8s.mariadb.com/v1alpha1\nkind: MariaDB\nmetadata: {name: galera, "
        "namespace: db}\nspec:\n  replicas: 2\n  replicasAllowEvenNumber: true\n  galera: "
        "{enabled: true}\n"
        "  rootPasswordSecretKeyRef: {name: root, key: password}\n");
    EXPECT_TRUE(docs);
    auto valid = validate_and_default(docs->at(0));
    EXPECT_TRUE(valid);
    ClusterConfig config;
    config.mariadb = *valid;
    config.spec = mariadb_spec_from(config.mariadb);
    config.cluster_name = "db-galera";
    config.sst_password = kPassword;
    for (int index : {0, 1}) {
      config.peers.push_back(node(index));
      auto placed = clients_[index]->place();
      EXPECT_TRUE(placed) << placed.error().what();
      config.peer_addresses.push_back(placed ? *placed : NodeAddress{});
    }
    return config;
  }

  Installation installation_;  // the directory, and the servers killed by pid at the end
  TlsFiles client_tls_;
  std::vector<pid_t> agents_;
  std::vector<std::shared_ptr<AgentClient>> clients_;
};

TEST_F(PodAgentTest, TwoPodsFormAClusterFromStreamedDataAndReadinessFollowsSynced) {
  // Each node is placed at its pod's address and the pods' ports.
  for (int index : {0, 1}) {
    auto placed = clients_[index]->place();
    ASSERT_TRUE(placed) << placed.error().what();
    EXPECT_EQ(placed->host, pod_address(index));
    EXPECT_EQ(placed->sql_port, 3306);
    EXPECT_EQ(placed->galera_port, PodPorts::kGalera);
    EXPECT_EQ(placed->sst_port, PodPorts::kSst);
  }
  const ClusterConfig cluster = config();
  for (auto& client : clients_) ASSERT_TRUE(client->configure(cluster));

  // The seed, as the operator makes it: an empty system database, root's password set while
  // only the socket answers, then the new Primary component on the network.
  AgentClient& seed = *clients_[0];
  ASSERT_TRUE(seed.initialize_data());
  ASSERT_TRUE(seed.start(StartMode::kNewCluster, NodeAccess::kSocketOnly, ""));
  {
    Result<std::unique_ptr<SqlSession>> session = fail("not tried");
    ASSERT_TRUE(eventually([&] { return (session = seed.open_sql("", 5s)).has_value(); }, 60s))
        << session.error().what();
    // As the operator's seed does: root only on localhost and '%', with the password.
    auto hosts = (*session)->query("SELECT Host FROM mysql.user WHERE User = 'root'");
    ASSERT_TRUE(hosts) << hosts.error().what();
    std::string sql;
    for (const auto& row : hosts->rows) {
      if (row[0] && *row[0] != "localhost") {
        sql += "DROP USER 'root'@" + (*session)->quote(*row[0]) + ";";
      }
    }
    const std::string password = (*session)->quote(kPassword);
    sql += "ALTER USER 'root'@'localhost' IDENTIFIED BY " + password + ";";
    sql += "CREATE USER 'root'@'%' IDENTIFIED BY " + password + ";";
    sql += "GRANT ALL PRIVILEGES ON *.* TO 'root'@'%' WITH GRANT OPTION;";
    ASSERT_TRUE((*session)->execute(sql));
  }
  ASSERT_TRUE(seed.stop(60s));
  // The seed's data into the other pod, streamed from agent to agent as the operator does for
  // a new cluster's joiners; the joiner's position is the seed's, so it joins by IST.
  AgentClient& joiner = *clients_[1];
  auto seed_state = seed.observe("");
  ASSERT_TRUE(seed_state && seed_state->grastate);
  {
    auto taking = joiner.take_data();
    ASSERT_TRUE(taking) << taking.error().what();
    auto sent = seed.send_data(**taking);
    ASSERT_TRUE(sent) << sent.error().what();
    auto taken = (*taking)->finish();
    ASSERT_TRUE(taken) << taken.error().what();
  }
  GraState joining = *seed_state->grastate;
  joining.safe_to_bootstrap = false;
  ASSERT_TRUE(joiner.write_grastate(joining));
  ASSERT_TRUE(seed.start(StartMode::kNewCluster, NodeAccess::kNetwork, ""));
  EXPECT_EQ(probe(0, "/ready"), 503) << "ready before the operator looked";
  ASSERT_TRUE(eventually(
      [&] {
        auto seen = seed.observe(kPassword);
        return seen && seen->wsrep.local_state == "Synced";
      },
      60s));
  EXPECT_EQ(probe(0, "/ready"), 200);
  {
    SqlEndpoint endpoint;
    endpoint.host = pod_address(0);
    endpoint.port = 3306;
    endpoint.password = kPassword;
    auto sql = SqlConnection::connect(endpoint);
    ASSERT_TRUE(sql) << sql.error().what();
    ASSERT_TRUE(
        sql->execute("CREATE DATABASE pods; CREATE TABLE pods.t (id INT PRIMARY KEY); "
                     "INSERT INTO pods.t VALUES (1), (2), (3)"));
  }

  // The rows written since the copy come by IST from the seed's pod address.
  ASSERT_TRUE(joiner.start(StartMode::kJoin, NodeAccess::kNetwork, ""));
  ASSERT_TRUE(eventually(
      [&] {
        auto seen = joiner.observe(kPassword);
        return seen && seen->wsrep.local_state == "Synced" && seen->wsrep.cluster_size == 2;
      },
      180s))
      << *joiner.read_error_log(0);
  EXPECT_EQ(probe(1, "/ready"), 200);
  EXPECT_EQ(probe(1, "/live"), 200);
  {
    SqlEndpoint endpoint;
    endpoint.host = pod_address(1);
    endpoint.port = 3306;
    endpoint.password = kPassword;
    auto sql = SqlConnection::connect(endpoint);
    ASSERT_TRUE(sql) << sql.error().what();
    auto rows = sql->query("SELECT COUNT(*) FROM pods.t");
    ASSERT_TRUE(rows) << rows.error().what();
    EXPECT_EQ(rows->rows.at(0).at(0).value_or(""), "3");
  }
  auto joiner_log = joiner.read_error_log(0);
  ASSERT_TRUE(joiner_log);
  EXPECT_NE(joiner_log->find("Receiving IST"), std::string::npos) << *joiner_log;

  // A pod deleted: the kubelet's SIGTERM to the agent stops the server cleanly before the
  // container ends, so its saved position is exact.
  kill(agents_[1], SIGTERM);
  ASSERT_TRUE(eventually([&] { return !process_alive(agents_[1]); }, 120s));
  auto text = read_file(home() / "pod-1" / "nodes" / "db" / "galera-1" / "data" / "grastate.dat");
  ASSERT_TRUE(text);
  auto saved = parse_grastate(*text);
  ASSERT_TRUE(saved) << saved.error().what();
  EXPECT_GE(saved->seqno, 0) << "the server was not stopped cleanly";
  EXPECT_TRUE(eventually(
      [&] {
        auto seen = seed.observe(kPassword);
        return seen && seen->wsrep.cluster_size == 1;
      },
      30s));
}

}  // namespace
}  // namespace mdbop::testing
