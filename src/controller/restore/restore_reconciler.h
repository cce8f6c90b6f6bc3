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

#include <filesystem>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "agent/node_agent.h"
#include "api/backup_spec.h"
#include "backup/artifact_manifest.h"
#include "backup/take_backup.h"
#include "controller/object_reconciler.h"
#include "storage/backup_storage.h"
#include "store/store.h"

namespace mdbop {

class RestoreReconciler : public ObjectReconciler {
 public:
  // `home` resolves relative volume paths of the storage.
  RestoreReconciler(Store& store, NodeAgent& agent, std::filesystem::path home, ObjectKey key);

 private:
  std::chrono::milliseconds reconcile_object() override;
  // Its prepared data goes unless the MariaDB is replacing its nodes' data with it.
  void clean_up_deleted() override;
  // The storage, key and filter a restore reads from.
  struct Source {
    std::unique_ptr<BackupStorage> storage;
    std::optional<std::string> encryption_secret;
    std::string backup;  // "<namespace>/<name>" of the Backup whose artifacts count; empty: all
    std::string location;
  };
  Result<Source> open_source(const RestoreSpec& spec);
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
  // Where a physical restore receives and prepares the artifact.
  ReceivedBackup received() const;

  NodeAgent& agent_;
  std::filesystem::path home_;
};

}  // namespace mdbop
