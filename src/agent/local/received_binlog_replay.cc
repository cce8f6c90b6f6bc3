#include "agent/local/received_binlog_replay.h"

#include <signal.h>

#include <fstream>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "galera/node_config.h"
#include "sql/connection.h"
#include "util/subprocess.h"

namespace mdbop {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

// mariadb-binlog reads this many files (or this many bytes) per run: few processes for the
// hundreds of thousands of segments of a day, bounded scratch space.
constexpr std::size_t kFilesPerBatch = 256;
constexpr std::size_t kBytesPerBatch = std::size_t{256} << 20;
// A prepared backup needs no crash recovery: the server answers in seconds. Large buffer pools
// and slow disks get this long.
constexpr auto kServerStartTimeout = 300s;
constexpr auto kServerStopTimeout = 300s;

// The scratch directory is ours and only passable for the node user: the config and the
// server's output file in it are ours; server/ is the node user's (socket, pid file, and the
// only directory its SQL may read or write files in); files/ (the binary-log files) is ours
// alone, so that no process of the node user can plant anything where we write.
fs::path server_dir(const ReceivedBinlogReplay& replay) { return replay.scratch / "server"; }
fs::path files_dir(const ReceivedBinlogReplay& replay) { return replay.scratch / "files"; }
fs::path output_file(const ReceivedBinlogReplay& replay) { return replay.scratch / "server.out"; }

std::string server_options(const ReceivedBinlogReplay& replay) {
  // Only the socket reaches it; Galera, replication and events stay off, so that nothing but the
  // replay writes; the replayed transactions keep the GTIDs mariadb-binlog sets for each, which
  // must follow each other (gtid_strict_mode). Its log goes to its standard error (our file).
  return fmt::format(
      "[mariadbd]\n"
      "datadir={}\n"
      "socket={}\n"
      "pid_file={}\n"
      "secure_file_priv={}\n"
      "local_infile=0\n"
      "wait_timeout=31536000\n"
      "gtid_strict_mode=ON\n"
      "skip_networking\n"
      "skip_grant_tables\n"
      "skip_slave_start\n"
      "event_scheduler=OFF\n"
      "performance_schema=OFF\n"
      "wsrep_on=OFF\n"
      "wsrep_provider=none\n"
      "wsrep_gtid_mode=OFF\n"
      "log_bin={}\n"
      "binlog_format=ROW\n"
      // No sync per replayed commit: the replay ends with a clean shutdown, which writes
      // everything, and a replay that fails is thrown away.
      "innodb_flush_log_at_trx_commit=0\n"
      "sync_binlog=0\n",
      replay.data.string(), (server_dir(replay) / "mysqld.sock").string(),
      (server_dir(replay) / "mariadbd.pid").string(), (server_dir(replay) / "files").string(),
      kBinaryLogName);
}

// For a start that failed: the last few of the server's own [ERROR] lines, else the last lines
// it (or setpriv before it) wrote.
std::string start_failure(const ReceivedBinlogReplay& replay) {
  const auto last_lines = [&](bool errors_only) {
    std::ifstream in(output_file(replay));
    std::vector<std::string> lines;
    for (std::string line; std::getline(in, line);) {
      if (!errors_only || line.find("[ERROR]") != std::string::npos) lines.push_back(line);
    }
    std::string text;
    for (std::size_t i = lines.size() > 3 ? lines.size() - 3 : 0; i < lines.size(); ++i) {
      text += (text.empty() ? "" : "; ") + lines[i];
    }
    return text;
  };
  if (std::string errors = last_lines(true); !errors.empty()) return errors;
  if (std::string output = last_lines(false); !output.empty()) return output;
  return "it said nothing";
}

// The replay server, stopped when it goes out of scope.
class ReplayServer {
 public:
  ~ReplayServer() {
    if (pid_ > 0) stop();
  }

  Result<void> start(const ReceivedBinlogReplay& replay) {
    const fs::path config = replay.scratch / "replay.cnf";
    std::ofstream(config) << server_options(replay);
    std::error_code ec;
    fs::permissions(config,
                    fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read |
                        fs::perms::others_read,
                    ec);
    fs::create_directories(server_dir(replay) / "files", ec);
    fs::permissions(server_dir(replay), fs::perms::owner_all, ec);
    fs::permissions(server_dir(replay) / "files", fs::perms::owner_all, ec);
    if (ec) return fail("cannot prepare " + server_dir(replay).string() + ": " + ec.message());
    if (auto given = hand_over(server_dir(replay), replay.user); !given) {
      return tl::unexpected(given.error());
    }
    if (auto given = hand_over(replay.data, replay.user); !given) {
      return tl::unexpected(given.error());
    }
    SubprocessOptions server;
    // --datadir on the command line too: a killed operator's leftover is found by it.
    server.argv = run_as(replay.user, {"mariadbd", "--defaults-file=" + config.string(),
                                       "--datadir=" + replay.data.string()});
    server.output_file = output_file(replay).string();
    auto pid = spawn_detached(server);
    if (!pid) return tl::unexpected(pid.error());
    pid_ = *pid;
    socket_ = (server_dir(replay) / "mysqld.sock").string();
    const auto deadline = std::chrono::steady_clock::now() + kServerStartTimeout;
    for (;;) {
      auto connection = connect();
      if (connection) return {};
      reap_if_exited(pid_);
      if (!process_alive(pid_)) {
        pid_ = 0;
        return fail("the replay server on " + replay.data.string() +
                    " did not start: " + start_failure(replay));
      }
      if (std::chrono::steady_clock::now() > deadline) {
        return fail(fmt::format("the replay server on {} did not answer within {}s: {}",
                                replay.data.string(), kServerStartTimeout.count(),
                                start_failure(replay)));
      }
      std::this_thread::sleep_for(200ms);
    }
  }

  Result<SqlConnection> connect() const {
    SqlEndpoint endpoint;
    endpoint.socket = socket_;
    return SqlConnection::connect(endpoint);
  }
  const std::string& socket() const { return socket_; }

  // A clean stop, so that the data needs no crash recovery when a node starts on it.
  Result<void> stop() {
    ::kill(pid_, SIGTERM);
    const auto deadline = std::chrono::steady_clock::now() + kServerStopTimeout;
    while (std::chrono::steady_clock::now() < deadline) {
      reap_if_exited(pid_);
      if (!process_alive(pid_)) {
        pid_ = 0;
        return {};
      }
      std::this_thread::sleep_for(100ms);
    }
    ::kill(pid_, SIGKILL);
    pid_ = 0;
    return fail(fmt::format("the replay server did not stop within {}s and was killed",
                            kServerStopTimeout.count()));
  }

 private:
  pid_t pid_ = 0;
  std::string socket_;
};

// Runs mariadb-binlog over the batch's files into the client; kCorrupt names the files' places.
Result<void> replay_batch(const std::vector<fs::path>& files, std::size_t first_index,
                          ByteSink& client, const std::function<bool()>& should_stop) {
  SubprocessOptions reader;
  reader.argv = {"mariadb-binlog", "--no-defaults", "--verify-binlog-checksum"};
  for (const fs::path& file : files) reader.argv.push_back(file.string());
  reader.timeout = std::chrono::hours(24);
  const std::string which = fmt::format("binary-log files {}-{} of the replay", first_index + 1,
                                        first_index + files.size());
  auto read = run_process_to_sink(reader, client, should_stop);
  if (!read) {
    if (should_stop && should_stop()) return fail(ErrorCode::kUnavailable, "replay stopped");
    return fail(ErrorCode::kCorrupt, which + ": " + read.error().message);
  }
  if (!read->ok()) return fail(ErrorCode::kCorrupt, which + ": mariadb-binlog " + read->describe());
  for (const fs::path& file : files) fs::remove(file);
  return {};
}

Result<std::string> replay_with_server(
    const ReceivedBinlogReplay& replay, ReplayServer& server,
    const std::function<Result<std::optional<std::string>>()>& next_file,
    const std::function<bool()>& should_stop) {
  // Opened first: once the replay session loads the grant tables, root needs the data's own
  // password, which is not ours.
  auto connection = server.connect();
  if (!connection) return tl::unexpected(connection.error());
  SubprocessOptions client;
  // Binary-log text is data: --sandbox refuses the client's own commands (`\!`, `source`).
  client.argv = {"mariadb",     "--no-defaults", "--socket=" + server.socket(),
                 "--user=root", "--batch",       "--binary-mode",
                 "--sandbox"};
  auto session = ProcessInputSink::start(client);
  if (!session) return tl::unexpected(session.error());
  // Grant tables load for this session's CREATE USER and GRANT, and the load itself stays out
  // of the binary log: it is no transaction of the archive.
  if (auto loaded = (*session)->write("FLUSH NO_WRITE_TO_BINLOG PRIVILEGES;\n"); !loaded) {
    return tl::unexpected(loaded.error());
  }
  std::vector<fs::path> batch;
  std::size_t batch_bytes = 0;
  std::size_t replayed = 0;
  for (bool more = true; more;) {
    if (should_stop && should_stop()) return fail(ErrorCode::kUnavailable, "replay stopped");
    auto file = next_file();
    if (!file) return tl::unexpected(file.error());
    more = file->has_value();
    if (more) {
      batch.push_back(files_dir(replay) / fmt::format("{:08}.binlog", replayed + batch.size()));
      std::ofstream out(batch.back(), std::ios::binary);
      out.write((*file)->data(), static_cast<std::streamsize>((*file)->size()));
      if (!out.flush()) return fail("cannot write " + batch.back().string());
      batch_bytes += (*file)->size();
    }
    if (!batch.empty() &&
        (!more || batch.size() >= kFilesPerBatch || batch_bytes >= kBytesPerBatch)) {
      if (auto done = replay_batch(batch, replayed, **session, should_stop); !done) {
        return tl::unexpected(done.error());
      }
      replayed += batch.size();
      batch.clear();
      batch_bytes = 0;
    }
  }
  if (auto finished = (*session)->finish(); !finished) {
    return fail(ErrorCode::kCorrupt, "replaying the binary log: " + finished.error().message);
  }
  auto position = connection->query("SELECT @@gtid_binlog_pos");
  if (!position) return tl::unexpected(position.error());
  if (position->rows.empty() || !position->rows[0][0]) return std::string();
  return *position->rows[0][0];
}

}  // namespace

Result<GaleraPosition> recover_received_position(const ReceivedBinlogReplay& replay) {
  std::error_code ec;
  fs::remove_all(replay.scratch, ec);
  if (auto made = make_passable(replay.scratch, replay.user); !made) {
    return tl::unexpected(made.error());
  }
  Result<GaleraPosition> position = [&]() -> Result<GaleraPosition> {
    fs::create_directories(server_dir(replay), ec);
    fs::permissions(server_dir(replay), fs::perms::owner_all, ec);
    if (ec) return fail("cannot prepare " + server_dir(replay).string() + ": " + ec.message());
    for (const fs::path& owned : {server_dir(replay), replay.data}) {
      if (auto given = hand_over(owned, replay.user); !given) return tl::unexpected(given.error());
    }
    // Galera's recovery needs the provider and a cluster address to run (it joins nothing:
    // the server ends after reading the position), and wsrep_gtid_mode for the GTID. Without
    // --log-error its log is its standard error, which we read from the pipe: no file of the
    // node user's is opened by us.
    SubprocessOptions recover;
    recover.argv =
        run_as(replay.user,
               {"mariadbd", "--no-defaults", "--datadir=" + replay.data.string(),
                "--socket=" + (server_dir(replay) / "mysqld.sock").string(),
                "--pid-file=" + (server_dir(replay) / "mariadbd.pid").string(), "--skip-networking",
                "--wsrep-on=ON", std::string("--wsrep-provider=") + kGaleraLibrary,
                "--wsrep-cluster-address=gcomm://", "--wsrep-gtid-mode=ON", "--binlog-format=ROW",
                "--wsrep-recover"});
    recover.timeout = kServerStartTimeout;
    auto result = run_process(recover);
    if (!result) return tl::unexpected(result.error());
    auto recovered = parse_recovered_position(result->stderr_tail);
    if (!recovered) {
      return fail("mariadbd --wsrep-recover on " + replay.data.string() + " found no position (" +
                  result->describe() + "): " + recovered.error().message);
    }
    return recovered;
  }();
  fs::remove_all(replay.scratch, ec);
  return position;
}

Result<std::string> replay_received_binlog(
    const ReceivedBinlogReplay& replay,
    const std::function<Result<std::optional<std::string>>()>& next_file,
    const std::function<bool()>& should_stop) {
  std::error_code ec;
  fs::remove_all(replay.scratch, ec);
  if (auto made = make_passable(replay.scratch, replay.user); !made) {
    return tl::unexpected(made.error());
  }
  // The binary-log files are the database's data: ours alone.
  fs::create_directories(files_dir(replay), ec);
  fs::permissions(files_dir(replay), fs::perms::owner_all, ec);
  if (ec) return fail("cannot create " + files_dir(replay).string() + ": " + ec.message());
  Result<std::string> position = [&]() -> Result<std::string> {
    ReplayServer server;
    if (auto started = server.start(replay); !started) return tl::unexpected(started.error());
    auto replayed = replay_with_server(replay, server, next_file, should_stop);
    if (!replayed) return replayed;
    if (auto stopped = server.stop(); !stopped) return tl::unexpected(stopped.error());
    return replayed;
  }();
  fs::remove_all(replay.scratch, ec);
  return position;
}

}  // namespace mdbop
