// NodeAgent: the one seam between the controllers and the places nodes run. It speaks in a
// database node's words (observe, start, stop, recover the position, stream a backup out,
// take data in, tail the log, open SQL, follow the binary log) and never in a process's (no pid, no
// path, no subprocess cross it), so that the same controllers drive nodes on this machine
// (LocalAgent) and, later, an agent inside a pod over the network. Every call may fail with an
// Error whose code says whether retrying can help (kUnavailable) or not.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "api/mariadb_spec.h"
#include "api/node_id.h"
#include "galera/grastate.h"
#include "sql/backup_source_facts.h"
#include "sql/binlog_stream.h"
#include "sql/connection.h"
#include "util/byte_sink.h"
#include "util/result.h"

namespace mdbop {

// How peers and clients reach a node.
struct NodeAddress {
  std::string host;
  int sql_port = 0;
  int galera_port = 0;  // group communication
  int ist_port = 0;
  int sst_port = 0;
  int metrics_port = 0;  // the node's metrics exporter (Prometheus's mysqld_exporter)
};

// The node's server process, as far as the controllers need to know it.
struct NodeProcess {
  bool running = false;
  // Names this run of the server (it changes at every start), so that an exit can be told
  // from a later run's; opaque to the controllers.
  std::string instance;
  std::chrono::seconds running_for{0};
  // What the runtime shows the user about where the node runs (local: pid, data directory,
  // socket); copied into status as it is, never interpreted.
  nlohmann::json details = nlohmann::json::object();
};

// The server's own word, read over SQL (empty strings when Galera is off).
struct WsrepStatus {
  bool answers = false;  // connected and read wsrep status
  // The server answered but refused us (wrong root password, too many connections): it is
  // up, and must never be taken for a silent or dead node.
  std::string refusal;
  std::string local_state;     // wsrep_local_state_comment: Synced, Joining, Donor/Desynced...
  std::string cluster_status;  // wsrep_cluster_status: Primary, non-Primary, Disconnected
  int cluster_size = 0;
  int64_t last_committed = -1;
  std::string cluster_state_uuid;
  std::string gcomm_uuid;  // wsrep_gcomm_uuid, needed to evict the node when it dies
};

// One look at a node.
struct NodeSnapshot {
  NodeAddress address;
  NodeProcess process;
  bool data_present = false;
  bool sst_in_progress = false;  // an aborted or running state transfer left its marker
  // A running joiner's state transfer has begun but no donor has sent it anything yet (the
  // SST script waits up to its sst-initial-timeout, 300 s, for one).
  bool waiting_for_donor = false;
  std::optional<GraState> grastate;
  WsrepStatus wsrep;              // only tried on a running node
  bool exporter_running = false;  // the node's metrics exporter (see run_exporter)
};

// A node's server exited. `requested` when it was stopped through stop().
struct NodeExit {
  NodeId id;
  std::string instance;
  bool requested = false;
};

enum class StartMode {
  kJoin,        // join the members named in its configuration
  kNewCluster,  // bootstrap a new Primary component of one
};

// How a starting node can be reached.
enum class NodeAccess {
  kNetwork,                  // its SQL port and socket, with the grant tables (normal)
  kSocketOnly,               // the local socket only (while root has no password yet)
  kSocketOnlyWithoutGrants,  // socket only, grant tables off: restored data whose root
                             // password is not ours, until it is set
};

// What every node of one cluster is configured from; the agent adds where the node itself
// listens and keeps its files.
struct ClusterConfig {
  MariaDBSpec spec;
  // The validated MariaDB object `spec` was read from: what crosses the network to an agent,
  // which reads the spec from it again (agent/remote/wire.h).
  nlohmann::json mariadb;
  std::string cluster_name;
  std::string sst_password;   // root's, for wsrep_sst_auth
  std::string my_cnf;         // the resolved myCnf text (inline or from the ConfigMap)
  std::vector<NodeId> peers;  // every node of the cluster, the configured one included
  // Where each of `peers` listens, as place() gave it: an agent knows only its own node's
  // place (on Kubernetes each runs in a pod of its own).
  std::vector<NodeAddress> peer_addresses;
};

// The MariaDB account a node's metrics exporter scrapes the server with.
struct ExporterCredentials {
  std::string user;
  std::string password;
};

// A backup streamed out of a node.
struct BackupStreamRequest {
  std::string run;     // names this run (the artifact id); its scratch is cleaned by it
  std::string method;  // "physical" | "logical"
  std::string root_password;
  std::vector<std::string> extra_args;
  std::vector<std::string> databases;  // logical; empty: every user database
  std::chrono::seconds timeout{std::chrono::hours(24)};
  // Physical: an incremental backup of the pages changed after this InnoDB log sequence number
  // (its base's to_lsn), taken only while the data's lineage (data_lineage) is `lineage`; a
  // lineage changed fails with kConflict before anything is streamed.
  std::optional<std::uint64_t> incremental_from_lsn;
  std::string lineage;
};

// A physical backup received from the storage: for a Restore (named by it), or for a check
// of an artifact (`mdbop backup verify`, a Backup's verifyAfterBackup), which prepares it and
// throws it away. The two never share a receiving area, whatever the names.
struct ReceivedBackup {
  enum class Purpose { kRestore, kVerify };
  std::string namespace_;
  std::string name;  // the Restore's; for a check, its caller's name for it
  Purpose purpose = Purpose::kRestore;
  // The node whose place receives and prepares it: on Kubernetes its pod, with the server
  // image's own mariadb-backup and mariadbd, on its claim; a restore's is the node it is
  // installed into. On this machine every backup is received in the operator's home.
  NodeId node;
};

// What a node's place lacks of its spec, in words (each empty when nothing).
struct PlaceShortfall {
  // Under way, and the cluster is not Ready without it (a claim being resized, when
  // spec.storage.waitForVolumeResize).
  std::string waiting;
  // What it will not give (a claim that cannot grow or shrink): said once, as a warning.
  std::string refused;
};

class NodeAgent {
 public:
  virtual ~NodeAgent() = default;

  // --- Where nodes live.
  // Gives the node its place (ports, storage, identity) on first use, as `mariadb` (the
  // validated, stored MariaDB the node belongs to) asks for it; the same afterwards. On
  // Kubernetes the place is the node's pod and claim, made from that object.
  virtual Result<NodeAddress> place(const NodeId& id, const nlohmann::json& mariadb) = 0;
  // Indices of the nodes of this MariaDB that have a place, ascending.
  virtual std::vector<int> placed_indices(const std::string& namespace_,
                                          const std::string& mariadb) = 0;
  // Gives up the node's place (its exporter stopped); with purge also its data.
  // REQUIRES: the server stopped.
  virtual Result<bool> remove(const NodeId& id, bool purge) = 0;
  // Whether the node's place, as the last place() found it, was made from an older spec than
  // that call's (on Kubernetes: its pod from an earlier pod template, which a running pod
  // cannot take). The controller rolls such a node as it rolls a configuration change: it
  // stops the server, then renews the place. A place on this machine is never outdated.
  virtual bool place_outdated(const NodeId&) { return false; }
  // Makes the node's place anew from the spec it was last placed from (on Kubernetes: deletes
  // its pod, which the next place() makes again on the same claim); true when it was renewed.
  // REQUIRES: the server stopped.
  virtual Result<bool> renew_place(const NodeId&) { return false; }
  // What the node's place, as the last place() found it, does not give yet or cannot give of
  // its MariaDB's spec: on Kubernetes its claim's size (a resize under way, or one refused).
  // Nothing on this machine.
  virtual PlaceShortfall place_shortfall(const NodeId&) { return {}; }
  // Whether the nodes are pods of a Kubernetes cluster, whose pod fields mdbop honours.
  virtual bool nodes_are_pods() const { return false; }

  // --- Looking.
  // Process, saved Galera state and, when it runs, its wsrep status read with root's password.
  virtual NodeSnapshot observe(const NodeId& id, const std::string& root_password) = 0;
  // The process alone: cheap, no SQL.
  virtual NodeProcess process(const NodeId& id) = 0;
  // Calls `on_exit` (on the agent's own thread) whenever a node's server seen running by
  // observe() or process(), or started by start(), exits. An empty function stops the calls;
  // it returns once no call of the previous one is under way.
  virtual void watch_exits(std::function<void(const NodeExit&)> on_exit) = 0;
  // Why the server's last start failed, in its own words from its error log (an unknown
  // variable, say); empty when the log says nothing.
  virtual std::string startup_failure(const NodeId& id) = 0;
  // Its error log from byte `from` to the end (for `mdbop logs`); fails when it has no place.
  virtual Result<std::string> read_error_log(const NodeId& id, std::uint64_t from) = 0;
  // A SQL session on the node as root (an empty password: the seed's passwordless root on
  // the local socket). `timeout` bounds connecting, reading and writing.
  virtual Result<std::unique_ptr<SqlSession>> open_sql(const NodeId& id,
                                                       const std::string& root_password,
                                                       std::chrono::seconds timeout) = 0;

  // --- Running.
  // Renders the node's options from the cluster's; unchanged options are not rewritten.
  virtual Result<bool> configure(const NodeId& id, const ClusterConfig& config) = 0;
  // Starts the server (a no-op when it runs). A joiner takes its state transfer from the
  // member named `sst_donor` only (empty: any Synced member, as Galera chooses). When a port
  // of the node was taken by another program meanwhile, the node moves to a free one and
  // `ports_moved` says so: the peers' configuration is then stale until configured again.
  struct Started {
    std::string instance;
    bool ports_moved = false;
  };
  virtual Result<Started> start(const NodeId& id, StartMode mode, NodeAccess access,
                                const std::string& sst_donor) = 0;
  // Asks the server to stop, waits up to `grace`, then kills it. True when it had been running.
  virtual Result<bool> stop(const NodeId& id, std::chrono::seconds grace) = 0;

  // --- Metrics.
  // Runs the node's metrics exporter (Prometheus's mysqld_exporter, on the node's metrics
  // port), which scrapes the server with `credentials`: a no-op when it runs with them
  // already, restarted when they changed. It runs whether or not the server does (a scrape of
  // a stopped server says mysql_up 0) and, like the server, outlives the operator. True when
  // it was (re)started.
  virtual Result<bool> run_exporter(const NodeId& id, const ExporterCredentials& credentials) = 0;
  // Stops the node's exporter; true when it had been running. remove() stops it too.
  virtual Result<bool> stop_exporter(const NodeId& id) = 0;

  // --- Galera state. REQUIRES: stopped.
  // Runs the server's own recovery (`--wsrep-recover`) and returns the position it found.
  virtual Result<GaleraPosition> recover_position(const NodeId& id) = 0;
  virtual Result<bool> write_grastate(const NodeId& id, const GraState& state) = 0;

  // --- Data. REQUIRES: stopped.
  virtual Result<bool> initialize_data(const NodeId& id) = 0;  // an empty system database
  // Copies everything but grastate.dat, gvwstate.dat and the gcache.
  virtual Result<bool> copy_data(const NodeId& from, const NodeId& to) = 0;
  virtual Result<bool> wipe_data(const NodeId& id) = 0;
  // What copy_data is made of when the two nodes' agents are on different machines (pods):
  // the node's data as a stream (what copy_data copies, as a tar archive) into `out` (not
  // finished: the caller finishes it), and a sink that takes such a stream in as another
  // node's data, replacing that data once finished (an unfinished one changes nothing).
  virtual Result<bool> send_data(const NodeId& id, ByteSink& out) = 0;
  virtual Result<std::unique_ptr<ByteSink>> take_data(const NodeId& id) = 0;
  // Moves the node's data aside under `tag` (kept if already there from an interrupted
  // attempt), leaving it empty; return_aside_data puts it back (false when there was none),
  // discard_aside_data removes it. describe_aside says where it is, for messages.
  virtual Result<bool> set_aside_data(const NodeId& id, const std::string& tag) = 0;
  virtual Result<bool> return_aside_data(const NodeId& id, const std::string& tag) = 0;
  virtual Result<bool> discard_aside_data(const NodeId& id, const std::string& tag) = 0;
  virtual std::string describe_aside(const NodeId& id, const std::string& tag) = 0;

  // --- Backups out.
  // Streams a backup of the running node into `out` (not finished: the caller finishes its
  // pipeline). `should_stop` is polled about once a second; true abandons the stream.
  virtual Result<BackupSourceFacts> stream_backup(const NodeId& id,
                                                  const BackupStreamRequest& request, ByteSink& out,
                                                  const std::function<bool()>& should_stop) = 0;
  // The lineage of the node's data: an opaque mark that stays while the data evolves in place
  // and changes whenever it is replaced (a state transfer, a restore, a copy), so that an
  // incremental backup is taken only on the data its base was copied from. A node without one
  // is given one. REQUIRES: placed.
  virtual Result<std::string> data_lineage(const NodeId& id) = 0;
  // Removes what a run interrupted with its process (the operator killed) left behind.
  virtual void clean_backup_run(const std::string& namespace_, const std::string& run) = 0;

  // --- The binary log out.
  // Follows the running node's binary log as root, from after `request.from` on, until
  // `should_stop` says so: every event in order (the contract and the error codes are
  // follow_binlog's, sql/binlog_stream.h). kNotFound: this node cannot serve the position
  // (purged, or not in its log); kUnavailable: the node went away, another may continue.
  virtual Result<bool> follow_binlog(const NodeId& id, const std::string& root_password,
                                     const BinlogFollowRequest& request,
                                     const std::function<void(const BinlogEvent&)>& on_event,
                                     const std::function<bool()>& should_stop) = 0;

  // --- Data in.
  // A sink that replays SQL text (a logical backup) into the running node as root; nothing
  // in the text can run a program or read a file here. finish() ends the replay.
  virtual Result<std::unique_ptr<ByteSink>> replay_sql(const NodeId& id,
                                                       const std::string& root_password,
                                                       const std::string& database) = 0;
  // A sink that unpacks a physical backup stream into a fresh receiving area (anything an
  // earlier attempt left there goes first); prepare_received then makes it consistent, and
  // install_received copies it into a stopped node (on Kubernetes only into received.node, where
  // it is; another fails with kInvalid); discard_received removes it. A place that cannot
  // receive (its pod not made, or its agent not serving) fails with kNotFound or kUnavailable,
  // at once or at the stream's first write.
  // `options` go to mariadb-backup --prepare; each must pass prepare_option_problem
  // (api/mariabackup_options.h), or nothing runs. A prepare that fails on the data fails with
  // kCorrupt; one the machine failed (no space or memory, killed, not started) with another code.
  virtual Result<std::unique_ptr<ByteSink>> receive_backup(const ReceivedBackup& received) = 0;
  // `should_stop` is polled about once a second; true kills the prepare, which then fails.
  virtual Result<bool> prepare_received(const ReceivedBackup& received,
                                        const std::vector<std::string>& options,
                                        const std::function<bool()>& should_stop) = 0;
  // An incremental backup in: a sink that unpacks its stream beside the prepared data of
  // `received` (emptied first); apply_received_incremental then applies it to that data
  // (mariadb-backup --prepare --incremental-dir, with `options` as prepare_received's) and
  // removes it. A restore of a chain prepares the full backup, then receives and applies each
  // incremental in order. REQUIRES: prepare_received succeeded.
  virtual Result<std::unique_ptr<ByteSink>> receive_incremental(const ReceivedBackup& received) = 0;
  virtual Result<bool> apply_received_incremental(const ReceivedBackup& received,
                                                  const std::vector<std::string>& options,
                                                  const std::function<bool()>& should_stop) = 0;
  // The position the prepared data of `received` holds, in InnoDB's own record of the last
  // Galera transaction committed in it (`mariadbd --wsrep-recover`), with its GTID when the
  // cluster ran wsrep_gtid_mode: the exact point a replay continues from. (mariadb-backup's
  // recorded binary-log GTID can lag the data it copied on Galera.) REQUIRES: prepared.
  virtual Result<GaleraPosition> recover_received_position(const ReceivedBackup& received) = 0;
  // Replays binary-log files into the prepared data of `received` (after prepare_received, before
  // install_received), in order, each a whole file as trim_binlog_segment (backup/binlog_trim.h)
  // writes it. A server of its own runs on the data meanwhile, reachable by no one else: no
  // network, no Galera, GTIDs kept as replayed (wsrep_gtid_mode off), event scheduler off, and
  // the nodes' binary-log name, so that the data's binary log records the replayed GTIDs and a
  // cluster started on it continues from them. `next_file` gives the next file's bytes, nullopt
  // after the last (its error ends the replay with that error). Returns the server's
  // @@gtid_binlog_pos after the last file, read before it is stopped cleanly. A file the tools or
  // the server refuse fails with kCorrupt, naming the file's place in the order and their words;
  // `should_stop` (polled between files) true ends it with kUnavailable. On failure the data is
  // partly replayed: the caller discards it.
  virtual Result<std::string> replay_binlog_into_received(
      const ReceivedBackup& received,
      const std::function<Result<std::optional<std::string>>()>& next_file,
      const std::function<bool()>& should_stop) = 0;
  virtual Result<bool> install_received(const NodeId& id, const ReceivedBackup& received) = 0;
  virtual void discard_received(const ReceivedBackup& received) = 0;
  virtual std::string describe_received(const ReceivedBackup& received) = 0;
};

}  // namespace mdbop
