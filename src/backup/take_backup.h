// Takes one backup: streams what a node gives (mariadb-backup or mariadb-dump output, read
// by the node agent) through compression, encryption and a SHA-256 digest into the storage, then
// writes the manifest. Nothing is staged on local disk; a failure at any point leaves no manifest,
// so no artifact, and the earlier artifacts untouched.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "backup/artifact_manifest.h"
#include "backup/compression.h"
#include "backup/progress_sink.h"
#include "sql/backup_source_facts.h"
#include "storage/backup_storage.h"

namespace mdbop {

// Streams the node's backup into the sink it is given (without finishing it).
using BackupSource = std::function<Result<BackupSourceFacts>(ByteSink& out)>;

struct TakeBackupRequest {
  std::string id;      // the artifact's id (its folder in the storage)
  std::string method;  // "physical" | "logical"
  std::string backup;  // "<namespace>/<name>"
  std::string backup_uid;
  std::string mariadb;  // "<namespace>/<name>"
  std::string pod;      // the node it is taken from
  // The MariaDB's status.binlogHistory; empty: its Galera cluster's UUID (ArtifactManifest).
  std::string binlog_history;
  std::string compression = "zstd";
  int compression_threads = kDefaultCompressionThreads;  // zstd's workers
  std::optional<std::string> encryption_secret;
  // Physical: the artifact this one continues and its to_lsn, from which the incremental
  // backup was streamed; empty and 0 for a full backup.
  std::string incremental_base;
  std::uint64_t incremental_from_lsn = 0;
};

// Runs the backup; `progress` is called about once a second.
Result<ArtifactManifest> take_backup(const TakeBackupRequest& request, BackupStorage& storage,
                                     const BackupSource& source, const ProgressCallback& progress);

}  // namespace mdbop
