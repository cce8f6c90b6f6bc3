// FakeNodeAgent: a NodeAgent that simulates a tiny Galera cluster in memory, deterministically,
// for unit tests of the controllers. No process, file or socket is involved.
//
// The model, per node: a place (address), data (present or not, the cluster UUID and the last
// committed seqno it holds), grastate.dat, and a server that runs or not. A running server is
// in the Primary component (Synced) or outside it (non-Primary). The rules:
//  - start(kNewCluster) makes the node a Synced Primary component of one (fresh data gets a new
//    cluster UUID at seqno 0);
//  - start(kJoin) joins the Primary component of the same MariaDB when there is one (taking its
//    UUID and seqno, as an IST or SST would), else runs outside any Primary component;
//  - a join whose named donor is busy (set_busy_donor) or that was armed with stall_next_join
//    waits for its donor for good, as the SST script does for 300 s: the server runs, does not
//    answer, and its snapshot says waiting_for_donor;
//  - cluster_size counts the running members of the Primary component of the node's MariaDB
//    (Synced, or Joining after hold_sync());
//  - a running server's grastate says seqno -1; a clean stop() writes the seqno, and
//    safe_to_bootstrap when it was the last member to leave; crash() (kill -9) leaves -1;
//  - no quorum: the survivors of a crash stay Primary;
//  - recover_position() answers the data's last committed position;
//  - every committed seqno N is one transaction in each member's binary log, GTID 0-1-N stamped
//    kFakeBinlogEpoch + N, as a GTID and an XID event; follow_binlog serves the log after
//    the asked GTID (after a format description) and then each new commit, until stopped or the
//    node crashes (kUnavailable); it refuses a GTID beyond the node's last commit or purged
//    (purge_binlog) with kNotFound; the archiver's SELECT of @@global.wsrep_gtid_domain_id and
//    @@global.gtid_binlog_pos answers 0 and 0-1-<last commit>; a backup's facts give the GTID
//    0-1-<last commit>;
//  - recover_received_position answers the GTID set_received_gtid gave it (none unless set);
//    replay_binlog_into_received keeps the files it is given (replayed_binlog_files) and answers
//    with the position set_replayed_gtid_binlog_pos gave it;
//  - a node's metrics exporter runs, with the credentials it was last run with, until it is
//    stopped, killed (kill_exporter) or its node removed; whether its server runs or not.
// Every effect appends one line to calls(), e.g. "start g-0 new-cluster network",
// "write_grastate g-1 seqno=7 safe_to_bootstrap=0", "sql g-2 SET GLOBAL ...",
// "run_exporter g-0 user=g-metrics" (a run that was a no-op is not logged), "receive_backup
// default/back" (a Restore's; "verify:default/<name>" for a check's), so that tests can
// assert the order of effects. Observations (observe, process, open_sql) and configure() are
// not logged; place() is logged when it is new.
// Thread-safe: the controllers observe nodes in parallel.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <tuple>
#include <vector>

#include "agent/node_agent.h"

namespace mdbop {

// Thrown by an agent call armed with kill_operator_before(): the operator died just before
// that effect, so the pass is abandoned there (nothing after it happens).
struct OperatorKilled : std::runtime_error {
  using std::runtime_error::runtime_error;
};

class FakeNodeAgent final : public NodeAgent {
 public:
  // --- Test helpers.
  // The log of effects, oldest first.
  std::vector<std::string> calls() const;
  // The logged lines that start with `prefix`, in order.
  std::vector<std::string> calls_starting(const std::string& prefix) const;
  void clear_calls();
  // kill -9 of the node's server: it stops, grastate keeps seqno -1, and the exit is reported
  // to the watch_exits callback with requested false. No-op when it is not running.
  void crash(const NodeId& id);
  // Every member of the MariaDB's Primary component commits `count` more transactions.
  void commit(const std::string& namespace_, const std::string& mariadb, int64_t count);
  // The node's next start(kJoin)s leave it in the Primary component but "Joining" (not
  // Synced) until finish_sync() is called.
  void hold_sync(const NodeId& id);
  void finish_sync(const NodeId& id);
  // A busy donor reports Donor/Desynced (and a join that names it waits for it for good).
  void set_busy_donor(const NodeId& id, bool busy);
  // The node's next start(kJoin) waits for its donor for good.
  void stall_next_join(const NodeId& id);
  // The node's next start finds its ports taken and moves them (Started::ports_moved).
  void move_ports_at_next_start(const NodeId& id);
  // The node's place is outdated (as a pod made from an earlier template) until renew_place.
  void outdate_place(const NodeId& id);
  // What the node's place lacks (as a pod whose claim is being resized), until set again.
  void set_place_shortfall(const NodeId& id, PlaceShortfall shortfall);
  // The next agent call whose log line starts with `prefix` throws OperatorKilled instead.
  void kill_operator_before(const std::string& prefix);
  // The next agent call whose log line starts with `prefix` runs `stop` first (the operator's
  // SIGTERM arriving then), and then goes on.
  void stop_operator_during(const std::string& prefix, std::function<void()> stop);
  // kill -9 of the node's metrics exporter.
  void kill_exporter(const NodeId& id);
  // The user its exporter runs with; empty when none runs.
  std::string exporter_user(const NodeId& id) const;
  // The next SQL that contains `text` fails, its error quoting the statement as a syntax
  // error would.
  void fail_sql_containing(const std::string& text);
  // The node's data replaced as a state transfer would: a new data_lineage.
  void replace_data_by_state_transfer(const NodeId& id);
  // The next prepare_received fails, saying `reason`, with `code`: kCorrupt as a prepare that
  // failed on the data, kUnavailable as one the machine failed (no space, killed).
  void fail_next_prepare(const std::string& reason, ErrorCode code = ErrorCode::kCorrupt);
  // The next receive_backup cannot open its sink, saying `reason`, with `code` (kUnavailable:
  // a pod whose agent does not serve yet).
  void refuse_next_receive(const std::string& reason, ErrorCode code);
  // What nodes_are_pods() answers (false unless set): pods' places, as on Kubernetes.
  void set_nodes_are_pods(bool pods) { nodes_are_pods_ = pods; }
  bool nodes_are_pods() const override { return nodes_are_pods_; }
  // The files replay_binlog_into_received was given, in order, per "ns/name" of the received
  // backup; it answers with gtid_binlog_pos as set here ("" unless set).
  std::vector<std::string> replayed_binlog_files(const ReceivedBackup& received) const;
  void set_replayed_gtid_binlog_pos(const std::string& position);
  // What recover_received_position answers (uuid and seqno as a fresh position, gtid "" unless
  // set: data that recorded no GTID).
  void set_received_gtid(const std::string& gtid);
  // What startup_failure() says about the node.
  void set_startup_failure(const NodeId& id, const std::string& reason);
  // The node's wsrep_gcomm_uuid while it runs (empty when it does not).
  std::string gcomm_uuid(const NodeId& id) const;
  int64_t committed(const NodeId& id) const;
  // The node's binary log no longer holds the transactions up to seqno `through`.
  void purge_binlog(const NodeId& id, int64_t through);
  // The commit time of the fake's transaction `seqno` is kFakeBinlogEpoch + seqno.
  static constexpr std::uint32_t kFakeBinlogEpoch = 1700000000;
  // The configuration configure() was last given for the node (nullopt: never configured).
  std::optional<ClusterConfig> last_config(const NodeId& id) const;
  // stream_backup writes exactly `bytes` (in writes of at most `piece` bytes) instead of its
  // usual few KiB, with the same facts.
  void set_backup_bytes(std::string bytes, std::size_t piece);
  // What the sink of the node's last replay_sql took: its bytes, whether finish() was called,
  // and whether it still exists (its owner has not destroyed it).
  struct SqlReplay {
    std::string bytes;
    bool finished = false;
    bool open = true;
  };
  std::optional<SqlReplay> last_sql_replay(const NodeId& id) const;
  // A query containing `text` answers `rows` (after the fake's own answers); status() of
  // `pattern` answers `values` (else nothing).
  void answer_sql(const std::string& text, SqlRows rows);
  void answer_status(const std::string& pattern, std::map<std::string, std::string> values);
  // The SQL sessions open_sql gave that still exist.
  int open_sql_sessions() const;

  // Called by FakeSqlSession.
  std::optional<SqlRows> sql_answer(const std::string& sql) const;
  std::map<std::string, std::string> status_answer(const std::string& pattern) const;
  void count_sql_session(int change);

  // --- NodeAgent.
  Result<NodeAddress> place(const NodeId& id, const nlohmann::json& mariadb) override;
  std::vector<int> placed_indices(const std::string& namespace_,
                                  const std::string& mariadb) override;
  Result<bool> remove(const NodeId& id, bool purge) override;
  bool place_outdated(const NodeId& id) override;
  PlaceShortfall place_shortfall(const NodeId& id) override;
  Result<bool> renew_place(const NodeId& id) override;
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

  // Called by FakeSqlSession: a statement run on the node.
  Result<bool> record_sql(const NodeId& id, const std::string& sql);

 private:
  using Key = std::tuple<std::string, std::string, int>;  // namespace, mariadb, index

  struct Node {
    NodeId id;
    NodeAddress address;
    bool data = false;
    std::string data_uuid = kZeroUuid;  // the cluster the data belongs to
    int64_t committed = -1;             // its last committed seqno
    int64_t binlog_purged_through = 0;  // its binary log holds the seqnos after this one
    std::optional<GraState> grastate;
    std::set<std::string> aside;  // tags of data set aside
    bool running = false;
    std::string instance;
    bool primary = false;          // in the Primary component (only while running)
    bool synced = false;           // Synced there (false: Joining)
    bool hold_sync = false;        // joins stay Joining until finish_sync()
    bool busy_donor = false;       // Donor/Desynced
    bool stall_next_join = false;  // the next join waits for its donor for good
    bool move_ports = false;       // the next start moves the node's ports
    bool waiting_for_donor = false;
    std::string startup_failure;
    std::string config_hash;              // what configure() was last given
    std::optional<ClusterConfig> config;  // and the configuration itself
    bool exporter_running = false;
    ExporterCredentials exporter_credentials;  // while it runs
    int lineage = 0;  // data_lineage: a new one whenever the data is replaced
    bool place_outdated = false;
    PlaceShortfall shortfall;
  };

  static Key key_of(const NodeId& id) { return {id.namespace_, id.mariadb, id.index}; }
  // REQUIRES: mutex_ held. Each logs the effect, or throws OperatorKilled when armed for it.
  void log(const std::string& line);
  Node* find(const NodeId& id);
  const Node* find(const NodeId& id) const;
  // The running members of the Primary component of the node's MariaDB (only the Synced ones
  // with synced_only), the node with index `except` left out.
  std::vector<const Node*> primary_members(const NodeId& id, bool synced_only,
                                           int except = -1) const;
  // The exit callback, taken under the lock, called outside it.
  void report_exit(const NodeExit& exit);

  mutable std::mutex mutex_;
  std::condition_variable binlog_changed_;  // a commit or a crash, for follow_binlog
  std::map<Key, Node> nodes_;
  std::vector<std::string> calls_;
  std::optional<std::string> kill_before_;
  std::optional<std::string> failing_sql_;
  std::optional<Error> failing_prepare_;
  std::optional<Error> refused_receive_;
  std::atomic<bool> nodes_are_pods_{false};
  std::map<std::string, std::vector<std::string>> replayed_binlog_files_;
  std::string replayed_gtid_binlog_pos_;
  std::string received_gtid_;
  std::optional<std::pair<std::string, std::function<void()>>> stop_during_;
  std::optional<std::pair<std::string, std::size_t>> backup_bytes_;  // set_backup_bytes
  // The last replay_sql's record per node, shared with its sink.
  std::map<Key, std::shared_ptr<std::pair<std::mutex, SqlReplay>>> sql_replays_;
  std::vector<std::pair<std::string, SqlRows>> sql_answers_;  // answer_sql
  std::map<std::string, std::map<std::string, std::string>> status_answers_;
  std::atomic<int> open_sql_sessions_{0};  // not under mutex_: counted while it is held
  std::function<void(const NodeExit&)> on_exit_;
  std::mutex on_exit_mutex_;  // held while the callback runs, so that watch_exits can wait
  int instances_ = 0;         // starts so far, naming each run
  int clusters_ = 0;          // cluster UUIDs handed out
  int places_ = 0;            // places given, for distinct ports
};

}  // namespace mdbop
