// LocalAgent: the node agent for nodes that are mariadbd processes on this machine (see
// runtime/local/local_runtime.h for where their pieces live). Restores are received into
// $MDBOP_HOME/restores/<namespace>/<restore>/, artifacts checked in
// $MDBOP_HOME/verify/<namespace>/<name>/; backup and replay scratch goes to
// $MDBOP_HOME/tmp/. Constructed by the operator command (and by the CLI's node-level commands,
// which only look).
#pragma once

#include <filesystem>
#include <map>
#include <mutex>

#include "agent/local/exit_watcher.h"
#include "agent/local/received_binlog_replay.h"
#include "agent/local/wsrep_observer.h"
#include "agent/node_agent.h"
#include "runtime/local/local_runtime.h"

namespace mdbop {

class LocalAgent : public NodeAgent {
 public:
  // `pod`: the agent of a node alone in its pod (runtime/local/local_runtime.h).
  LocalAgent(std::filesystem::path home, PortRange ports,
             std::optional<PodPlace> pod = std::nullopt);

  // The node's directory and ports on this machine; the object asks nothing of them.
  Result<NodeAddress> place(const NodeId& id, const nlohmann::json& mariadb) override;
  std::vector<int> placed_indices(const std::string& namespace_,
                                  const std::string& mariadb) override;
  Result<bool> remove(const NodeId& id, bool purge) override;

  NodeSnapshot observe(const NodeId& id, const std::string& root_password) override;
  NodeProcess process(const NodeId& id) override;
  void watch_exits(std::function<void(const NodeExit&)> on_exit) override;
  std::string startup_failure(const NodeId& id) override;
  Result<std::string> read_error_log(const NodeId& id, std::uint64_t from) override;
  Result<std::unique_ptr<SqlSession>> open_sql(const NodeId& id, const std::string& root_password,
                                               std::chrono::seconds timeout) override;

  Result<bool> configure(const NodeId& id, const ClusterConfig& config) override;
  Result<Started> start(const NodeId& id, StartMode mode, NodeAccess access,
                        const std::string& sst_donor) override;
  Result<bool> stop(const NodeId& id, std::chrono::seconds grace) override;

  Result<bool> run_exporter(const NodeId& id, const ExporterCredentials& credentials) override;
  Result<bool> stop_exporter(const NodeId& id) override;

  Result<GaleraPosition> recover_position(const NodeId& id) override;
  Result<bool> write_grastate(const NodeId& id, const GraState& state) override;

  Result<bool> initialize_data(const NodeId& id) override;
  Result<bool> copy_data(const NodeId& from, const NodeId& to) override;
  Result<bool> wipe_data(const NodeId& id) override;
  Result<bool> send_data(const NodeId& id, ByteSink& out) override;
  Result<std::unique_ptr<ByteSink>> take_data(const NodeId& id) override;
  Result<bool> set_aside_data(const NodeId& id, const std::string& tag) override;
  Result<bool> return_aside_data(const NodeId& id, const std::string& tag) override;
  Result<bool> discard_aside_data(const NodeId& id, const std::string& tag) override;
  std::string describe_aside(const NodeId& id, const std::string& tag) override;

  Result<BackupSourceFacts> stream_backup(const NodeId& id, const BackupStreamRequest& request,
                                          ByteSink& out,
                                          const std::function<bool()>& should_stop) override;
  Result<std::string> data_lineage(const NodeId& id) override;
  void clean_backup_run(const std::string& namespace_, const std::string& run) override;

  Result<bool> follow_binlog(const NodeId& id, const std::string& root_password,
                             const BinlogFollowRequest& request,
                             const std::function<void(const BinlogEvent&)>& on_event,
                             const std::function<bool()>& should_stop) override;

  Result<std::unique_ptr<ByteSink>> replay_sql(const NodeId& id, const std::string& root_password,
                                               const std::string& database) override;
  Result<std::unique_ptr<ByteSink>> receive_backup(const ReceivedBackup& received) override;
  Result<bool> prepare_received(const ReceivedBackup& received,
                                const std::vector<std::string>& options,
                                const std::function<bool()>& should_stop) override;
  Result<std::unique_ptr<ByteSink>> receive_incremental(const ReceivedBackup& received) override;
  Result<bool> apply_received_incremental(const ReceivedBackup& received,
                                          const std::vector<std::string>& options,
                                          const std::function<bool()>& should_stop) override;
  Result<GaleraPosition> recover_received_position(const ReceivedBackup& received) override;
  Result<std::string> replay_binlog_into_received(
      const ReceivedBackup& received,
      const std::function<Result<std::optional<std::string>>()>& next_file,
      const std::function<bool()>& should_stop) override;
  Result<bool> install_received(const NodeId& id, const ReceivedBackup& received) override;
  void discard_received(const ReceivedBackup& received) override;
  std::string describe_received(const ReceivedBackup& received) override;

 private:
  SqlEndpoint sql_endpoint(const NodeId& id, const std::string& root_password);
  // The configuration the node was last given (configure), saved beside it; nullopt when none
  // was, or it no longer reads.
  std::optional<ClusterConfig> saved_config(const NodeId& id);
  Result<bool> render_config(const NodeId& id, const ClusterConfig& config);
  std::filesystem::path received_dir(const ReceivedBackup& received) const;
  // The scratch of a replay into `received` (its server's socket, the binary-log files):
  // named after it, so that discard_received finds what a killed operator left.
  std::filesystem::path binlog_replay_scratch(const ReceivedBackup& received) const;
  // The received data, its scratch and the node user, who can now pass through to both.
  Result<ReceivedBinlogReplay> binlog_replay_of(const ReceivedBackup& received);
  std::filesystem::path backup_scratch(const std::string& namespace_, const std::string& run) const;
  // Kills an unpack or prepare of `received` left running by a killed operator, which would
  // keep writing into a new attempt's files.
  void kill_received_leftovers(const ReceivedBackup& received);
  // The lock of data_lineage (runtime/local/data_lineage.h) for the node laid out so.
  static std::filesystem::path lineage_lock(const NodeLayout& layout);
  // An mbstream -x into `dir`, made first.
  Result<std::unique_ptr<ByteSink>> unpack_into(const std::filesystem::path& dir);
  // mariadb-backup --prepare of the received data, with `incremental` (--incremental-dir=...)
  // or not, and the checked `options`.
  Result<bool> run_prepare(const ReceivedBackup& received,
                           const std::vector<std::string>& incremental,
                           const std::vector<std::string>& options,
                           const std::function<bool()>& should_stop);

  std::filesystem::path home_;
  LocalRuntime runtime_;
  ExitWatcher exits_;
  WsrepObserver wsrep_;
};

}  // namespace mdbop
