// RestoreReconciler: makes one Restore true, once. It picks the artifact (the newest good
// one, or the newest at or before targetRecoveryTime), records it in status, then:
//  - logical: waits for the target MariaDB to be Ready, reads the whole artifact once to check
//    its SHA-256 and decryption, and only then replays it through the primary;
//  - physical: has the node agent receive and prepare the artifact (checked the same way on
//    the way in), then offers it in its own status.handOver; the MariaDB takes the offer up
//    into its status.restore (which only the MariaDB writes), replaces every node's data with
//    it (see cluster_seed.cc) and reports the outcome there.
// Nothing touches the target before the artifact has been verified.
#pragma once

#include <atomic>
#include <filesystem>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "agent/node_agent.h"
#include "api/backup_spec.h"
#include "backup/artifact_manifest.h"
#include "backup/binlog_replay_plan.h"
#include "backup/take_backup.h"
#include "controller/object_reconciler.h"
#include "storage/backup_storage.h"
#include "store/store.h"

namespace mdbop {

class RestoreReconciler : public ObjectReconciler {
 public:
  // `home` resolves relative volume paths of the storage.
  RestoreReconciler(Store& store, NodeAgent& agent, std::filesystem::path home, ObjectKey key);

  // A prepare or a replay under way ends; the Restore starts them again with the next operator.
  void stop_soon() override { stopping_ = true; }

 private:
  std::chrono::milliseconds reconcile_object() override;
  // Its prepared data goes unless the MariaDB is replacing its nodes' data with it.
  void clean_up_deleted() override;
  // The storage, key and filter a restore reads from.
  struct Source {
    std::unique_ptr<BackupStorage> storage;
    // An incremental Backup's incrementalBasePath, where chains may begin; null: none.
    std::unique_ptr<BackupStorage> base_storage;
    std::optional<std::string> encryption_secret;
    std::string backup;  // "<namespace>/<name>" of the Backup whose artifacts count; empty: all
    std::string location;
  };
  Result<Source> open_source(const RestoreSpec& spec);
  // --- A restore to a moment (archive_replay.cc).
  // The PointInTimeRecovery's PhysicalBackup, whose artifacts are the bases.
  Result<Source> open_point_in_time_source(const RestoreSpec& spec);
  // The newest of `physical` at or before the target (a GTID target: holding none after it),
  // among the bases of the history the target is on.
  Result<ArtifactManifest> choose_base(const RestoreSpec& spec,
                                       const std::vector<ArtifactManifest>& physical);
  // Those of `physical` on the history the target is on: after a restore to a moment (or any
  // physical restore) the archived MariaDB's status.binlogHistory names the history it began at
  // binlogHistorySince; latest, a GTID or a time after that is on it, an earlier time on the
  // histories before it. All of them when the MariaDB never restored (or is gone).
  std::vector<ArtifactManifest> bases_of_the_targets_history(
      const RestoreSpec& spec, const std::vector<ArtifactManifest>& physical);
  // The archive a restore to a moment reads and what it replays on `base`.
  struct ArchiveReplay {
    std::unique_ptr<BackupStorage> storage;
    std::optional<std::string> encryption_secret;
    std::string prefix;                       // the archived cluster's "<namespace>/<name>"
    std::string folder;                       // its history's folder (binlog_history_folder)
    std::string where;                        // the history's location, for messages
    std::vector<BinlogSegmentName> segments;  // the history's, as listed
    ReplayTarget wanted = LatestReplayTarget{};
    std::uint32_t domain = 0;  // the cluster's GTID domain (the archive's)
    BinlogReplayPlan plan;
    std::string target;  // for messages: "GTID 0-1-9", the time, "the newest archived transaction"
    std::string target_gtid;  // a GTID target's text; empty for the others
    bool strict = false;      // the PointInTimeRecovery's strictMode
    // The archive does not reach the target: the plan goes to its newest transaction.
    bool beyond_archive = false;
  };
  Result<ArchiveReplay> plan_archive_replay(const RestoreSpec& spec, const ArtifactManifest& base);
  // Plans `replay` from the base's GTID `start_after` (of replay.domain) to replay.wanted.
  static Result<void> plan_from(ArchiveReplay& replay, const Gtid& start_after);
  // What plan_from_the_prepared_data changed, for an event (empty message: nothing).
  struct BaseCorrection {
    std::string type;  // "Normal" | "Warning"
    std::string reason;
    std::string message;
  };
  // Plans again from where the prepared base's data ends (`recovered`, read by
  // recover_received_position), which on Galera can be after the GTID its manifest records.
  // kConflict when the data already holds transactions after a GTID target: another, older base
  // is needed; kCorrupt when the data holds no transaction of the cluster's domain its manifest
  // says it holds.
  Result<BaseCorrection> plan_from_the_prepared_data(ArchiveReplay& replay,
                                                     const ArtifactManifest& base,
                                                     const GaleraPosition& recovered);
  // With strictMode, a plan that does not reach its target fails the Restore (true).
  bool refuse_beyond_archive(const RestoreSpec& spec, const ArchiveReplay& replay);
  // Forgets the chosen base (its data went past the target) so that the next pass chooses an
  // older one: status.passedOverBases.
  void pass_over(const ArtifactManifest& base, const std::string& why);
  // One archived segment's bytes, read, decrypted and decompressed.
  static Result<std::string> read_segment(const ArchiveReplay& replay,
                                          const BinlogSegmentName& name);
  // What the replay put on the base.
  struct Replayed {
    std::size_t transactions = 0;
    std::uint64_t sequence = 0;  // of the last one (the base's when none)
    std::string last_gtid;       // empty when none
    std::uint32_t commit_time = 0;
  };
  // Replays the planned segments, trimmed, into the received base (prepared), and checks that
  // the data's binary log ends at the last of them.
  Result<Replayed> replay_archive(const ArchiveReplay& replay);
  static std::string describe_replayed(const Replayed& replayed, const ArtifactManifest& base);
  Result<ArtifactManifest> choose(const RestoreSpec& spec, Source& source);
  std::chrono::milliseconds restore_logical(const RestoreSpec& spec, Source& source,
                                            const ArtifactManifest& artifact);
  std::chrono::milliseconds restore_physical(const RestoreSpec& spec, Source& source,
                                             const ArtifactManifest& artifact);
  // status.progress: bytes read of the artifact's total, and the rate.
  void report_progress(const BackupProgress& progress, std::uint64_t total_bytes);
  void set_phase(const std::string& phase, const std::string& message);
  void complete(const std::string& message);
  void failed(const std::string& reason, const std::string& message);
  // Where a physical restore receives and prepares the artifact: in the node it is installed
  // into (status.receivingPod once recorded; before, the MariaDB's seed).
  ReceivedBackup received() const;

  // A receive or prepare that failed with kUnavailable in a pod (the pod rolled or evicted, the
  // storage unreachable for a moment) goes back to Pending, to start again from the artifact,
  // up to 3 attempts in all (status.receiveAttempts); nullopt: the failure stands.
  std::optional<std::chrono::milliseconds> try_again_later(const std::string& doing,
                                                           const Error& error);
  // The operator is stopping: what was received is thrown away, the Restore stays Pending.
  std::chrono::milliseconds stopped_while(const std::string& doing);

  NodeAgent& agent_;
  std::filesystem::path home_;
  std::atomic<bool> stopping_{false};
};

}  // namespace mdbop
