#include "agent/local/local_agent.h"

#include <signal.h>

#include "agent/local/local_backup_stream.h"
#include "agent/local/prepare_failure.h"
#include "agent/local/received_binlog_replay.h"
#include "agent/remote/wire.h"
#include "api/mariabackup_options.h"
#include "backup/client_options.h"
#include "galera/node_config.h"
#include "runtime/local/data_lineage.h"
#include "runtime/local/data_transfer.h"
#include "util/files.h"
#include "util/random_password.h"
#include "util/sha256.h"
#include "util/subprocess.h"
#include "util/terminal_sinks.h"

namespace mdbop {

namespace fs = std::filesystem;

namespace {

NodeAddress address_of(const NodeLayout& layout) {
  return {layout.address,   layout.ports.sql, layout.ports.galera,
          layout.ports.ist, layout.ports.sst, layout.ports.metrics};
}

// A sink that replays into `mariadb` and removes its scratch directory (which holds the
// credentials) when it is done with.
class ReplaySink : public ByteSink {
 public:
  ReplaySink(std::unique_ptr<ByteSink> client, fs::path scratch)
      : client_(std::move(client)), scratch_(std::move(scratch)) {}
  ~ReplaySink() override {
    client_.reset();
    std::error_code ignored;
    fs::remove_all(scratch_, ignored);
  }
  Result<void> write(std::string_view bytes) override { return client_->write(bytes); }
  Result<void> finish() override { return client_->finish(); }

 private:
  std::unique_ptr<ByteSink> client_;
  fs::path scratch_;
};

}  // namespace

LocalAgent::LocalAgent(fs::path home, PortRange ports, std::optional<PodPlace> pod)
    : home_(home), runtime_(std::move(home), ports, std::move(pod)) {}

Result<NodeAddress> LocalAgent::place(const NodeId& id, const nlohmann::json&) {
  auto layout = runtime_.ensure_layout(id);
  if (!layout) return tl::unexpected(layout.error());
  return address_of(*layout);
}

std::vector<int> LocalAgent::placed_indices(const std::string& namespace_,
                                            const std::string& mariadb) {
  return runtime_.node_indices(namespace_, mariadb);
}

Result<bool> LocalAgent::remove(const NodeId& id, bool purge) {
  wsrep_.forget(id.qualified_pod());
  return runtime_.remove(id, purge);
}

NodeProcess LocalAgent::process(const NodeId& id) {
  NodeProcess process;
  auto layout = runtime_.find_layout(id);
  if (!layout) return process;
  auto pid = runtime_.running_pid(id);
  process.details = {{"pid", pid ? nlohmann::json(*pid) : nlohmann::json(nullptr)},
                     {"dataDir", layout->data_dir},
                     {"socket", layout->socket}};
  if (!pid) return process;
  process.running = true;
  process.instance = std::to_string(*pid);
  if (auto stat = process_stat(*pid)) process.running_for = stat->age;
  exits_.watch(id, *pid);
  return process;
}

NodeSnapshot LocalAgent::observe(const NodeId& id, const std::string& root_password) {
  NodeSnapshot seen;
  if (auto layout = runtime_.find_layout(id)) seen.address = address_of(*layout);
  seen.process = process(id);
  seen.data_present = runtime_.data_present(id);
  seen.sst_in_progress = runtime_.sst_in_progress(id);
  if (auto grastate = runtime_.read_grastate(id)) seen.grastate = *grastate;
  seen.exporter_running = runtime_.running_exporter_pid(id).has_value();
  if (seen.process.running) {
    seen.waiting_for_donor = seen.sst_in_progress && runtime_.sst_waiting_for_donor(id);
    wsrep_.observe(id.qualified_pod(), seen.process.instance, sql_endpoint(id, root_password),
                   seen.wsrep);
  }
  return seen;
}

void LocalAgent::watch_exits(std::function<void(const NodeExit&)> on_exit) {
  exits_.set_handler(std::move(on_exit));
}

std::string LocalAgent::startup_failure(const NodeId& id) { return runtime_.startup_failure(id); }

Result<std::string> LocalAgent::read_error_log(const NodeId& id, std::uint64_t from) {
  auto layout = runtime_.find_layout(id);
  if (!layout) return fail("pod " + id.pod() + " not found in namespace " + id.namespace_);
  auto text = read_file(layout->error_log);
  if (!text || text->size() <= from) return std::string();
  return text->substr(from);
}

SqlEndpoint LocalAgent::sql_endpoint(const NodeId& id, const std::string& root_password) {
  SqlEndpoint endpoint;
  if (auto layout = runtime_.find_layout(id)) {
    endpoint.socket = layout->socket;
    endpoint.port = layout->ports.sql;
  }
  endpoint.password = root_password;
  return endpoint;
}

Result<std::unique_ptr<SqlSession>> LocalAgent::open_sql(const NodeId& id,
                                                         const std::string& root_password,
                                                         std::chrono::seconds timeout) {
  SqlEndpoint endpoint = sql_endpoint(id, root_password);
  endpoint.timeout = timeout;
  auto connection = SqlConnection::connect(endpoint);
  if (!connection) return tl::unexpected(connection.error());
  return std::unique_ptr<SqlSession>(std::make_unique<SqlConnection>(std::move(*connection)));
}

Result<bool> LocalAgent::render_config(const NodeId& id, const ClusterConfig& config) {
  auto self = runtime_.find_layout(id);
  if (!self) return fail(id.pod() + " lost its layout (layout.json unreadable)");
  NodeConfigInput input;
  input.spec = &config.spec;
  input.self = *self;
  if (config.peer_addresses.size() != config.peers.size()) {
    return fail("the cluster's configuration has " + std::to_string(config.peers.size()) +
                " peers but " + std::to_string(config.peer_addresses.size()) + " addresses");
  }
  for (size_t i = 0; i < config.peers.size(); ++i) {
    NodeLayout member;
    member.id = config.peers[i];
    member.address = config.peer_addresses[i].host;
    member.ports.galera = config.peer_addresses[i].galera_port;
    input.members.push_back(member);
  }
  input.cluster_name = config.cluster_name;
  input.sst_password = config.sst_password;
  input.my_cnf = config.my_cnf;
  return runtime_.write_config(id, render_node_config(input).content);
}

Result<bool> LocalAgent::configure(const NodeId& id, const ClusterConfig& config) {
  if (auto rendered = render_config(id, config); !rendered) return rendered;
  return runtime_.save_cluster_config(id, nlohmann::json(config).dump());
}

std::optional<ClusterConfig> LocalAgent::saved_config(const NodeId& id) {
  auto text = runtime_.saved_cluster_config(id);
  if (!text) return std::nullopt;
  auto config = decode_wire<ClusterConfig>(nlohmann::json::parse(*text, nullptr, false));
  if (!config) return std::nullopt;
  return *config;
}

Result<NodeAgent::Started> LocalAgent::start(const NodeId& id, StartMode mode, NodeAccess access,
                                             const std::string& sst_donor) {
  Started started;
  auto reclaimed = runtime_.reclaim_ports(id);
  if (!reclaimed) return tl::unexpected(reclaimed.error());
  // Rendered again from the last configuration: where the node listens may have changed since
  // (ports moved just now; a new pod's address), and unchanged options are not rewritten.
  const std::optional<ClusterConfig> config = saved_config(id);
  if (*reclaimed && !config) return fail(id.pod() + " moved to new ports before it was configured");
  if (config) {
    if (auto rendered = render_config(id, *config); !rendered) {
      return tl::unexpected(rendered.error());
    }
  }
  started.ports_moved = *reclaimed;
  ServerStart how;
  how.new_cluster = mode == StartMode::kNewCluster;
  how.sst_donor = sst_donor;
  how.skip_networking = access != NodeAccess::kNetwork;
  how.skip_grant_tables = access == NodeAccess::kSocketOnlyWithoutGrants;
  auto pid = runtime_.start(id, how);
  if (!pid) return tl::unexpected(pid.error());
  exits_.watch(id, *pid);
  started.instance = std::to_string(*pid);
  return started;
}

Result<bool> LocalAgent::stop(const NodeId& id, std::chrono::seconds grace) {
  if (auto pid = runtime_.running_pid(id)) exits_.expect_exit(id, *pid);
  return runtime_.stop(id, grace);
}

Result<bool> LocalAgent::run_exporter(const NodeId& id, const ExporterCredentials& credentials) {
  return runtime_.run_exporter(id, credentials.user, credentials.password);
}

Result<bool> LocalAgent::stop_exporter(const NodeId& id) { return runtime_.stop_exporter(id); }

Result<GaleraPosition> LocalAgent::recover_position(const NodeId& id) {
  return runtime_.recover_position(id);
}

Result<bool> LocalAgent::write_grastate(const NodeId& id, const GraState& state) {
  return runtime_.write_grastate(id, state);
}

Result<bool> LocalAgent::initialize_data(const NodeId& id) { return runtime_.initialize_data(id); }

Result<bool> LocalAgent::copy_data(const NodeId& from, const NodeId& to) {
  return runtime_.copy_data(from, to);
}

Result<bool> LocalAgent::wipe_data(const NodeId& id) { return runtime_.wipe_data(id); }

Result<bool> LocalAgent::send_data(const NodeId& id, ByteSink& out) {
  return runtime_.send_data(id, out);
}

Result<std::unique_ptr<ByteSink>> LocalAgent::take_data(const NodeId& id) {
  return runtime_.take_data(id);
}

Result<bool> LocalAgent::set_aside_data(const NodeId& id, const std::string& tag) {
  return runtime_.set_aside_data(id, tag);
}

Result<bool> LocalAgent::return_aside_data(const NodeId& id, const std::string& tag) {
  return runtime_.return_aside_data(id, tag);
}

Result<bool> LocalAgent::discard_aside_data(const NodeId& id, const std::string& tag) {
  return runtime_.discard_aside_data(id, tag);
}

std::string LocalAgent::describe_aside(const NodeId& id, const std::string& tag) {
  return runtime_.aside_data_location(id, tag);
}

fs::path LocalAgent::backup_scratch(const std::string& namespace_, const std::string& run) const {
  return home_ / "tmp" / ("backup-" + namespace_ + "-" + run);
}

Result<BackupSourceFacts> LocalAgent::stream_backup(const NodeId& id,
                                                    const BackupStreamRequest& request,
                                                    ByteSink& out,
                                                    const std::function<bool()>& should_stop) {
  auto layout = runtime_.find_layout(id);
  if (!layout) return fail(id.pod() + " has no layout");
  LocalBackupPlace place{id.pod(), layout->socket, layout->data_dir,
                         backup_scratch(id.namespace_, request.run), lineage_lock(*layout)};
  return stream_local_backup(place, request, out, should_stop);
}

// Beside the data directory, in the node's own directory: the data's files are the node
// user's to change.
fs::path LocalAgent::lineage_lock(const NodeLayout& layout) {
  return fs::path(layout.data_dir).parent_path() / "lineage.lock";
}

Result<std::string> LocalAgent::data_lineage(const NodeId& id) {
  auto layout = runtime_.find_layout(id);
  if (!layout) return fail(id.pod() + " has no layout");
  return mdbop::data_lineage(layout->data_dir, id.pod(), lineage_lock(*layout));
}

void LocalAgent::clean_backup_run(const std::string& namespace_, const std::string& run) {
  std::error_code ignored;
  fs::remove_all(backup_scratch(namespace_, run), ignored);
}

Result<bool> LocalAgent::follow_binlog(const NodeId& id, const std::string& root_password,
                                       const BinlogFollowRequest& request,
                                       const std::function<void(const BinlogEvent&)>& on_event,
                                       const std::function<bool()>& should_stop) {
  if (!runtime_.find_layout(id)) {
    return fail(ErrorCode::kUnavailable,
                "pod " + id.pod() + " not found in namespace " + id.namespace_);
  }
  // Over the node's socket: the stream needs no port, and a silent server is noticed after the
  // endpoint's read timeout (heartbeats come more often).
  return mdbop::follow_binlog(sql_endpoint(id, root_password), request, on_event, should_stop);
}

Result<std::unique_ptr<ByteSink>> LocalAgent::replay_sql(const NodeId& id,
                                                         const std::string& root_password,
                                                         const std::string& database) {
  auto layout = runtime_.find_layout(id);
  if (!layout) return fail(id.pod() + " has no layout");
  auto suffix = random_password(8);
  if (!suffix) return tl::unexpected(suffix.error());
  const fs::path scratch =
      home_ / "tmp" / ("replay-" + id.namespace_ + "-" + id.pod() + "-" + *suffix);
  std::error_code ec;
  fs::create_directories(scratch, ec);
  if (ec) return fail("cannot create " + scratch.string() + ": " + ec.message());
  const fs::path options = scratch / "client.cnf";
  if (auto written = write_client_options(options, layout->socket, root_password); !written) {
    fs::remove_all(scratch, ec);
    return tl::unexpected(written.error());
  }
  SubprocessOptions client;
  // A dump is data, not a script: --sandbox refuses `\!` (a shell command), `\.` (source a
  // file) and the like, so a dump planted in a writable bucket cannot run anything here.
  client.argv = {"mariadb", "--defaults-extra-file=" + options.string(), "--batch", "--sandbox"};
  if (!database.empty()) client.argv.insert(client.argv.end(), {"--one-database", database});
  auto replay = ProcessInputSink::start(client);
  if (!replay) {
    fs::remove_all(scratch, ec);
    return tl::unexpected(replay.error());
  }
  return std::make_unique<ReplaySink>(std::move(*replay), scratch);
}

fs::path LocalAgent::binlog_replay_scratch(const ReceivedBackup& received) const {
  // Under tmp/, not the receiving area: the replay server's socket needs a short path.
  return home_ / "tmp" /
         ("binlog-replay-" + sha256_hex(received_dir(received).string()).substr(0, 16));
}

fs::path LocalAgent::received_dir(const ReceivedBackup& received) const {
  const char* area = received.purpose == ReceivedBackup::Purpose::kVerify ? "verify" : "restores";
  return home_ / area / received.namespace_ / received.name;
}

std::string LocalAgent::describe_received(const ReceivedBackup& received) {
  return received_dir(received).string();
}

void LocalAgent::kill_received_leftovers(const ReceivedBackup& received) {
  // With the separator, so that the leftovers of "a" are not taken for those of "a-b".
  const std::string dir = received_dir(received).string() + "/";
  for (pid_t pid : all_pids()) {
    for (const std::string& argument : process_arguments(pid)) {
      if (argument.find(dir) != std::string::npos) {
        ::kill(pid, SIGKILL);
        break;
      }
    }
  }
}

Result<std::unique_ptr<ByteSink>> LocalAgent::receive_backup(const ReceivedBackup& received) {
  kill_received_leftovers(received);
  std::error_code ec;
  fs::remove_all(received_dir(received), ec);
  return unpack_into(received_dir(received) / "data");
}

Result<std::unique_ptr<ByteSink>> LocalAgent::receive_incremental(const ReceivedBackup& received) {
  const fs::path incremental = received_dir(received) / "incremental";
  std::error_code ec;
  fs::remove_all(incremental, ec);
  return unpack_into(incremental);
}

Result<std::unique_ptr<ByteSink>> LocalAgent::unpack_into(const fs::path& dir) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return fail("cannot create " + dir.string() + ": " + ec.message());
  SubprocessOptions unpack;
  unpack.argv = {"mbstream", "-x", "-C", dir.string()};
  auto extractor = ProcessInputSink::start(unpack);
  if (!extractor) return tl::unexpected(extractor.error());
  return std::unique_ptr<ByteSink>(std::move(*extractor));
}

Result<bool> LocalAgent::prepare_received(const ReceivedBackup& received,
                                          const std::vector<std::string>& options,
                                          const std::function<bool()>& should_stop) {
  return run_prepare(received, {}, options, should_stop);
}

Result<bool> LocalAgent::apply_received_incremental(const ReceivedBackup& received,
                                                    const std::vector<std::string>& options,
                                                    const std::function<bool()>& should_stop) {
  const fs::path incremental = received_dir(received) / "incremental";
  auto applied =
      run_prepare(received, {"--incremental-dir=" + incremental.string()}, options, should_stop);
  std::error_code ignored;
  fs::remove_all(incremental, ignored);
  return applied;
}

Result<bool> LocalAgent::run_prepare(const ReceivedBackup& received,
                                     const std::vector<std::string>& incremental,
                                     const std::vector<std::string>& options,
                                     const std::function<bool()>& should_stop) {
  SubprocessOptions prepare;
  prepare.argv = {"mariadb-backup", "--prepare",
                  "--target-dir=" + (received_dir(received) / "data").string()};
  prepare.argv.insert(prepare.argv.end(), incremental.begin(), incremental.end());
  for (const std::string& option : options) {
    if (const auto problem = prepare_option_problem(option)) {
      return fail_field("spec.mariabackup.extraArgs", option + ": " + *problem);
    }
    prepare.argv.push_back(option);
  }
  prepare.timeout = std::chrono::hours(6);
  // Its stdout says nothing that matters; run this way so that a stop can end it.
  NullSink ignored;
  auto prepared = run_process_to_sink(prepare, ignored, should_stop);
  if (!prepared) return tl::unexpected(prepared.error());
  if (!prepared->ok()) {
    return fail(prepare_failure_code(*prepared),
                "mariadb-backup --prepare" +
                    std::string(incremental.empty() ? "" : " --incremental-dir") + " " +
                    prepared->describe());
  }
  return true;
}

Result<ReceivedBinlogReplay> LocalAgent::binlog_replay_of(const ReceivedBackup& received) {
  auto user = node_user_for_this_process();
  if (!user) return tl::unexpected(user.error());
  // The server runs as the node user, who must pass through to the data and the scratch.
  const fs::path area = received_dir(received);  // <home>/restores/<namespace>/<name>
  for (const fs::path& passable :
       {home_, home_ / "tmp", area.parent_path().parent_path(), area.parent_path(), area}) {
    if (auto made = make_passable(passable, *user); !made) return tl::unexpected(made.error());
  }
  return ReceivedBinlogReplay{area / "data", binlog_replay_scratch(received), *user};
}

Result<GaleraPosition> LocalAgent::recover_received_position(const ReceivedBackup& received) {
  auto replay = binlog_replay_of(received);
  if (!replay) return tl::unexpected(replay.error());
  return mdbop::recover_received_position(*replay);
}

Result<std::string> LocalAgent::replay_binlog_into_received(
    const ReceivedBackup& received,
    const std::function<Result<std::optional<std::string>>()>& next_file,
    const std::function<bool()>& should_stop) {
  auto replay = binlog_replay_of(received);
  if (!replay) return tl::unexpected(replay.error());
  return replay_received_binlog(*replay, next_file, should_stop);
}

Result<bool> LocalAgent::install_received(const NodeId& id, const ReceivedBackup& received) {
  return runtime_.install_data(id, (received_dir(received) / "data").string());
}

void LocalAgent::discard_received(const ReceivedBackup& received) {
  kill_received_leftovers(received);
  std::error_code ignored;
  fs::remove_all(received_dir(received), ignored);
  // What a replay cut off by a killed operator left (decrypted binary logs among it).
  fs::remove_all(binlog_replay_scratch(received), ignored);
}

}  // namespace mdbop
