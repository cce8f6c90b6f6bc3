// BackupReconciler: makes one Backup or PhysicalBackup true. It takes a backup when one is
// due (created without a schedule, the schedule fired, `mdbop backup run` asked), records the
// run in status before starting it so an interrupted run is cleaned up by the next pass,
// checks each new artifact when spec.verifyAfterBackup asks (a failed check is a failed run;
// the artifact is kept and marked), prunes by the retention policy and keeps the list of stored
// artifacts in status.
#pragma once

#include <atomic>
#include <chrono>
#include <filesystem>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "agent/node_agent.h"
#include "api/annotations.h"
#include "api/backup_spec.h"
#include "backup/artifact_catalog.h"
#include "backup/incremental_chain.h"
#include "controller/backup/artifact_verification.h"
#include "controller/object_reconciler.h"
#include "store/store.h"
#include "util/time_text.h"

namespace mdbop {

class BackupReconciler : public ObjectReconciler {
 public:
  // `home` resolves relative volume paths of the storage.
  BackupReconciler(Store& store, NodeAgent& agent, std::filesystem::path home, ObjectKey key);

  void stop_soon() override { stopping_ = true; }

 private:
  std::chrono::milliseconds reconcile_object() override;
  // The artifacts stay: deleting a schedule must not delete its backups.
  void clean_up_deleted() override;
  // Why a run is due now, or nullopt with the time the next one is due (if any).
  struct Due {
    std::string reason;  // "Scheduled", "RunNow", "Once", "Retry"
    std::optional<SysSeconds> next;
  };
  Due due(const BackupSpec& spec, SysSeconds now);
  // A run recorded in status.currentRun belongs to an operator that died: one whose manifest
  // was written succeeded (record_success; checked first, with verifyAfterBackup), one whose
  // manifest is absent (or unparsable, or another run's) failed and its partial data is
  // removed. False when its manifest could not be read (the storage did not answer:
  // StorageUnavailable is shown) or the operator stopped during its check: the run stays in
  // currentRun, and the next pass (or operator) looks again.
  bool clean_interrupted_run(const BackupSpec& spec, BackupStorage* storage);
  // The key of spec.encryption, read from its Secret; nullopt without encryption.
  Result<std::optional<std::string>> encryption_secret(const BackupSpec& spec);
  // What a check of an artifact (spec.verifyAfterBackup) found: the artifact is good, bad, or
  // could not be checked (the storage, the key, the scratch area's space or memory), which
  // says nothing about it.
  enum class CheckOutcome { kVerified, kFailed, kUnchecked };
  struct ArtifactCheck {
    CheckOutcome outcome;
    std::string message;  // kFailed: what failed; kUnchecked: why, and what to do
  };
  // Checks an artifact as `mdbop backup verify` does and records the outcome in its
  // status.artifacts entry, with an event (ArtifactVerified; VerificationUnchecked, a Warning;
  // the caller says VerificationFailed). `encryption_secret`: the key, or why it is missing.
  ArtifactCheck check_artifact(const ArtifactManifest& artifact, BackupStorage& storage,
                               const Result<std::optional<std::string>>& encryption_secret);
  // Records, as `entry`'s verification, that its check could not be done because of `cause`,
  // with a VerificationUnchecked warning (kAtOnce: the operator stopped it; a
  // VerificationInterrupted event); returns the event's text.
  std::string record_unchecked(const nlohmann::json& entry, const std::string& cause,
                               Recheck recheck = Recheck::kAfterBackoff);
  // Checks again the oldest artifact left Unchecked whose next check is due, if any.
  void recheck_due_artifact(const BackupSpec& spec, BackupStorage& storage);
  // Complete False, reason Verifying, while a new artifact is checked.
  void show_verifying(const std::string& artifact_id);
  // A PhysicalBackup that is the physicalBackupRef of PointInTimeRecoveries: removes from their
  // archives of its MariaDB the segments no kept artifact needs (backup/binlog_retention.h), with
  // an ArchivePruned event on the PointInTimeRecovery (archive_retention.cc). At most
  // kMaxSegmentRemovalsPerRun per archive and run (the next run goes on); a stop ends it.
  void prune_binlog_archives(BackupStorage& backups);
  // Takes one backup; on success prunes by the retention policy and lists the artifacts
  // before it marks the Backup Complete.
  Result<ArtifactManifest> run_backup(const BackupSpec& spec, BackupStorage& storage,
                                      const std::string& reason);
  // A run that stored `artifact` in `seconds`: prunes and lists the artifacts, then records
  // the success (phase Complete, or Scheduled/Suspended with a schedule; totals; times).
  void record_success(const BackupSpec& spec, BackupStorage& storage,
                      const ArtifactManifest& artifact, double seconds, const std::string& summary);
  // What a run answers: why it is due, the run-now value it takes, when it started.
  struct RunRequest {
    std::string reason;
    std::string run_now;  // the mdbop.io/run-now annotation as the run found it
    SysSeconds started;
  };
  RunRequest request_for(const std::string& reason, SysSeconds started) const;
  // Whatever happens to a run, the request that made it due (this schedule slot, this run-now
  // or onDemand value) is used up; a new slot starts a new series of attempts.
  static void use_up_request(json& status, const BackupSpec& spec, const RunRequest& request);
  // A due run failed: its request is used up, and it counts as a failed attempt (retried by
  // due()) and in status.totals; `run_started`: its start was counted already.
  void count_failed_run(const BackupSpec& spec, const RunRequest& request, bool run_started);
  void prune(const BackupSpec& spec, BackupStorage& storage);
  // The storage of spec.mariabackup.incrementalBasePath; null without one.
  Result<std::unique_ptr<BackupStorage>> open_base_storage(const BackupSpec& spec);
  // What an incremental backup may continue: this Backup's artifacts, and every artifact in
  // its incrementalBasePath.
  Result<std::vector<ArtifactManifest>> incremental_candidates(const BackupSpec& spec,
                                                               BackupStorage& storage);
  // The artifacts of this Backup's storage that the incremental Backups of the namespace whose
  // incrementalBasePath it is need: the bases their artifacts and running incremental runs
  // name.
  Result<std::set<std::string>> bases_needed_elsewhere(const BackupSpec& spec);
  // Lists the artifacts into status.artifacts (or the storage's error into status.storage);
  // false when the storage did not answer.
  bool refresh_artifacts(BackupStorage& storage, const std::string& location);
  // The storage, shown unavailable (Complete False, reason StorageUnavailable), answered: status
  // says again what the last run did. Phase and Complete as after that run when it succeeded;
  // when it failed the phase stays Failed (its retry is due()'s) with reason LastRunFailed.
  void show_storage_answers(const BackupSpec& spec, const std::string& location);
  // Shows the problem: phase Failed, the Complete condition and an event. `run_failed`: a due
  // run failed because of it, which lastFailureTime and lastFailureReason record (due() counts
  // the retry's backoff from that time).
  void set_failed(const std::string& reason, const std::string& message, bool run_failed);
  // A CompressionTranslated warning event, once, for the --compress options left out.
  void warn_compress_translated(const BackupSpec& spec);

  NodeAgent& agent_;
  std::filesystem::path home_;
  std::atomic<bool> stopping_{false};
  std::chrono::steady_clock::time_point artifacts_listed_{};
};

}  // namespace mdbop
