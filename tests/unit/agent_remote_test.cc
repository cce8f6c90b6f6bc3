// The node agent over the network: a FakeNodeAgent behind a real AgentServer (HTTPS with
// mutual TLS on 127.0.0.1), driven through AgentClient.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <future>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <httplib.h>

#include "agent/remote/agent_client.h"
#include "agent/remote/agent_server.h"
#include "agent/remote/wire.h"
#include "api/manifest.h"
#include "api/mariadb_spec.h"
#include "fake_node_agent.h"
#include "util/files.h"
#include "util/x509.h"

namespace mdbop {
namespace {

using nlohmann::json;
using std::chrono::steady_clock;

// Takes every byte it is given.
class StringSink : public ByteSink {
 public:
  Result<void> write(std::string_view bytes) override {
    bytes_.append(bytes);
    ++writes_;
    return {};
  }
  Result<void> finish() override {
    finished_ = true;
    return {};
  }
  std::string bytes_;
  int writes_ = 0;
  bool finished_ = false;
};

std::string pseudo_random_bytes(std::size_t size, std::uint32_t seed) {
  std::string bytes(size, '\0');
  std::uint32_t state = seed;
  for (char& byte : bytes) {
    state = state * 1664525u + 1013904223u;
    byte = static_cast<char>(state >> 24);
  }
  return bytes;
}

double seconds_since(steady_clock::time_point start) {
  return std::chrono::duration<double>(steady_clock::now() - start).count();
}

// A port on 127.0.0.1 that nothing listens on (bound, then closed).
int closed_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  EXPECT_GE(fd, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;
  EXPECT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
  socklen_t length = sizeof address;
  EXPECT_EQ(::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length), 0);
  ::close(fd);
  return ntohs(address.sin_port);
}

// The TLS identities of the tests, made once: the agents' CA with a server and a client
// certificate, and another CA with its own.
struct Identities {
  std::filesystem::path dir;
  TlsFiles server;
  TlsFiles client;
  TlsFiles client_of_other_ca;        // presents another CA's certificate, trusts ours
  TlsFiles client_trusting_other_ca;  // presents ours, trusts only the other CA
  TlsFiles client_as_agent;           // presents an agent's (server-only) certificate
};

Result<TlsFiles> write_identity(const std::filesystem::path& dir, const std::string& name,
                                const PemCertificate& identity, const std::string& authority) {
  TlsFiles files{(dir / (name + ".crt")).string(), (dir / (name + ".key")).string(),
                 (dir / (name + "-ca.crt")).string()};
  for (const auto& [path, content] :
       {std::pair{files.certificate, identity.certificate},
        std::pair{files.key, identity.private_key}, std::pair{files.authority, authority}}) {
    auto written = write_file_atomic(path, content, 0600);
    if (!written) return tl::unexpected(written.error());
  }
  return files;
}

Result<Identities> make_identities() {
  char pattern[] = "/tmp/mdbop-agent-remote-XXXXXX";
  if (mkdtemp(pattern) == nullptr) return fail("mkdtemp failed");
  Identities made;
  made.dir = pattern;
  const auto validity = std::chrono::days(2);
  auto ca = make_certificate_authority("mdbop agents test CA", validity);
  if (!ca) return tl::unexpected(ca.error());
  auto other_ca = make_certificate_authority("mdbop another test CA", validity);
  if (!other_ca) return tl::unexpected(other_ca.error());
  // As the installation issues them: an agent's certificate serves only, the operator's is
  // only a client's.
  auto server =
      issue_certificate(*ca, "agent galera-0", {"127.0.0.1"}, validity, CertificateUse::kServer);
  auto client =
      issue_certificate(*ca, "operator", {"127.0.0.1"}, validity, CertificateUse::kClient);
  auto stranger = issue_certificate(*other_ca, "operator", {"127.0.0.1"}, validity);
  for (const auto* issued : {&server, &client, &stranger}) {
    if (!*issued) return tl::unexpected(issued->error());
  }
  auto server_files = write_identity(made.dir, "server", *server, ca->certificate);
  auto client_files = write_identity(made.dir, "client", *client, ca->certificate);
  auto stranger_files = write_identity(made.dir, "stranger", *stranger, ca->certificate);
  auto misled_files = write_identity(made.dir, "misled", *client, other_ca->certificate);
  auto as_agent_files = write_identity(made.dir, "as-agent", *server, ca->certificate);
  for (const auto* files :
       {&server_files, &client_files, &stranger_files, &misled_files, &as_agent_files}) {
    if (!*files) return tl::unexpected(files->error());
  }
  made.server = *server_files;
  made.client = *client_files;
  made.client_of_other_ca = *stranger_files;
  made.client_trusting_other_ca = *misled_files;
  made.client_as_agent = *as_agent_files;
  return made;
}

class AgentRemote : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    // As `mdbop agent` and the operator do: a write to a connection the peer closed must fail
    // with EPIPE, not kill the process.
    previous_sigpipe_ = signal(SIGPIPE, SIG_IGN);
    auto made = make_identities();
    ASSERT_TRUE(made) << made.error().what();
    identities_ = new Identities(*made);
  }
  static void TearDownTestSuite() {
    if (identities_ != nullptr) std::filesystem::remove_all(identities_->dir);
    delete identities_;
    identities_ = nullptr;
    signal(SIGPIPE, previous_sigpipe_);
  }

  void SetUp() override {
    ASSERT_NE(identities_, nullptr);
    ASSERT_TRUE(fake_.place(node_, {}));
    start_server();
  }

  void TearDown() override {
    fake_.crash(node_);  // ends any stream a failed test left running on the agent's side
    stop_server();
  }

  void start_server() {
    server_ = std::make_unique<AgentServer>(fake_, node_, identities_->server, identities_->dir);
    auto port = server_->bind("127.0.0.1", 0);
    ASSERT_TRUE(port) << port.error().what();
    port_ = *port;
    serving_ = std::thread([this] { server_->serve(); });
    // AgentServer::stop() is lost until serve() has begun (see AgentRemote.StopBeforeServe...):
    // one call answered proves it has.
    auto answered = client()->process();
    ASSERT_TRUE(answered) << answered.error().what();
  }

  // Every client of the test must be gone first: the server waits for the connections they
  // keep alive.
  void stop_server() {
    if (server_ == nullptr) return;
    const auto start = steady_clock::now();
    server_->stop();
    if (serving_.joinable()) serving_.join();
    server_.reset();
    EXPECT_LT(seconds_since(start), 1.5) << "the agent took long to stop";
  }

  std::shared_ptr<AgentClient> client(const NodeId& node) const {
    return client(node, identities_->client);
  }
  std::shared_ptr<AgentClient> client(const NodeId& node, const TlsFiles& tls) const {
    return std::make_shared<AgentClient>(node, AgentEndpoint{"127.0.0.1", port_}, tls);
  }
  std::shared_ptr<AgentClient> client() const { return client(node_); }

  void start_node() {
    auto started = fake_.start(node_, StartMode::kNewCluster, NodeAccess::kNetwork, "");
    ASSERT_TRUE(started) << started.error().what();
  }

  static inline Identities* identities_ = nullptr;
  static inline void (*previous_sigpipe_)(int) = SIG_DFL;

  const NodeId node_{"prod", "galera", 0};
  const NodeId other_node_{"prod", "galera", 1};
  FakeNodeAgent fake_;
  std::unique_ptr<AgentServer> server_;
  std::thread serving_;
  int port_ = 0;
};

// --- TLS files.

TEST_F(AgentRemote, IdentityFilesArePrivate) {
  for (const TlsFiles* files : {&identities_->server, &identities_->client}) {
    for (const std::string& path : {files->certificate, files->key, files->authority}) {
      struct stat info {};
      ASSERT_EQ(::stat(path.c_str(), &info), 0) << path;
      EXPECT_EQ(info.st_mode & 0777, 0600u) << path;
    }
  }
}

// --- Calls.

TEST_F(AgentRemote, ObserveCrossesIntact) {
  start_node();
  fake_.commit("prod", "galera", 5);
  const NodeSnapshot local = fake_.observe(node_, "root secret");
  ASSERT_TRUE(local.grastate);
  auto remote = client()->observe("root secret");
  ASSERT_TRUE(remote) << remote.error().what();
  EXPECT_EQ(remote->address.host, local.address.host);
  EXPECT_EQ(remote->address.sql_port, local.address.sql_port);
  EXPECT_EQ(remote->address.galera_port, local.address.galera_port);
  EXPECT_EQ(remote->address.ist_port, local.address.ist_port);
  EXPECT_EQ(remote->address.sst_port, local.address.sst_port);
  EXPECT_EQ(remote->address.metrics_port, local.address.metrics_port);
  EXPECT_TRUE(remote->process.running);
  EXPECT_EQ(remote->process.instance, local.process.instance);
  EXPECT_EQ(remote->process.details, json({{"fake", true}}));
  EXPECT_TRUE(remote->data_present);
  ASSERT_TRUE(remote->grastate);
  EXPECT_EQ(remote->grastate->uuid, local.grastate->uuid);
  EXPECT_EQ(remote->grastate->seqno, -1);
  EXPECT_TRUE(remote->wsrep.answers);
  EXPECT_EQ(remote->wsrep.local_state, "Synced");
  EXPECT_EQ(remote->wsrep.cluster_status, "Primary");
  EXPECT_EQ(remote->wsrep.cluster_size, 1);
  EXPECT_EQ(remote->wsrep.last_committed, 5);
  EXPECT_EQ(remote->wsrep.cluster_state_uuid, local.wsrep.cluster_state_uuid);
  EXPECT_EQ(remote->wsrep.gcomm_uuid, local.wsrep.gcomm_uuid);
  EXPECT_FALSE(remote->exporter_running);
}

TEST_F(AgentRemote, ObserveOfAStoppedNodeWithoutGrastate) {
  auto remote = client()->observe("");
  ASSERT_TRUE(remote) << remote.error().what();
  EXPECT_FALSE(remote->process.running);
  EXPECT_FALSE(remote->grastate);
  EXPECT_FALSE(remote->wsrep.answers);
  EXPECT_EQ(remote->wsrep.last_committed, -1);
}

TEST_F(AgentRemote, ProcessCrossesIntact) {
  auto stopped = client()->process();
  ASSERT_TRUE(stopped) << stopped.error().what();
  EXPECT_FALSE(stopped->running);
  start_node();
  auto running = client()->process();
  ASSERT_TRUE(running) << running.error().what();
  EXPECT_TRUE(running->running);
  EXPECT_EQ(running->instance, fake_.process(node_).instance);
  EXPECT_FALSE(running->instance.empty());
}

TEST_F(AgentRemote, StartAndStopCrossIntact) {
  auto agent = client();
  auto joined = agent->start(StartMode::kJoin, NodeAccess::kSocketOnly, "galera-2");
  ASSERT_TRUE(joined) << joined.error().what();
  EXPECT_EQ(joined->instance, fake_.process(node_).instance);
  EXPECT_FALSE(joined->ports_moved);
  EXPECT_EQ(fake_.calls_starting("start"),
            std::vector<std::string>{"start galera-0 join socket-only donor=galera-2"});

  auto stopped = agent->stop(std::chrono::seconds(7));
  ASSERT_TRUE(stopped) << stopped.error().what();
  EXPECT_TRUE(*stopped);
  auto again = agent->stop(std::chrono::seconds(7));
  ASSERT_TRUE(again) << again.error().what();
  EXPECT_FALSE(*again);  // it was not running
  EXPECT_EQ(fake_.calls_starting("stop"), std::vector<std::string>{"stop galera-0"});

  auto bootstrapped = agent->start(StartMode::kNewCluster, NodeAccess::kNetwork, "");
  ASSERT_TRUE(bootstrapped) << bootstrapped.error().what();
  EXPECT_NE(bootstrapped->instance, joined->instance);
  EXPECT_EQ(fake_.calls_starting("start").back(), "start galera-0 new-cluster network");
  EXPECT_EQ(fake_.observe(node_, "").wsrep.local_state, "Synced");
}

ClusterConfig remote_config() {
  auto docs = decode_yaml_documents(
      "apiVersion: k8s.mariadb.com/v1alpha1\nkind: MariaDB\n"
      "metadata: {name: galera, namespace: prod}\n"
      "spec:\n  replicas: 3\n  galera:\n    enabled: true\n    sst: rsync\n"
      "    replicaThreads: 4\n    providerOptions: {gcache.size: 1G}\n"
      "  myCnf: |\n    [mariadb]\n    max_connections=50\n");
  EXPECT_TRUE(docs) << docs.error().what();
  ClusterConfig config;
  if (!docs) return config;
  auto valid = validate_and_default(docs->at(0));
  EXPECT_TRUE(valid);
  if (!valid) return config;
  config.mariadb = *valid;
  config.spec = mariadb_spec_from(config.mariadb);
  config.cluster_name = "prod-galera";
  config.sst_password = "sst-secret";
  config.my_cnf = "[mariadb]\nmax_connections=50\n";
  config.peers = {{"prod", "galera", 0}, {"prod", "galera", 1}, {"prod", "galera", 2}};
  config.peer_addresses = {{"127.0.0.1", 3306, 4567, 4568, 4444, 0},
                           {"127.0.0.1", 3316, 4577, 4578, 4454, 0},
                           {"127.0.0.1", 3326, 4587, 4588, 4464, 0}};
  return config;
}

TEST_F(AgentRemote, ConfigureCrossesIntact) {
  const ClusterConfig config = remote_config();
  auto agent = client();
  auto changed = agent->configure(config);
  ASSERT_TRUE(changed) << changed.error().what();
  EXPECT_TRUE(*changed);
  auto got = fake_.last_config(node_);
  ASSERT_TRUE(got);
  EXPECT_EQ(got->mariadb, config.mariadb);
  EXPECT_EQ(got->cluster_name, "prod-galera");
  EXPECT_EQ(got->sst_password, "sst-secret");
  EXPECT_EQ(got->my_cnf, config.my_cnf);
  ASSERT_EQ(got->peers.size(), 3u);
  EXPECT_EQ(got->peers[2].qualified_pod(), "prod/galera-2");
  EXPECT_EQ(got->spec.replicas, 3);
  EXPECT_TRUE(got->spec.galera_enabled);
  EXPECT_EQ(got->spec.sst_method, "rsync");
  EXPECT_EQ(got->spec.replica_threads, 4);
  EXPECT_EQ(got->spec.gcache_size, "1G");
  EXPECT_EQ(got->spec.my_cnf, "[mariadb]\nmax_connections=50\n");
  // The same configuration again changes nothing.
  auto unchanged = agent->configure(config);
  ASSERT_TRUE(unchanged) << unchanged.error().what();
  EXPECT_FALSE(*unchanged);
}

TEST_F(AgentRemote, AConfigurationWithAnInvalidMariaDBIsRefused) {
  ClusterConfig config = remote_config();
  config.mariadb["spec"]["replicas"] = "three";
  auto refused = client()->configure(config);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, ErrorCode::kInvalid);
  EXPECT_FALSE(fake_.last_config(node_));
}

TEST_F(AgentRemote, SimpleCallsCrossIntact) {
  auto agent = client();
  auto place = agent->place();
  ASSERT_TRUE(place) << place.error().what();
  EXPECT_EQ(place->sql_port, fake_.observe(node_, "").address.sql_port);

  fake_.set_startup_failure(node_, "unknown variable 'max_conections=50'");
  auto failure = agent->startup_failure();
  ASSERT_TRUE(failure) << failure.error().what();
  EXPECT_EQ(*failure, "unknown variable 'max_conections=50'");

  auto log = agent->read_error_log(0);
  ASSERT_TRUE(log) << log.error().what();
  EXPECT_EQ(*log, "");

  auto exporter = agent->run_exporter({"galera-metrics", "pw"});
  ASSERT_TRUE(exporter) << exporter.error().what();
  EXPECT_TRUE(*exporter);
  EXPECT_EQ(fake_.exporter_user(node_), "galera-metrics");
  auto exporter_stopped = agent->stop_exporter();
  ASSERT_TRUE(exporter_stopped);
  EXPECT_TRUE(*exporter_stopped);
}

TEST_F(AgentRemote, GaleraStateCallsCrossIntact) {
  auto agent = client();
  ASSERT_TRUE(agent->initialize_data());
  GraState state;
  state.uuid = "6f9b3a1e-0000-11ee-8000-123456789abc";
  state.seqno = 42;
  state.safe_to_bootstrap = true;
  auto written = agent->write_grastate(state);
  ASSERT_TRUE(written) << written.error().what();
  EXPECT_EQ(fake_.calls_starting("write_grastate"),
            std::vector<std::string>{"write_grastate galera-0 seqno=42 safe_to_bootstrap=1"});
  EXPECT_EQ(fake_.observe(node_, "").grastate->uuid, state.uuid);

  start_node();
  fake_.commit("prod", "galera", 3);
  ASSERT_TRUE(fake_.stop(node_, std::chrono::seconds(1)));
  auto position = agent->recover_position();
  ASSERT_TRUE(position) << position.error().what();
  EXPECT_EQ(position->seqno, 3);
  EXPECT_EQ(position->uuid, fake_.observe(node_, "").grastate->uuid);
}

TEST_F(AgentRemote, DataCallsCrossIntact) {
  auto agent = client();
  ASSERT_TRUE(agent->initialize_data());

  auto aside = agent->set_aside_data("restore-1");
  ASSERT_TRUE(aside && *aside);
  auto described = agent->describe_aside("restore-1");
  ASSERT_TRUE(described);
  EXPECT_EQ(*described, fake_.describe_aside(node_, "restore-1"));
  auto returned = agent->return_aside_data("restore-1");
  ASSERT_TRUE(returned && *returned);
  auto discarded = agent->discard_aside_data("restore-1");
  ASSERT_TRUE(discarded);
  EXPECT_FALSE(*discarded);  // nothing left aside

  ASSERT_TRUE(fake_.place(other_node_, {}));
  auto copied = agent->copy_data_from(other_node_);
  ASSERT_TRUE(copied) << copied.error().what();
  EXPECT_EQ(fake_.calls_starting("copy_data"),
            std::vector<std::string>{"copy_data galera-1 galera-0"});
  auto lineage = agent->data_lineage();
  ASSERT_TRUE(lineage) << lineage.error().what();
  EXPECT_EQ(*lineage, *fake_.data_lineage(node_));
  auto wiped = agent->wipe_data();
  ASSERT_TRUE(wiped && *wiped);
  EXPECT_FALSE(fake_.observe(node_, "").data_present);
}

// --- A backup received into the node's place.

TEST_F(AgentRemote, AReceivedBackupIsReceivedPreparedAndInstalledThroughTheAgent) {
  const ReceivedBackup received{"prod", "back", ReceivedBackup::Purpose::kRestore, node_};
  auto agent = client();
  auto sink = agent->receive_backup(received);
  ASSERT_TRUE(sink) << sink.error().what();
  ASSERT_TRUE((*sink)->write("xbstream bytes"));
  auto finished = (*sink)->finish();
  ASSERT_TRUE(finished) << finished.error().what();
  auto prepared = agent->prepare_received(received, {"--use-memory=1G"}, [] { return false; });
  ASSERT_TRUE(prepared) << prepared.error().what();
  auto incremental = agent->receive_incremental(received);
  ASSERT_TRUE(incremental && (*incremental)->finish());
  auto applied = agent->apply_received_incremental(received, {}, [] { return false; });
  ASSERT_TRUE(applied) << applied.error().what();
  fake_.set_received_gtid("0-1-42");
  auto position = agent->recover_received_position(received);
  ASSERT_TRUE(position) << position.error().what();
  EXPECT_EQ(position->gtid, "0-1-42");
  auto described = agent->describe_received(received);
  ASSERT_TRUE(described);
  EXPECT_EQ(*described, "fake:received/prod/back");
  auto installed = agent->install_received(received);
  ASSERT_TRUE(installed) << installed.error().what();
  ASSERT_TRUE(agent->discard_received(received));
  std::vector<std::string> calls = fake_.calls();
  std::erase_if(calls, [](const std::string& call) { return call.starts_with("place "); });
  EXPECT_EQ(calls, (std::vector<std::string>{
                       "receive_backup prod/back", "prepare_received prod/back --use-memory=1G",
                       "receive_incremental prod/back", "apply_received_incremental prod/back",
                       "recover_received_position prod/back", "install_received galera-0 prod/back",
                       "discard_received prod/back"}));
}

TEST_F(AgentRemote, BinaryLogFilesCrossWholeAndInOrderBeforeTheReplay) {
  const ReceivedBackup received{"prod", "moment", ReceivedBackup::Purpose::kRestore, node_};
  // Files larger than a frame, and an empty one, arrive byte for byte.
  std::vector<std::string> files = {std::string(3u << 20, 'a') + "end", "",
                                    std::string("third") + '\0' + '\xff'};
  fake_.set_replayed_gtid_binlog_pos("0-1-99");
  std::size_t next = 0;
  auto position = client()->replay_binlog_into_received(
      received,
      [&]() -> Result<std::optional<std::string>> {
        if (next == files.size()) return std::optional<std::string>();
        return std::optional<std::string>(files[next++]);
      },
      [] { return false; });
  ASSERT_TRUE(position) << position.error().what();
  EXPECT_EQ(*position, "0-1-99");
  EXPECT_EQ(fake_.replayed_binlog_files(received), files);
  // Nothing of them stays in the agent's scratch.
  EXPECT_FALSE(
      std::filesystem::exists(identities_->dir / "binlog-spool" / "restores" / "prod" / "moment"));
}

TEST_F(AgentRemote, AFileThatCannotBeReadEndsTheReplayBeforeItRuns) {
  const ReceivedBackup received{"prod", "moment", ReceivedBackup::Purpose::kRestore, node_};
  auto position = client()->replay_binlog_into_received(
      received,
      []() -> Result<std::optional<std::string>> {
        return fail(ErrorCode::kCorrupt, "segment 3 does not decrypt");
      },
      [] { return false; });
  ASSERT_FALSE(position);
  EXPECT_EQ(position.error().code, ErrorCode::kCorrupt);
  EXPECT_TRUE(fake_.calls_starting("replay_binlog_into_received").empty());
}

TEST_F(AgentRemote, APrepareFailureCrossesWithItsCode) {
  const ReceivedBackup received{"prod", "back", ReceivedBackup::Purpose::kVerify, node_};
  fake_.fail_next_prepare("InnoDB: corrupt page", ErrorCode::kCorrupt);
  auto prepared = client()->prepare_received(received, {}, [] { return false; });
  ASSERT_FALSE(prepared);
  EXPECT_EQ(prepared.error().code, ErrorCode::kCorrupt);
  EXPECT_NE(prepared.error().message.find("InnoDB: corrupt page"), std::string::npos);
  EXPECT_EQ(fake_.calls_starting("prepare_received"),
            std::vector<std::string>{"prepare_received verify:prod/back"});
}

TEST_F(AgentRemote, ABackupReceivedForAnotherNodeOrWithUnsafeNamesIsRefused) {
  const ReceivedBackup elsewhere{"prod", "back", ReceivedBackup::Purpose::kRestore, other_node_};
  auto refused = client()->prepare_received(elsewhere, {}, [] { return false; });
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, ErrorCode::kInvalid);
  EXPECT_NE(refused.error().message.find("prod/galera-1"), std::string::npos);
  auto sink = client()->receive_backup(elsewhere);
  ASSERT_TRUE(sink);
  EXPECT_FALSE((*sink)->finish());

  for (const std::string& name :
       {std::string("../../etc"), std::string(".hidden"), std::string("a/b"), std::string()}) {
    const ReceivedBackup unsafe{"prod", name, ReceivedBackup::Purpose::kRestore, node_};
    auto described = client()->describe_received(unsafe);
    ASSERT_FALSE(described) << name;
    EXPECT_EQ(described.error().code, ErrorCode::kInvalid) << name;
  }
  // A namespace that is not the node's, even a safe one, is another node's.
  const ReceivedBackup other_namespace{"..", "back", ReceivedBackup::Purpose::kRestore,
                                       NodeId{"..", "galera", 0}};
  auto described = client(NodeId{"..", "galera", 0})->describe_received(other_namespace);
  ASSERT_FALSE(described);
  EXPECT_EQ(described.error().code, ErrorCode::kInvalid);
  // A purpose other than restore or verify is refused.
  auto forged = client()->call(
      "describe_received",
      {{"received",
        {{"node", node_}, {"namespace", "prod"}, {"name", "back"}, {"purpose", "install"}}}});
  ASSERT_FALSE(forged);
  EXPECT_EQ(forged.error().code, ErrorCode::kInvalid);
  EXPECT_TRUE(fake_.calls_starting("receive_backup").empty());
  EXPECT_TRUE(fake_.calls_starting("prepare_received").empty());
}

TEST_F(AgentRemote, ErrorsCrossWithTheirCodeAndMessage) {
  start_node();
  auto running = client()->recover_position();
  ASSERT_FALSE(running);
  EXPECT_EQ(running.error().code, ErrorCode::kConflict);
  EXPECT_EQ(running.error().message, "galera-0 is running");
}

TEST_F(AgentRemote, ACallNamingAnotherNodeIsRefused) {
  start_node();
  auto stranger = client(other_node_);
  auto observed = stranger->observe("");
  ASSERT_FALSE(observed);
  EXPECT_EQ(observed.error().code, ErrorCode::kInvalid);
  EXPECT_NE(observed.error().message.find("prod/galera-1"), std::string::npos)
      << observed.error().message;
  EXPECT_NE(observed.error().message.find("prod/galera-0"), std::string::npos)
      << observed.error().message;

  auto stopped = stranger->stop(std::chrono::seconds(1));
  ASSERT_FALSE(stopped);
  EXPECT_EQ(stopped.error().code, ErrorCode::kInvalid);
  EXPECT_TRUE(fake_.process(node_).running);  // nothing was done to this node
  EXPECT_TRUE(fake_.calls_starting("stop").empty());

  auto session = stranger->open_sql("", std::chrono::seconds(3));
  ASSERT_FALSE(session);
  EXPECT_EQ(session.error().code, ErrorCode::kInvalid);
  EXPECT_EQ(fake_.open_sql_sessions(), 0);

  // Another namespace with the same pod name is another node too.
  auto elsewhere = client(NodeId{"staging", "galera", 0})->process();
  ASSERT_FALSE(elsewhere);
  EXPECT_EQ(elsewhere.error().code, ErrorCode::kInvalid);
  EXPECT_NE(elsewhere.error().message.find("staging/galera-0"), std::string::npos);
}

TEST_F(AgentRemote, UnknownCallsAndMalformedParametersAreRefused) {
  auto agent = client();
  auto unknown = agent->call("format_disk", {{"node", node_}});
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().code, ErrorCode::kInvalid);
  EXPECT_NE(unknown.error().message.find("format_disk"), std::string::npos);

  auto no_node = agent->call("process", json::object());
  ASSERT_FALSE(no_node);
  EXPECT_EQ(no_node.error().code, ErrorCode::kInvalid);

  auto wrong_type = agent->call("stop", {{"node", node_}, {"graceSeconds", "soon"}});
  ASSERT_FALSE(wrong_type);
  EXPECT_EQ(wrong_type.error().code, ErrorCode::kInvalid);

  auto bad_mode = agent->call(
      "start", {{"node", node_}, {"mode", "sideways"}, {"access", "network"}, {"sstDonor", ""}});
  ASSERT_FALSE(bad_mode);
  EXPECT_EQ(bad_mode.error().code, ErrorCode::kInvalid);
  EXPECT_FALSE(fake_.process(node_).running);

  // The agent still serves after all that.
  EXPECT_TRUE(agent->process());
}

// Parameters that are JSON but not an object must be refused like any malformed message (they
// once threw out of the call's worker thread and ended the agent's process).
TEST_F(AgentRemote, NonObjectParametersAreRefusedWithoutKillingTheAgent) {
  auto agent = client();
  for (const json& params : {json::array({1}), json("x"), json(nullptr), json(5)}) {
    for (const char* name :
         {"exits", "sql_query", "sql_execute", "sql_status", "sql_quote", "sql_close"}) {
      auto refused = agent->call(name, params);
      ASSERT_FALSE(refused) << name << " " << params.dump();
      EXPECT_EQ(refused.error().code, ErrorCode::kInvalid) << name << " " << params.dump();
    }
  }
  EXPECT_TRUE(agent->process());
}

// An exception out of the node agent (LocalAgent's file locks throw std::system_error) fails
// the call, as the operator's reconcile loop does in process, and the agent goes on serving.
TEST_F(AgentRemote, AnExceptionInTheAgentFailsTheCallWithoutKillingIt) {
  start_node();
  fake_.kill_operator_before("stop galera-0");  // the fake's stop() throws OperatorKilled
  auto agent = client();
  auto failed = agent->stop(std::chrono::seconds(1));
  ASSERT_FALSE(failed);
  EXPECT_TRUE(agent->process());
}

TEST_F(AgentRemote, NonObjectParametersOfNodeCallsAreRefused) {
  auto agent = client();
  for (const json& params : {json::array({1}), json("node"), json(7)}) {
    for (const char* name : {"observe", "sql_open"}) {
      auto refused = agent->call(name, params);
      ASSERT_FALSE(refused) << name << " " << params.dump();
      EXPECT_EQ(refused.error().code, ErrorCode::kInvalid) << name << " " << params.dump();
    }
  }
  EXPECT_TRUE(agent->process());
}

// --- Streams out.

TEST_F(AgentRemote, StreamBackupBytesArriveEqualAndTheFactsReturn) {
  start_node();
  fake_.commit("prod", "galera", 4);
  // More than one 1 MiB frame per write, and writes that do not end on a frame's end.
  const std::string bytes = pseudo_random_bytes((3u << 20) + 12345, 7);
  fake_.set_backup_bytes(bytes, (3u << 19) + 7);
  BackupStreamRequest request;
  request.run = "galera-20240101";
  request.method = "physical";
  request.root_password = "secret";
  request.extra_args = {"--parallel=2"};
  StringSink sink;
  auto facts = client()->stream_backup(request, sink, [] { return false; });
  ASSERT_TRUE(facts) << facts.error().what();
  EXPECT_EQ(sink.bytes_.size(), bytes.size());
  EXPECT_TRUE(sink.bytes_ == bytes) << "the streamed bytes differ";
  EXPECT_GE(sink.writes_, 4);    // a write per data frame of at most 1 MiB
  EXPECT_FALSE(sink.finished_);  // the caller finishes its own pipeline
  EXPECT_EQ(facts->server_version, "11.4.0-MariaDB-fake");
  EXPECT_EQ(facts->gtid, "0-1-4");
  EXPECT_EQ(facts->lineage, *fake_.data_lineage(node_));
  EXPECT_EQ(facts->galera_position, fake_.observe(node_, "").wsrep.cluster_state_uuid + ":4");
  EXPECT_EQ(
      fake_.calls_starting("stream_backup"),
      std::vector<std::string>{"stream_backup galera-0 physical galera-20240101 --parallel=2"});
}

TEST_F(AgentRemote, ANodesDataCrossesOutAndInAsAStream) {
  start_node();
  fake_.commit("prod", "galera", 5);
  ASSERT_TRUE(fake_.stop(node_, std::chrono::seconds(1)));
  const std::string uuid = fake_.observe(node_, "").grastate->uuid;
  StringSink sent;
  auto out = client()->send_data(sent);
  ASSERT_TRUE(out) << out.error().what();
  EXPECT_FALSE(sent.finished_);  // the caller finishes its own pipeline
  EXPECT_EQ(sent.bytes_.rfind(uuid + " ", 0), 0u) << sent.bytes_;

  ASSERT_TRUE(fake_.wipe_data(node_));
  auto taking = client()->take_data();
  ASSERT_TRUE(taking) << taking.error().what();
  ASSERT_TRUE((*taking)->write(sent.bytes_));
  auto taken = (*taking)->finish();
  ASSERT_TRUE(taken) << taken.error().what();
  const NodeSnapshot seen = fake_.observe(node_, "");
  EXPECT_TRUE(seen.data_present);
  EXPECT_EQ(fake_.committed(node_), 5);
  EXPECT_EQ(fake_.calls_starting("take_data"), std::vector<std::string>{"take_data galera-0"});
}

// A stream in cannot be sent twice, so it never goes out on a kept connection the agent closed
// while it sat idle past the agent's 5 s keep-alive (as while another pod's data streamed).
TEST_F(AgentRemote, AStreamInAfterAnIdleConnectionExpiredIsTaken) {
  start_node();
  fake_.commit("prod", "galera", 5);
  ASSERT_TRUE(fake_.stop(node_, std::chrono::seconds(1)));
  const std::shared_ptr<AgentClient> agent = client();
  StringSink sent;
  ASSERT_TRUE(agent->send_data(sent));  // its connection is kept for the next call
  std::this_thread::sleep_for(std::chrono::seconds(6));
  ASSERT_TRUE(fake_.wipe_data(node_));
  auto taking = agent->take_data();
  ASSERT_TRUE(taking) << taking.error().what();
  ASSERT_TRUE((*taking)->write(sent.bytes_));
  auto taken = (*taking)->finish();
  ASSERT_TRUE(taken) << taken.error().what();
  EXPECT_EQ(fake_.committed(node_), 5);
}

TEST_F(AgentRemote, StreamBackupOfTheFakesOwnLogicalDump) {
  start_node();
  StringSink sink;
  BackupStreamRequest request;
  request.run = "r";
  request.method = "logical";
  auto facts = client()->stream_backup(request, sink, [] { return false; });
  ASSERT_TRUE(facts) << facts.error().what();
  EXPECT_EQ(sink.bytes_.rfind("-- MariaDB dump (fake logical backup of galera-0", 0), 0u);
}

TEST_F(AgentRemote, StreamBackupRefusalCrossesWithItsCode) {
  start_node();
  BackupStreamRequest request;
  request.run = "r";
  request.method = "physical";
  request.incremental_from_lsn = 1000;
  request.lineage = "not this data's";
  StringSink sink;
  auto facts = client()->stream_backup(request, sink, [] { return false; });
  ASSERT_FALSE(facts);
  EXPECT_EQ(facts.error().code, ErrorCode::kConflict);
  EXPECT_TRUE(sink.bytes_.empty());
}

// Fails every write with `message`.
class FailingSink : public ByteSink {
 public:
  explicit FailingSink(std::string message) : message_(std::move(message)) {}
  Result<void> write(std::string_view) override { return fail(ErrorCode::kCorrupt, message_); }
  Result<void> finish() override { return {}; }

 private:
  std::string message_;
};

TEST_F(AgentRemote, StreamBackupFailsWithItsSinksError) {
  start_node();
  BackupStreamRequest request;
  request.run = "r";
  request.method = "logical";
  for (const char* message : {"no space left on the bucket", "stopped"}) {
    FailingSink sink(message);
    auto facts = client()->stream_backup(request, sink, [] { return false; });
    ASSERT_FALSE(facts) << message;
    EXPECT_EQ(facts.error().code, ErrorCode::kCorrupt) << message << ": " << facts.error().what();
    EXPECT_EQ(facts.error().message, message);
  }
}

TEST_F(AgentRemote, StreamBackupAbandonedByShouldStop) {
  start_node();
  fake_.set_backup_bytes(pseudo_random_bytes(4u << 20, 3), 1u << 20);
  StringSink sink;
  BackupStreamRequest request;
  request.run = "r";
  request.method = "physical";
  auto facts = client()->stream_backup(request, sink, [&] { return !sink.bytes_.empty(); });
  ASSERT_FALSE(facts);
  EXPECT_EQ(facts.error().code, ErrorCode::kUnavailable);
  EXPECT_LT(sink.bytes_.size(), 4u << 20);
}

TEST_F(AgentRemote, FollowBinlogDeliversEventsInOrder) {
  start_node();
  fake_.commit("prod", "galera", 5);
  BinlogFollowRequest request;
  request.from = {{0, 1, 2}};
  request.follower_server_id = 4000;
  request.heartbeat = std::chrono::milliseconds(100);
  std::vector<BinlogEvent> events;
  auto followed = client()->follow_binlog(
      "root secret", request, [&](const BinlogEvent& event) { events.push_back(event); },
      [&] { return events.size() >= 7; });
  ASSERT_TRUE(followed) << followed.error().what();
  EXPECT_TRUE(*followed);
  // A format description, then transactions 3, 4 and 5: a GTID event and an XID event each.
  ASSERT_EQ(events.size(), 7u);
  EXPECT_EQ(events[0].type, binlog_event_type::kFormatDescription);
  EXPECT_FALSE(events[0].ends_transaction);
  for (int i = 0; i < 3; ++i) {
    const BinlogEvent& gtid = events[1 + 2 * i];
    const BinlogEvent& xid = events[2 + 2 * i];
    ASSERT_EQ(gtid.type, binlog_event_type::kGtid) << i;
    ASSERT_TRUE(gtid.gtid);
    EXPECT_EQ(gtid.gtid->sequence, static_cast<std::uint64_t>(3 + i));
    EXPECT_EQ(gtid.gtid->domain_id, 0u);
    EXPECT_FALSE(gtid.ends_transaction);
    EXPECT_EQ(gtid.timestamp, FakeNodeAgent::kFakeBinlogEpoch + 3 + i);
    EXPECT_EQ(xid.type, binlog_event_type::kXid) << i;
    EXPECT_TRUE(xid.ends_transaction);
    EXPECT_EQ(xid.timestamp, FakeNodeAgent::kFakeBinlogEpoch + 3 + i);
    // The raw bytes cross as the server wrote them.
    auto reparsed = parse_binlog_event(xid.raw);
    ASSERT_TRUE(reparsed);
    EXPECT_EQ(reparsed->type, binlog_event_type::kXid);
  }
  EXPECT_EQ(fake_.calls_starting("follow_binlog"),
            std::vector<std::string>{"follow_binlog galera-0 0-1-2"});
  fake_.crash(node_);  // ends the agent's side of the stream at once
}

TEST_F(AgentRemote, FollowBinlogFollowsNewCommits) {
  start_node();
  fake_.commit("prod", "galera", 1);
  BinlogFollowRequest request;
  request.from = {{0, 1, 1}};
  request.heartbeat = std::chrono::milliseconds(50);
  std::vector<std::uint64_t> sequences;
  std::size_t seen = 0;
  auto followed = client()->follow_binlog(
      "", request,
      [&](const BinlogEvent& event) {
        ++seen;
        if (event.gtid) sequences.push_back(event.gtid->sequence);
        // Each commit is made once the previous one has arrived.
        if (event.ends_transaction || event.type == binlog_event_type::kFormatDescription) {
          if (sequences.size() < 3) fake_.commit("prod", "galera", 1);
        }
      },
      [&] { return sequences.size() >= 3 && seen >= 7; });
  ASSERT_TRUE(followed) << followed.error().what();
  EXPECT_EQ(sequences, (std::vector<std::uint64_t>{2, 3, 4}));
  fake_.crash(node_);
}

TEST_F(AgentRemote, FollowBinlogErrorsCrossWithTheirCode) {
  start_node();
  fake_.commit("prod", "galera", 3);
  BinlogFollowRequest request;
  request.from = {{0, 1, 9}};  // beyond the node's last commit
  auto beyond = client()->follow_binlog(
      "", request, [](const BinlogEvent&) {}, [] { return false; });
  ASSERT_FALSE(beyond);
  EXPECT_EQ(beyond.error().code, ErrorCode::kNotFound);
  EXPECT_NE(beyond.error().message.find("0-1-9"), std::string::npos);

  request.from = {{0, 1, 1}};
  std::size_t events = 0;
  auto gone = client()->follow_binlog(
      "", request,
      [&](const BinlogEvent&) {
        if (++events == 5) fake_.crash(node_);  // the format description, commits 2 and 3
      },
      [] { return false; });
  ASSERT_FALSE(gone);
  EXPECT_EQ(gone.error().code, ErrorCode::kUnavailable);
}

// stop() ends the agent's streams too: a followed binary log never ends by itself.
TEST_F(AgentRemote, StopEndsAFollowedBinlog) {
  start_node();
  fake_.commit("prod", "galera", 1);
  auto agent = client();
  std::promise<void> streaming;
  bool told = false;
  BinlogFollowRequest request;
  request.from = {{0, 1, 0}};
  request.heartbeat = std::chrono::milliseconds(100);
  auto following = std::async(std::launch::async, [&] {
    return agent->follow_binlog(
        "", request,
        [&](const BinlogEvent&) {
          if (!told) streaming.set_value();
          told = true;
        },
        [] { return false; });
  });
  ASSERT_EQ(streaming.get_future().wait_for(std::chrono::seconds(5)), std::future_status::ready);
  const auto start = steady_clock::now();
  server_->stop();
  auto serving = std::async(std::launch::async, [&] { serving_.join(); });
  const bool stopped = serving.wait_for(std::chrono::seconds(2)) == std::future_status::ready;
  const double took = seconds_since(start);
  if (!stopped) fake_.crash(node_);  // ends the stream on the agent's side
  ASSERT_EQ(following.wait_for(std::chrono::seconds(5)), std::future_status::ready);
  (void)following.get();
  agent.reset();  // closes the connection it kept
  serving.wait();
  server_.reset();
  EXPECT_TRUE(stopped) << "serve() still ran 2 s after stop(): the stream held it";
  EXPECT_LT(took, 1.5);
}

// --- Streams in.

TEST_F(AgentRemote, ReplaySqlBytesReachTheAgentsSink) {
  start_node();
  auto upload = client()->replay_sql("root secret", "shop");
  ASSERT_TRUE(upload) << upload.error().what();
  std::string sent;
  for (std::size_t size : {std::size_t{1}, std::size_t{0}, std::size_t{70000},
                           std::size_t{(1u << 20) + 3}, std::size_t{5}}) {
    const std::string piece = pseudo_random_bytes(size, static_cast<std::uint32_t>(size));
    ASSERT_TRUE((*upload)->write(piece));
    sent += piece;
  }
  auto finished = (*upload)->finish();
  ASSERT_TRUE(finished) << finished.error().what();
  auto replay = fake_.last_sql_replay(node_);
  ASSERT_TRUE(replay);
  EXPECT_EQ(replay->bytes.size(), sent.size());
  EXPECT_TRUE(replay->bytes == sent) << "the replayed bytes differ";
  EXPECT_TRUE(replay->finished);
  EXPECT_FALSE(replay->open);  // the agent let go of it
  EXPECT_EQ(fake_.calls_starting("replay_sql"),
            std::vector<std::string>{"replay_sql galera-0 shop"});
  upload->reset();
}

TEST_F(AgentRemote, ReplaySqlOfNothing) {
  start_node();
  auto upload = client()->replay_sql("", "");
  ASSERT_TRUE(upload) << upload.error().what();
  ASSERT_TRUE((*upload)->finish());
  auto replay = fake_.last_sql_replay(node_);
  ASSERT_TRUE(replay);
  EXPECT_EQ(replay->bytes, "");
  EXPECT_TRUE(replay->finished);
}

TEST_F(AgentRemote, ReplaySqlDestroyedWithoutFinishDoesNotFinish) {
  start_node();
  {
    auto upload = client()->replay_sql("root secret", "shop");
    ASSERT_TRUE(upload) << upload.error().what();
    ASSERT_TRUE((*upload)->write("CREATE TABLE t (id INT);\n"));
    ASSERT_TRUE((*upload)->write(std::string(300000, 'x')));
  }  // destroyed: its destructor waits for the agent's answer
  auto replay = fake_.last_sql_replay(node_);
  ASSERT_TRUE(replay);
  EXPECT_FALSE(replay->finished);
  EXPECT_FALSE(replay->open);
}

TEST_F(AgentRemote, ReplaySqlRefusedFailsAtFinish) {
  // Not running: the agent refuses to open the replay.
  auto upload = client()->replay_sql("", "shop");
  ASSERT_TRUE(upload) << upload.error().what();
  (void)(*upload)->write("SELECT 1;\n");
  auto finished = (*upload)->finish();
  ASSERT_FALSE(finished);
  EXPECT_EQ(finished.error().code, ErrorCode::kUnavailable);
  EXPECT_FALSE(fake_.last_sql_replay(node_));

  start_node();
  auto stranger = client(other_node_)->replay_sql("", "shop");
  ASSERT_TRUE(stranger);
  (void)(*stranger)->write("SELECT 1;\n");
  auto refused = (*stranger)->finish();
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, ErrorCode::kInvalid);
  EXPECT_NE(refused.error().message.find("prod/galera-1"), std::string::npos);
  EXPECT_FALSE(fake_.last_sql_replay(node_));
}

// --- SQL sessions.

TEST_F(AgentRemote, SqlSessionQueriesQuotesAndStatus) {
  start_node();
  SqlRows answer;
  answer.columns = {"name", "plugin", "comment"};
  answer.rows = {{std::string("root"), std::nullopt, std::string("")},
                 {std::nullopt, std::nullopt, std::nullopt}};
  fake_.answer_sql("FROM mysql.global_priv", answer);
  fake_.answer_status("wsrep_%",
                      {{"wsrep_local_state_comment", "Synced"}, {"wsrep_cluster_size", "1"}});
  {
    auto session = client()->open_sql("root secret", std::chrono::seconds(3));
    ASSERT_TRUE(session) << session.error().what();
    EXPECT_EQ(fake_.open_sql_sessions(), 1);

    auto rows = (*session)->query("SELECT name, plugin, comment FROM mysql.global_priv");
    ASSERT_TRUE(rows) << rows.error().what();
    EXPECT_EQ(rows->columns, answer.columns);
    EXPECT_EQ(rows->rows, answer.rows);
    EXPECT_FALSE(rows->rows[1][0].has_value());
    EXPECT_TRUE(rows->rows[0][2].has_value());

    auto executed = (*session)->execute("SET GLOBAL max_connections = 10");
    ASSERT_TRUE(executed) << executed.error().what();
    EXPECT_TRUE(*executed);

    EXPECT_EQ((*session)->quote("it's a \\ test"), "'it\\'s a \\\\ test'");
    EXPECT_EQ((*session)->quote(""), "''");

    auto status = (*session)->status("wsrep_%");
    ASSERT_TRUE(status) << status.error().what();
    EXPECT_EQ(status->at("wsrep_local_state_comment"), "Synced");
    EXPECT_EQ(status->size(), 2u);

    fake_.fail_sql_containing("DROP");
    auto failed = (*session)->execute("DROP TABLE t");
    ASSERT_FALSE(failed);
    EXPECT_NE(failed.error().message.find("You have an error in your SQL syntax"),
              std::string::npos);
  }
  EXPECT_EQ(
      fake_.calls_starting("sql"),
      (std::vector<std::string>{"sql galera-0 SELECT name, plugin, comment FROM mysql.global_priv",
                                "sql galera-0 SET GLOBAL max_connections = 10"}));
  // Destroying the session closed it on the agent.
  EXPECT_EQ(fake_.open_sql_sessions(), 0);
}

TEST_F(AgentRemote, SqlSessionsAreIndependentAndOutliveTheirClientHandle) {
  start_node();
  std::unique_ptr<SqlSession> first;
  std::unique_ptr<SqlSession> second;
  {
    auto agent = client();
    auto a = agent->open_sql("", std::chrono::seconds(3));
    auto b = agent->open_sql("", std::chrono::seconds(3));
    ASSERT_TRUE(a && b);
    first = std::move(*a);
    second = std::move(*b);
  }  // the sessions hold the client
  EXPECT_EQ(fake_.open_sql_sessions(), 2);
  ASSERT_TRUE(first->execute("SELECT 1"));
  first.reset();
  EXPECT_EQ(fake_.open_sql_sessions(), 1);
  ASSERT_TRUE(second->execute("SELECT 2"));
  second.reset();
  EXPECT_EQ(fake_.open_sql_sessions(), 0);
}

TEST_F(AgentRemote, OpenSqlOfAStoppedNodeFails) {
  auto session = client()->open_sql("", std::chrono::seconds(3));
  ASSERT_FALSE(session);
  EXPECT_EQ(session.error().code, ErrorCode::kUnavailable);
}

TEST_F(AgentRemote, AClosedSessionIsNotFound) {
  start_node();
  auto agent = client();
  auto opened =
      agent->call("sql_open", {{"node", node_}, {"rootPassword", ""}, {"timeoutSeconds", 3}});
  ASSERT_TRUE(opened) << opened.error().what();
  ASSERT_TRUE(opened->is_string());
  const std::string id = opened->get<std::string>();
  auto query = agent->call("sql_execute", {{"session", id}, {"text", "SELECT 1"}});
  ASSERT_TRUE(query) << query.error().what();
  ASSERT_TRUE(agent->call("sql_close", {{"session", id}}));
  EXPECT_EQ(fake_.open_sql_sessions(), 0);
  auto after = agent->call("sql_execute", {{"session", id}, {"text", "SELECT 1"}});
  ASSERT_FALSE(after);
  EXPECT_EQ(after.error().code, ErrorCode::kNotFound);
  auto guessed = agent->call("sql_execute", {{"session", "guess"}, {"text", "SELECT 1"}});
  ASSERT_FALSE(guessed);
  EXPECT_EQ(guessed.error().code, ErrorCode::kNotFound);
}

// --- Exits.

TEST_F(AgentRemote, ExitsReachTheOperator) {
  start_node();
  const std::string crashed_instance = fake_.process(node_).instance;
  auto agent = client();
  fake_.crash(node_);
  // Without a cursor (an operator that just started, which must not take exits it never knew
  // of for new deaths): none of the exits held, and the cursor from now.
  auto from_now = agent->wait_for_exits("", 0, [] { return false; });
  ASSERT_TRUE(from_now) << from_now.error().what();
  EXPECT_FALSE(from_now->agent_instance.empty());
  EXPECT_TRUE(from_now->exits.empty());
  // With another run's cursor: every exit this run holds.
  auto first = agent->wait_for_exits("an earlier agent", 0, [] { return false; });
  ASSERT_TRUE(first) << first.error().what();
  EXPECT_EQ(first->agent_instance, from_now->agent_instance);
  EXPECT_EQ(first->last, from_now->last);
  ASSERT_EQ(first->exits.size(), 1u);
  EXPECT_EQ(first->exits[0].instance, crashed_instance);
  EXPECT_FALSE(first->exits[0].requested);
  EXPECT_EQ(first->exits[0].id.qualified_pod(), "prod/galera-0");

  // A wait under way is answered by the next exit.
  start_node();
  const std::string stopped_instance = fake_.process(node_).instance;
  auto waiting = std::async(std::launch::async, [&] {
    return agent->wait_for_exits(first->agent_instance, first->last, [] { return false; });
  });
  ASSERT_TRUE(fake_.stop(node_, std::chrono::seconds(1)));
  ASSERT_EQ(waiting.wait_for(std::chrono::seconds(5)), std::future_status::ready);
  auto second = waiting.get();
  ASSERT_TRUE(second) << second.error().what();
  EXPECT_EQ(second->agent_instance, first->agent_instance);
  EXPECT_GT(second->last, first->last);
  ASSERT_EQ(second->exits.size(), 1u);
  EXPECT_EQ(second->exits[0].instance, stopped_instance);
  EXPECT_TRUE(second->exits[0].requested);

  // Another run's sequence gets every exit the agent holds.
  auto all = agent->wait_for_exits("an earlier agent", second->last, [] { return false; });
  ASSERT_TRUE(all) << all.error().what();
  ASSERT_EQ(all->exits.size(), 2u);
  EXPECT_EQ(all->exits[0].instance, crashed_instance);
  EXPECT_EQ(all->exits[1].instance, stopped_instance);
}

// The exits of this agent's node are never taken for another node's: a client of another
// node (an endpoint now serving another pod, say) is refused like every other call.
TEST_F(AgentRemote, ExitsAreRefusedToAClientOfAnotherNode) {
  start_node();
  fake_.crash(node_);  // an exit is held, so that a wait answers at once
  auto stranger = client(other_node_);
  auto exits = stranger->wait_for_exits("", 0, [] { return false; });
  ASSERT_FALSE(exits) << "galera-0's exit was reported to galera-1's client as "
                      << (exits && !exits->exits.empty() ? exits->exits[0].id.qualified_pod()
                                                         : std::string("nothing"));
  EXPECT_EQ(exits.error().code, ErrorCode::kInvalid);
}

// --- Latency.

// A call on a connection kept alive is a round trip on the loopback: well under a
// millisecond of work. (Without TCP_NODELAY on both ends, Nagle's algorithm holds each
// request's and each response's last segment for the peer's delayed ACK: about 45 ms per end.)
TEST_F(AgentRemote, CallsOnAKeptConnectionAreQuick) {
  auto agent = client();
  ASSERT_TRUE(agent->process());
  const auto start = steady_clock::now();
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(agent->process());
  const double per_call = seconds_since(start) / 10;
  EXPECT_LT(per_call, 0.02) << "a call took " << per_call * 1000 << " ms";
}

// --- Connections.

// The operator keeps idle connections; the agent closes one it kept alive once idle for its
// keep-alive timeout (5 s), or when it restarts. The next call must not fail for it: here a
// bare HTTPS server of the same protocol, whose keep-alive timeout is 1 s, stands for it.
TEST_F(AgentRemote, ACallAfterTheAgentClosedAnIdleConnectionSucceeds) {
  httplib::SSLServer agent_like(identities_->server.certificate.c_str(),
                                identities_->server.key.c_str(),
                                identities_->server.authority.c_str());
  agent_like.set_keep_alive_timeout(1);
  agent_like.Post("/v1/process", [](const httplib::Request&, httplib::Response& response) {
    NodeProcess process;
    process.running = true;
    process.instance = "galera-0#1";
    response.set_content(encode_frame(FrameKind::kResult, json{{"value", process}}.dump()),
                         "application/x-mdbop-agent-frames");
  });
  const int port = agent_like.bind_to_any_port("127.0.0.1");
  ASSERT_GT(port, 0);
  std::thread serving([&] { agent_like.listen_after_bind(); });
  auto agent =
      std::make_shared<AgentClient>(node_, AgentEndpoint{"127.0.0.1", port}, identities_->client);
  auto first = agent->process();
  EXPECT_TRUE(first) << first.error().what();
  // Past the keep-alive timeout, the server has closed the connection the client keeps.
  std::this_thread::sleep_for(std::chrono::milliseconds(1200));
  auto second = agent->process();
  EXPECT_TRUE(second) << second.error().what();
  auto third = agent->process();
  EXPECT_TRUE(third) << third.error().what();
  agent.reset();
  agent_like.stop();
  serving.join();
}

// --- Trust.

TEST_F(AgentRemote, AClientOfAnotherAuthorityIsRefused) {
  start_node();
  auto stranger = client(node_, identities_->client_of_other_ca);
  const auto start = steady_clock::now();
  auto refused = stranger->stop(std::chrono::seconds(1));
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, ErrorCode::kUnavailable) << refused.error().what();
  EXPECT_LT(seconds_since(start), 1.0);
  // The call never reached the node.
  EXPECT_TRUE(fake_.process(node_).running);
  EXPECT_TRUE(fake_.calls_starting("stop").empty());
  auto observed = stranger->observe("");
  ASSERT_FALSE(observed);
  EXPECT_EQ(observed.error().code, ErrorCode::kUnavailable);
}

TEST_F(AgentRemote, AnAgentsCertificateCannotDriveAnAgent) {
  // What a pod holds (its agent's key) is no client's identity: one pod cannot drive another.
  start_node();
  auto impostor = client(node_, identities_->client_as_agent);
  auto refused = impostor->stop(std::chrono::seconds(1));
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, ErrorCode::kUnavailable) << refused.error().what();
  EXPECT_TRUE(fake_.process(node_).running);
  EXPECT_TRUE(fake_.calls_starting("stop").empty());
}

TEST_F(AgentRemote, AClientRefusesAnAgentOfAnotherAuthority) {
  start_node();
  auto misled = client(node_, identities_->client_trusting_other_ca);
  auto refused = misled->stop(std::chrono::seconds(1));
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, ErrorCode::kUnavailable) << refused.error().what();
  // The request never reached the agent.
  EXPECT_TRUE(fake_.process(node_).running);
  EXPECT_TRUE(fake_.calls_starting("stop").empty());
}

TEST_F(AgentRemote, AClientWithoutACertificateIsRefused) {
  TlsFiles anonymous = identities_->client;
  anonymous.certificate = (identities_->dir / "missing.crt").string();
  anonymous.key = (identities_->dir / "missing.key").string();
  auto refused = client(node_, anonymous)->process();
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, ErrorCode::kUnavailable);
}

TEST_F(AgentRemote, AnAgentNotListeningIsUnavailableAtOnce) {
  auto nobody = std::make_shared<AgentClient>(node_, AgentEndpoint{"127.0.0.1", closed_port()},
                                              identities_->client);
  const auto start = steady_clock::now();
  auto refused = nobody->observe("");
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, ErrorCode::kUnavailable);
  EXPECT_LT(seconds_since(start), 1.0);
  EXPECT_NE(refused.error().message.find("prod/galera-0"), std::string::npos)
      << refused.error().message;
}

// The agent stops within its keep-alive timeout (5 s) while the operator keeps an idle
// connection to it (it keeps a few, and calls every second or so): well inside a pod's grace
// period.
TEST_F(AgentRemote, StopsWithinTheKeepAliveTimeoutWhileAClientKeepsAConnection) {
  auto agent = client();
  ASSERT_TRUE(agent->process());  // its connection is kept alive
  const auto start = steady_clock::now();
  server_->stop();
  auto serving = std::async(std::launch::async, [&] { serving_.join(); });
  const bool stopped = serving.wait_for(std::chrono::seconds(8)) == std::future_status::ready;
  const double took = seconds_since(start);
  agent.reset();  // closes the connection: the server can end now in any case
  serving.wait();
  server_.reset();
  EXPECT_TRUE(stopped) << "serve() still ran 8 s after stop() (an idle keep-alive connection)";
  EXPECT_LT(took, 6.5);
}

// A SIGTERM taken before serve() has begun (mdbop agent's signal thread runs from before it)
// must still stop the agent.
TEST_F(AgentRemote, StopBeforeServeIsNotLost) {
  stop_server();
  FakeNodeAgent fake;
  AgentServer server(fake, node_, identities_->server, identities_->dir);
  ASSERT_TRUE(server.bind("127.0.0.1", 0));
  server.stop();
  auto serving = std::async(std::launch::async, [&] { server.serve(); });
  const bool returned = serving.wait_for(std::chrono::seconds(2)) == std::future_status::ready;
  EXPECT_TRUE(returned) << "serve() ignored the stop() that came before it";
  if (!returned) {
    server.stop();  // serve() runs by now: this one is heard
    serving.wait();
  }
}

TEST_F(AgentRemote, AClientReconnectsToAnAgentRestartedOnItsPort) {
  const int port = port_;
  auto agent = client();
  ASSERT_TRUE(agent->process());  // a connection kept alive, then broken by the restart
  auto held = agent;
  agent.reset();
  held.reset();
  stop_server();
  server_ = std::make_unique<AgentServer>(fake_, node_, identities_->server, identities_->dir);
  auto bound = server_->bind("127.0.0.1", port);
  ASSERT_TRUE(bound) << bound.error().what();
  serving_ = std::thread([this] { server_->serve(); });
  auto again = client()->process();
  ASSERT_TRUE(again) << again.error().what();
}

TEST(AgentRemoteServer, BindFailsWithoutReadableTlsFiles) {
  FakeNodeAgent fake;
  AgentServer server(fake, NodeId{"prod", "galera", 0},
                     TlsFiles{"/nonexistent/a.crt", "/nonexistent/a.key", "/nonexistent/ca.crt"},
                     "/nonexistent");
  auto bound = server.bind("127.0.0.1", 0);
  ASSERT_FALSE(bound);
}

}  // namespace
}  // namespace mdbop
