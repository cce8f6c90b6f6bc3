// The replay a restore to a moment is built on, measured on real servers: a 1-node Galera
// cluster's binary log is followed into segments (BinlogSegmenter), planned and trimmed to a GTID
// target (plan_binlog_replay, trim_binlog_segment), read alone by mariadb-binlog, and replayed
// with `mariadb-binlog FILES | mariadb` into a server started without Galera
// (wsrep_provider=none) but with log_bin. With wsrep_gtid_mode=OFF the server keeps the replayed
// transactions' GTIDs (with it ON, most land in the server's own domain: measured below);
// bootstrapped as a new Galera cluster with mdbop's GTID settings, it gives the next write the
// next GTID of domain 0, in a new history.
#include <gtest/gtest.h>
#include <signal.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <mutex>
#include <thread>

#include "backup/binlog_replay_plan.h"
#include "backup/binlog_segment.h"
#include "backup/binlog_trim.h"
#include "backup/client_options.h"
#include "binlog_capture.h"
#include "harness.h"
#include "sql/binlog_stream.h"
#include "util/subprocess.h"

namespace mdbop::testing {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

constexpr const char* kPassword = "Integration-Secret-42";
constexpr std::uint32_t kFollowerServerId = 4000000002u;

// A standalone mariadbd on a data directory of its own, with mdbop's binary-log and GTID
// settings (galera/node_config.cc) and a Galera provider on loopback ports of its own.
class ReplayServer {
 public:
  explicit ReplayServer(fs::path dir) : dir_(std::move(dir)) {
    fs::create_directories(dir_ / "data");
    const int sql_port = free_loopback_port(30000, 31999);
    const int galera_port = free_loopback_port(32000, 32299);
    const int ist_port = free_loopback_port(32300, 32599);
    std::ofstream(config()) << "[mariadbd]\n"
                            << "datadir=" << (dir_ / "data").string() << "\n"
                            << "socket=" << socket() << "\n"
                            << "port=" << sql_port << "\n"
                            << "bind_address=127.0.0.1\n"
                            << "pid_file=" << (dir_ / "mariadbd.pid").string() << "\n"
                            << "log_error=" << (dir_ / "error.log").string() << "\n"
                            << "binlog_format=ROW\n"
                            << "innodb_autoinc_lock_mode=2\n"
                            << "innodb_buffer_pool_size=128M\n"
                            << "performance_schema=OFF\n"
                            << "server_id=1\n"
                            << "wsrep_gtid_domain_id=0\n"
                            << "log_bin=mariadb-bin\n"
                            << "log_slave_updates=ON\n"
                            << "gtid_domain_id=1000\n"
                            << "wsrep_on=ON\n"
                            << "wsrep_gtid_mode=ON\n"
                            << "wsrep_provider=/usr/lib/galera/libgalera_smm.so\n"
                            << "wsrep_cluster_address=gcomm://\n"
                            << "wsrep_node_address=127.0.0.1:" << galera_port << "\n"
                            << "wsrep_provider_options=\"gmcast.listen_addr=tcp://127.0.0.1:"
                            << galera_port << ";ist.recv_addr=127.0.0.1:" << ist_port << "\"\n";
  }
  ~ReplayServer() { stop(); }

  Result<SubprocessResult> install() {
    return run_process({.argv = {"mariadb-install-db", "--defaults-file=" + config(), "--user=root",
                                 "--auth-root-authentication-method=socket"}});
  }
  // Starts mariadbd with `extra` options and waits until it takes connections.
  Result<SqlConnection> start(const std::vector<std::string>& extra) {
    SubprocessOptions server;
    server.argv = {"mariadbd", "--defaults-file=" + config(), "--user=root"};
    server.argv.insert(server.argv.end(), extra.begin(), extra.end());
    auto pid = spawn_detached(server);
    if (!pid) return tl::unexpected(pid.error());
    pid_ = *pid;
    std::optional<SqlConnection> connection;
    eventually(
        [&] {
          if (!process_alive(pid_)) return true;
          auto connected = SqlConnection::connect(endpoint());
          if (connected) connection.emplace(std::move(*connected));
          return connected.has_value();
        },
        120s);
    if (!connection) return fail("mariadbd did not take connections; see " + error_log());
    return std::move(*connection);
  }
  void stop() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGTERM);
    eventually(
        [&] {
          reap_if_exited(pid_);
          return !process_alive(pid_);
        },
        120s);
    if (process_alive(pid_)) ::kill(pid_, SIGKILL);
    reap_if_exited(pid_);
    pid_ = 0;
  }

  SqlEndpoint endpoint() const {
    SqlEndpoint endpoint;
    endpoint.socket = socket();
    endpoint.timeout = 10s;
    return endpoint;
  }
  std::string config() const { return (dir_ / "my.cnf").string(); }
  std::string socket() const { return (dir_ / "mariadbd.sock").string(); }
  std::string error_log() const { return (dir_ / "error.log").string(); }
  const fs::path& dir() const { return dir_; }

 private:
  fs::path dir_;
  pid_t pid_ = 0;
};

// Plans the replay from `base` to `target`, trims each planned segment into a file of its own
// that mariadb-binlog reads alone (checksums verified), and pipes `mariadb-binlog FILES` into
// the server's `mariadb` client as root over its socket. Returns the last replayed GTID.
Gtid replay(SegmentCollector& archive, const Gtid& base, const Gtid& target, ReplayServer& server,
            const std::string& step) {
  auto plan = plan_binlog_replay(archive.names(), base, GtidReplayTarget{target});
  if (!plan) throw std::runtime_error(plan.error().what());
  if (plan->segments.empty()) throw std::runtime_error(step + ": nothing planned");
  std::cout << step << ": " << base.text() << " -> " << target.text() << " over "
            << plan->segments.size() << " segments, the first "
            << plan->segments.front().first_sequence << "-" << plan->segments.front().last_sequence
            << "\n";
  std::vector<std::string> argv = {"mariadb-binlog"};
  std::optional<Gtid> last;
  int index = 0;
  for (const BinlogSegmentName& name : plan->segments) {
    auto trimmed = trim_binlog_segment(archive.bytes(name), plan->range);
    if (!trimmed) throw std::runtime_error(trimmed.error().what());
    if (trimmed->last_gtid) last = trimmed->last_gtid;
    const fs::path file = server.dir() / (step + "-" + std::to_string(index++) + ".binlog");
    std::ofstream(file, std::ios::binary) << trimmed->bytes;
    auto read =
        run_process({.argv = {"mariadb-binlog", "--verify-binlog-checksum", file.string()}});
    if (!read || !read->ok()) {
      throw std::runtime_error("mariadb-binlog " + file.string() + ": " +
                               (read ? read->describe() : read.error().what()));
    }
    argv.push_back(file.string());
  }
  const fs::path options = server.dir() / "client.cnf";
  if (auto written = write_client_options(options, server.socket(), ""); !written) {
    throw std::runtime_error(written.error().what());
  }
  auto client = ProcessInputSink::start(
      {.argv = {"mariadb", "--defaults-extra-file=" + options.string(), "--batch"}});
  if (!client) throw std::runtime_error(client.error().what());
  auto decoded = run_process_to_sink({.argv = argv}, **client);
  if (!decoded || !decoded->ok()) {
    throw std::runtime_error("mariadb-binlog: " +
                             (decoded ? decoded->describe() : decoded.error().what()));
  }
  if (auto finished = (*client)->finish(); !finished) {
    throw std::runtime_error("mariadb: " + finished.error().what());
  }
  if (!last) throw std::runtime_error(step + ": no transaction kept");
  return *last;
}

TEST(BinlogReplay, ReplayedOutsideGaleraKeepsItsGtidsAndAGaleraBootstrapContinuesThem) {
  Installation mdbop;
  ASSERT_GT(mdbop.start_operator(), 0);
  mdbop.apply(galera_manifest("g", 1, kPassword));
  mdbop.wait_ready("g");
  SqlConnection writer = mdbop.connect("g", 0, kPassword);
  const Gtid start = cluster_gtid(single_value(writer, "SELECT @@gtid_binlog_pos"));
  const std::string history =
      writer.status("wsrep_cluster_state_uuid")->at("wsrep_cluster_state_uuid");

  SegmentCollector archive(history, start, kFollowerServerId);
  SqlEndpoint node;
  node.port = mdbop.pods("g").at(0)["status"]["ports"]["sql"];
  node.password = kPassword;
  node.timeout = 5s;
  std::optional<Result<bool>> followed;
  std::thread follower([&] { followed = archive.follow(node); });

  // The schema, then 200 rows, one transaction each: start+1 .. start+202.
  ASSERT_TRUE(writer.execute(
      "CREATE DATABASE pitr; CREATE TABLE pitr.replayed (id INT PRIMARY KEY, payload TEXT)"));
  for (int id = 1; id <= 200; ++id) {
    ASSERT_TRUE(writer.execute("INSERT INTO pitr.replayed VALUES (" + std::to_string(id) +
                               ", REPEAT('x', 100))"));
  }
  const Gtid written = cluster_gtid(single_value(writer, "SELECT @@gtid_binlog_pos"));
  ASSERT_EQ(written.sequence, start.sequence + 202);
  EXPECT_TRUE(eventually([&] { return archive.last_sequence() == written.sequence; }, 30s))
      << "archived up to " << archive.last_sequence();
  archive.stop();
  follower.join();
  ASSERT_TRUE(followed && *followed) << (followed ? followed->error().what() : "not followed");

  // The base: the schema and the first rows, up to a segment's first GTID, so that the replay
  // after it begins inside that segment.
  const std::uint64_t middle = start.sequence + 60;
  std::uint64_t base_sequence = 0;
  for (const auto& name : archive.names()) {
    if (name.first_sequence <= middle && middle <= name.last_sequence) {
      base_sequence = name.first_sequence;
    }
  }
  ASSERT_GT(base_sequence, start.sequence + 2);
  const Gtid base{0, 1, base_sequence};
  const Gtid target{0, 1, start.sequence + 150};

  // Measured: with wsrep_gtid_mode=ON, even without a provider, only the transaction right after
  // a `SET @@session.gtid_domain_id` (mariadb-binlog writes one at each file's first GTID) keeps
  // its domain; the next ones get the server's own gtid_domain_id (1000) with their original
  // sequence numbers.
  {
    ReplayServer trap(mdbop.home() / "replay-gtid-mode-on");
    auto installed = trap.install();
    ASSERT_TRUE(installed && installed->ok())
        << (installed ? installed->describe() : installed.error().what());
    auto started = trap.start({"--wsrep-provider=none"});
    ASSERT_TRUE(started) << started.error().what();
    EXPECT_EQ(replay(archive, start, base, trap, "base"), base);
    const std::string position = single_value(*started, "SELECT @@gtid_binlog_pos");
    std::cout << "replayed with wsrep_gtid_mode=ON and no provider: gtid_binlog_pos " << position
              << "\n";
    EXPECT_NE(position.find(",1000-1-"), std::string::npos) << position;
    trap.stop();
  }

  ReplayServer server(mdbop.home() / "replay");
  auto installed = server.install();
  ASSERT_TRUE(installed && installed->ok())
      << (installed ? installed->describe() : installed.error().what());

  // Without Galera and without wsrep_gtid_mode, with log_bin: the replayed transactions keep
  // their GTIDs.
  {
    auto started = server.start({"--wsrep-provider=none", "--wsrep-gtid-mode=OFF"});
    ASSERT_TRUE(started) << started.error().what();
    EXPECT_EQ(replay(archive, start, base, server, "base"), base);
    EXPECT_EQ(single_value(*started, "SELECT @@gtid_binlog_pos"), base.text());

    EXPECT_EQ(replay(archive, base, target, server, "target"), target);
    const std::string replayed_position = single_value(*started, "SELECT @@gtid_binlog_pos");
    std::cout << "without Galera after the replay: gtid_binlog_pos " << replayed_position
              << ", gtid_current_pos " << single_value(*started, "SELECT @@gtid_current_pos")
              << ", wsrep_on " << single_value(*started, "SELECT @@wsrep_on") << "\n";
    EXPECT_EQ(replayed_position, target.text());
    EXPECT_EQ(single_value(*started, "SELECT COUNT(*) FROM pitr.replayed"),
              std::to_string(150 - 2));
    EXPECT_EQ(single_value(*started, "SELECT MAX(id) FROM pitr.replayed"), std::to_string(148));
    server.stop();
  }

  // The same data bootstrapped as a new Galera cluster, as mdbop starts its first node.
  auto bootstrapped = server.start({"--wsrep-new-cluster"});
  ASSERT_TRUE(bootstrapped) << bootstrapped.error().what();
  EXPECT_TRUE(eventually(
      [&] {
        auto ready = bootstrapped->status("wsrep_ready");
        return ready && ready->count("wsrep_ready") && ready->at("wsrep_ready") == "ON";
      },
      60s));
  const std::string before_write = single_value(*bootstrapped, "SELECT @@gtid_binlog_pos");
  auto inserted =
      bootstrapped->query("INSERT INTO pitr.replayed VALUES (1000, 'after'); SELECT @@last_gtid");
  ASSERT_TRUE(inserted && !inserted->rows.empty())
      << (inserted ? "no GTID" : inserted.error().what());
  const std::string next = *inserted->rows[0][0];
  auto wsrep = bootstrapped->status("wsrep_%");
  ASSERT_TRUE(wsrep) << wsrep.error().what();
  std::cout << "Galera bootstrap: gtid_binlog_pos before the write " << before_write
            << ", the write's GTID " << next << ", wsrep_last_committed "
            << (*wsrep)["wsrep_last_committed"] << ", gtid_binlog_pos after "
            << single_value(*bootstrapped, "SELECT @@gtid_binlog_pos") << ", history "
            << (*wsrep)["wsrep_cluster_state_uuid"] << " (archived: " << history << ")\n";
  EXPECT_EQ(next, (Gtid{0, 1, start.sequence + 151}.text()));
  // A new history: archiving after the restore writes under another folder.
  EXPECT_NE((*wsrep)["wsrep_cluster_state_uuid"], history);
  server.stop();
}

}  // namespace
}  // namespace mdbop::testing
