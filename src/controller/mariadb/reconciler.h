// MariaDBReconciler: makes one MariaDB object true. Each pass observes every node, decides and
// acts, then records status. A pass may be cut off at any instant; the next one finishes the
// job from persisted status plus fresh observation. Split by concern across files:
// reconciler.cc (the pass), cluster_seed.cc (a new cluster's data), cluster_recovery.cc (no
// Primary component), cluster_members.cc (start, scale, roll), cluster_status.cc (status),
// node_eviction.cc (a node's death, reported by the node agent), cluster_metrics_exporter.cc
// (the nodes' metrics exporters and their account), binlog_archiving.cc (the archiver of
// spec.pointInTimeRecoveryRef).
#pragma once

#include <atomic>
#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "agent/node_agent.h"
#include "api/mariadb_spec.h"
#include "controller/archive/binlog_archiver.h"
#include "controller/mariadb/node_view.h"
#include "controller/object_reconciler.h"
#include "store/store.h"

namespace mdbop {

// What eviction needs to know about a node seen running.
struct WatchedNode {
  NodeId id;
  std::string instance;  // the run of its server
  std::string gcomm_uuid;
};

// Moves status.galeraRecovery to the recovery step `state`, stamping stateSince when it
// changes.
void set_recovery_state(json& galera_recovery, const std::string& state);
// A recovery of a cluster that had formed (a full crash, a lost quorum) is under way: stamps
// galeraRecovery.startedAt unless it is set, so that its duration survives an operator restart.
void note_recovery_started(json& galera_recovery);
// `status`'s cluster is Ready: its recovery is Done. One that note_recovery_started timed is
// counted in status.totals.fullRecoveries, its duration kept in galeraRecovery.lastDurationSeconds.
void finish_recovery(json& status);

class MariaDBReconciler : public ObjectReconciler {
 public:
  // `home` resolves the archive's storage directories given relative to MDBOP_HOME.
  MariaDBReconciler(Store& store, NodeAgent& agent, ObjectKey key, std::filesystem::path home = {});
  ~MariaDBReconciler() override;

  // Called (on the agent's thread) when a node's server exited: unless it was stopped on
  // purpose, evicts it from the group through the surviving members so that writes do not
  // stall for evs.suspect_timeout.
  void on_node_exit(const NodeExit& exit);
  // The operator is stopping: a wait inside a pass (a new cluster's seed) gives up.
  void stop_soon() override;

 private:
  // One pass. Returns how long to wait before the next one (shorter while work is under way).
  std::chrono::milliseconds reconcile_object() override;
  // Stops every node; with the purge annotation removes their data too.
  void clean_up_deleted() override;

  // Everything one pass works from.
  struct Pass {
    json object;
    MariaDBSpec spec;
    std::string root_password;
    std::string my_cnf;
    std::vector<NodeId> members;         // indices [0, replicas)
    std::vector<NodeId> extras;          // indices >= replicas that still exist (scale-in)
    std::vector<NodeAddress> addresses;  // where each of all_nodes() listens, as placed
    std::vector<NodeView> views;         // members then extras
    std::string config_hash;             // the rollout hash every node should run
    // Node exits reported (exits_reported_) before `views` was taken: a later one makes the
    // views too old to claim Ready on.
    uint64_t exits_before_views = 0;
    // Why stopped members were not started in this pass (no free donor), for status.
    std::string waiting_on_donor;
    // What the nodes' places still wait for (a claim being resized): not Ready until done.
    std::vector<std::string> places_waiting;

    // Members then extras, in the order of `views`.
    std::vector<NodeId> all_nodes() const {
      std::vector<NodeId> all = members;
      all.insert(all.end(), extras.begin(), extras.end());
      return all;
    }
  };

  Result<bool> prepare(Pass& pass);
  // Renders every node's configuration when what it is made from changed (always with force).
  Result<bool> write_configs(Pass& pass, bool force = false);
  // Observes every node afresh into pass.views.
  void observe(Pass& pass);

  // cluster_seed.cc
  bool needs_seed(const Pass& pass) const;
  Result<bool> seed_new_cluster(Pass& pass);
  // A seed from a restore failed: after kRestoreAttempts, every node's previous data is put
  // back and status.restore says Failed, so the cluster recovers as it was.
  // Gives the pending restore of `status` up before anything is replaced, saying why.
  void refuse_restore(const json& status, const std::string& why);
  void fail_restore_attempt(const Pass& pass, const std::string& reason);
  // A physical Restore's offer of prepared data (its status.handOver) is taken up into
  // status.restore, the oldest first, when no other is under way; an offer whose Restore went
  // away before its data was touched is withdrawn.
  void take_up_prepared_restore(Pass& pass);
  // spec.bootstrapFrom: creates, once, the Restore that fills the new cluster from a backup.
  void ensure_bootstrap_restore(const Pass& pass);
  // The prepared backup a Restore handed over in status.restore.
  ReceivedBackup received_backup(const json& status) const;
  // A restored cluster that is Ready again: its set-aside data goes, the restore is Done.
  void finish_restore_when_ready(const Pass& pass);

  // cluster_recovery.cc
  std::chrono::milliseconds recover_cluster(Pass& pass);
  // A bootstrap under way whose node is now a Primary component: the recovery moves on to the
  // joiners.
  void note_bootstrap_done(const Pass& pass);

  // cluster_members.cc
  // The pass's view of the node with that index; nullptr when it has none.
  static const NodeView* view_of(const Pass& pass, int index);
  std::chrono::milliseconds maintain_members(Pass& pass);
  // The single member of a Galera cluster of one, stopped cleanly and its place renewed by a
  // roll: started as a new cluster once its new place serves; nullopt when there is none (or
  // it has waited podRecoveryTimeout, and the recovery takes over).
  std::optional<std::chrono::milliseconds> start_renewed_single(Pass& pass);
  void restart_stranded_members(const Pass& pass);
  // sst_donor: see NodeAgent::start.
  Result<bool> start_node(Pass& pass, const NodeView& view, bool new_cluster,
                          const std::string& sst_donor);
  // Starts the stopped members, each with a free donor; a member without one waits (see
  // pass.waiting_on_donor).
  void start_stopped_members(Pass& pass);
  // A joiner that has waited kDonorSilence for a donor that sends it nothing is stopped, so
  // that the next pass starts it again with a free donor (not after the SST script's 300 s).
  void stop_stuck_joiners(const Pass& pass);
  // Writes a crashed node's recovered position into its grastate.dat so it can rejoin by IST.
  void restore_position(const NodeView& view);
  // node_eviction.cc: once the group's view has dropped a dead member, its eviction is cleared.
  void forget_evicted_members(const Pass& pass);
  // Stops a node on purpose (its exit is no NodeDied).
  Result<bool> stop_node(const NodeId& id, std::chrono::seconds grace);
  bool wait_for(const NodeId& id, const std::string& password, std::chrono::seconds timeout,
                const std::function<bool(const NodeView&)>& done);

  // cluster_metrics_exporter.cc
  // spec.metrics.enabled: the exporters' account is made (once per user name and password,
  // recorded in status.metrics) and every member's exporter is run; disabled: every node's
  // exporter is stopped and the account dropped.
  void maintain_exporters(const Pass& pass);

  // binlog_archiving.cc
  // spec.pointInTimeRecoveryRef set: its archiver runs (started once, it outlives the pass);
  // unset: it is stopped and status.pointInTimeRecovery removed.
  void maintain_archiver(const Pass& pass);
  // Joins the archiver's thread outside archiver_mutex_ (stop_soon takes it).
  void stop_archiver();
  // The PointInTimeRecovery `name` is archived no more: Archiving False (NotReferenced).
  void release_point_in_time_recovery(const std::string& name);

  // cluster_status.cc
  // Whether the views show every replica Synced in one Primary component of exactly
  // `replicas`, and the nodes' places wait for nothing.
  bool ready(const Pass& pass) const;
  // The same apart from what the nodes' places wait for (a claim being resized).
  bool nodes_ready(const Pass& pass) const;
  void record_status(const Pass& pass, const std::string& galera_reason);
  void set_condition(json& status, const std::string& type, bool value, const std::string& reason,
                     const std::string& message);

  NodeAgent& agent_;
  const std::filesystem::path home_;
  std::mutex archiver_mutex_;  // stop_soon comes from another thread
  std::unique_ptr<BinlogArchiver> archiver_;
  std::string archived_pitr_;  // the PointInTimeRecovery archiver_ was started for
  TaskPool lookers_;           // threads that observe the nodes side by side
  std::atomic<bool> stopping_{false};
  bool galera_ = true;  // from the last spec seen
  // What the nodes' configuration was last written from (cluster, peers, spec and secrets):
  // unchanged, it is not rendered again every pass.
  std::string written_config_;
  mutable std::mutex watched_mutex_;
  std::vector<WatchedNode> watched_;
  std::string watched_password_;
  json watched_object_;  // for events raised on the agent's thread
  // When this operator first saw the cluster without a Primary component (in memory only:
  // after a restart the wait starts again, which only delays, never repeats, a bootstrap).
  std::optional<std::chrono::steady_clock::time_point> no_primary_since_;
  // When this operator started the bootstrap under way (for the Bootstrapped event).
  std::optional<std::chrono::steady_clock::time_point> bootstrap_started_;
  // When a pass first saw the group still counting a member that is not running.
  std::optional<std::chrono::steady_clock::time_point> dead_member_seen_since_;
  // Node exits reported by the agent so far (not on purpose); see Pass::exits_before_views.
  std::atomic<uint64_t> exits_reported_{0};
  // Joiners this operator started since the cluster was last whole, by index: the donor each
  // was given. None of them serves another joiner until every member is Synced again: a node
  // that has just caught up by IST lacks the write sets an IST it served would need.
  std::map<int, std::string> joined_;
  // The last WaitingForDonor reported (empty: none is waiting).
  std::string reported_donor_wait_;
  // Joiners seen waiting for a donor that sends them nothing, by index: since when.
  std::map<int, std::chrono::steady_clock::time_point> donor_silent_since_;
  // The donor that last left a joiner waiting, by joiner index: another is preferred.
  std::map<int, std::string> silent_donor_;
  // Members seen answering but stuck (outside the Primary component, or not Synced in it),
  // by index: how they are stuck, and since when.
  std::map<int, std::pair<std::string, std::chrono::steady_clock::time_point>> stranded_since_;
  // The index of the single member whose place a roll renewed, and since when (see
  // start_renewed_single).
  std::optional<std::pair<int, std::chrono::steady_clock::time_point>> renewed_single_;
};

}  // namespace mdbop
