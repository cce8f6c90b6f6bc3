// BackupReconciler: makes one Backup or PhysicalBackup true. It takes a backup when one is
// due (created without a schedule, the schedule fired, `mdbop backup run` asked), records the
// run in status before starting it so an interrupted run is cleaned up by the next pass,
// prunes by the retention policy and keeps the list of stored artifacts in status.
#pragma once

#include <atomic>
#include <chrono>
#include <filesystem>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "agent/node_agent.h"
#include "api/annotations.h"
#include "api/backup_spec.h"
#include "backup/artifact_catalog.h"
#include "controller/reconciler.h"
#include "store/store.h"
#include "util/time_text.h"

namespace mdbop {

class BackupReconciler : public Reconciler {
 public:
  // `home` resolves relative volume paths of the storage.
  BackupReconciler(Store& store, NodeAgent& agent, std::filesystem::path home, ObjectKey key);

  std::chrono::milliseconds reconcile() override;
  bool finished() const override { return finished_; }
  void stop_soon() override { stopping_ = true; }

 private:
  // Why a run is due now, or nullopt with the time the next one is due (if any).
  struct Due {
    std::string reason;  // "Scheduled", "RunNow", "Once", "Retry"
    std::optional<SysSeconds> next;
  };
  Due due(const BackupSpec& spec, SysSeconds now);
  void clean_interrupted_run(BackupStorage* storage);
  // Takes one backup; on success prunes by the retention policy and lists the artifacts
  // before it marks the Backup Complete.
  Result<ArtifactManifest> run_backup(const BackupSpec& spec, BackupStorage& storage,
                                      const std::string& reason);
  void prune(const BackupSpec& spec, BackupStorage& storage);
  void refresh_artifacts(BackupStorage& storage, const std::string& location);
  void event(const std::string& type, const std::string& reason, const std::string& message);
  void set_failed(const std::string& reason, const std::string& message);
  long long generation() const;

  Store& store_;
  NodeAgent& agent_;
  std::filesystem::path home_;
  ObjectKey key_;
  json object_;
  bool finished_ = false;
  std::atomic<bool> stopping_{false};
  std::chrono::steady_clock::time_point artifacts_listed_{};
};

}  // namespace mdbop
