// The manifest stored beside every backup artifact. It is written last, after the data object
// is complete, so an artifact without a complete manifest is a half artifact: it does not
// exist for restore or retention.
#pragma once

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "util/result.h"
#include "util/time_text.h"

namespace mdbop {

struct ArtifactManifest {
  std::string id;      // new_artifact_id (artifact_catalog.h), also the artifact's folder
  std::string method;  // "physical" | "logical"
  std::string backup;  // "<namespace>/<name>" of the Backup or PhysicalBackup that made it
  std::string backup_uid;
  std::string mariadb;  // "<namespace>/<name>" of the source cluster
  std::string pod;      // the node it was taken from
  std::string server_version;
  std::string galera_position;  // "<cluster uuid>:<seqno>"; logical: observed at the start
  std::string gtid;             // empty when the server keeps no GTID position
  // The history of the cluster's binary log the data belongs to (controller/archive: the
  // MariaDB's status.binlogHistory after a restore, else its Galera cluster's UUID), which the
  // archived segments a restore to a moment replays on it are filed under. Manifests written
  // before it was recorded give the UUID of galera_position.
  std::string binlog_history;
  // Physical, from mariadb-backup's xtrabackup_checkpoints: the InnoDB log sequence numbers
  // the copy covers (from_lsn 0: a full backup; else pages changed after it), and the lineage
  // of the node's data it was copied from (backup/incremental_chain.h). 0 and empty in
  // manifests written before incremental backups: those artifacts begin no chain.
  std::uint64_t from_lsn = 0;
  std::uint64_t to_lsn = 0;
  std::string lineage;
  // The id of the artifact an incremental backup continues, which a restore prepares first;
  // empty for a full backup.
  std::string incremental_base;
  SysSeconds started{};
  SysSeconds finished{};
  std::uint64_t source_bytes = 0;  // what mariadb-backup / mariadb-dump produced
  std::uint64_t stored_bytes = 0;  // the data object's size
  std::string compression;         // zstd | gzip | bzip2 | none
  std::string encryption;          // none | aes-256-gcm
  std::string data_key;            // the data object, relative to the storage root
  std::string sha256;              // of the stored bytes, lowercase hex
};

inline constexpr int kManifestFormat = 1;
inline constexpr const char* kManifestFileName = "manifest.json";

// "<id>/manifest.json"
std::string manifest_key(const std::string& id);
// "<id>/data.xbstream.zst.enc", "<id>/dump.sql.gz"...
std::string data_key(const std::string& id, const std::string& method,
                     const std::string& compression, bool encrypted);

nlohmann::json manifest_to_json(const ArtifactManifest& manifest);
// The cluster UUID of a galera_position ("<uuid>:<seqno>"); empty for an empty one.
std::string cluster_uuid_of(const std::string& galera_position);
// Refuses a manifest with any field missing or malformed, naming the field.
// An artifact as status shows it (a Backup's status.artifacts, a Restore's status.artifact),
// with `location` the storage's word for where its data is.
nlohmann::json artifact_status(const ArtifactManifest& m, const std::string& location);
Result<ArtifactManifest> parse_manifest(const std::string& text);

}  // namespace mdbop
