// Takes one backup: runs mariadb-backup or mariadb-dump on a node and streams its output
// through compression, encryption and a SHA-256 digest into the storage, then writes the
// manifest. Nothing is staged on local disk; a failure at any point leaves no manifest, so no
// artifact, and the earlier artifacts untouched.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "backup/artifact_manifest.h"
#include "backup/progress_sink.h"
#include "storage/backup_storage.h"

namespace mdbop {

struct BackupNode {
  std::string pod;
  std::string socket;
  std::string data_dir;
};

struct TakeBackupRequest {
  std::string id;      // the artifact's id (its folder in the storage)
  std::string method;  // "physical" | "logical"
  std::string backup;  // "<namespace>/<name>"
  std::string backup_uid;
  std::string mariadb;  // "<namespace>/<name>"
  BackupNode node;
  std::string root_password;
  std::string compression = "zstd";
  std::optional<std::string> encryption_secret;
  std::vector<std::string> extra_args;
  std::vector<std::string> databases;  // logical; empty: every user database
  std::filesystem::path work_dir;      // private scratch directory, removed afterwards
  std::chrono::seconds timeout{std::chrono::hours(24)};
};

// Runs the backup; `progress` is called about once a second, `should_stop` polled as often.
Result<ArtifactManifest> take_backup(const TakeBackupRequest& request, BackupStorage& storage,
                                     const ProgressCallback& progress,
                                     const std::function<bool()>& should_stop);

}  // namespace mdbop
