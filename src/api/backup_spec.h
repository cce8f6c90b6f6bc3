// The typed views of validated Backup, PhysicalBackup and Restore objects (and of a MariaDB's
// spec.bootstrapFrom) that the backup and restore controllers work from.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "api/mariadb_spec.h"

namespace mdbop {

enum class BackupMethod { kPhysical, kLogical };

// Where artifacts are kept. Exactly one of s3 / directory is set after validation.
struct S3StorageSpec {
  std::string bucket;
  std::string endpoint;  // as written: "host:port" or "https://host"
  std::string region;    // "us-east-1" when not set
  std::string prefix;    // without leading or trailing '/'; may be empty
  std::optional<SecretKeyRef> access_key_id;
  std::optional<SecretKeyRef> secret_access_key;
  std::optional<SecretKeyRef> session_token;
  bool tls_enabled = false;
  std::optional<SecretKeyRef> tls_ca;  // PEM bundle
  std::string storage_class;           // of data objects; empty: the bucket's default
  std::string server_side_encryption;  // "AES256" | "aws:kms" | "" (none)
  std::string kms_key_id;              // aws:kms only; empty: the account's default key
};

struct StorageSpec {
  std::optional<S3StorageSpec> s3;
  // The local directory standing for storage.persistentVolumeClaim or storage.volume:
  //  - volume.hostPath.path                     -> that path
  //  - volume.persistentVolumeClaim.claimName   -> $MDBOP_HOME/volumes/<namespace>/<claimName>
  //  - persistentVolumeClaim (a claim spec)     -> $MDBOP_HOME/volumes/<namespace>/<backup name>
  //  - volume.emptyDir / nfs / csi ...          -> refused by validation (not local)
  // Stored relative to MDBOP_HOME when it starts with "volumes/", else absolute.
  std::optional<std::string> directory;
};

struct ScheduleSpec {
  std::string cron;       // five fields or a macro; validated by parse_cron
  std::string time_zone;  // IANA name; empty means UTC
  bool suspend = false;
  bool immediate = true;  // take one backup right away when the Backup is created
  std::string on_demand;  // onDemand: each new value takes one backup; empty when not set
};

struct RetentionSpec {
  std::optional<int> keep_last;                       // retentionPolicy.keepLast
  std::optional<std::chrono::seconds> ttl;            // retentionPolicy.ttl
  std::optional<std::chrono::seconds> max_retention;  // maxRetention ("30d", "720h")
};

// Which node a backup is taken from.
struct BackupTargetSpec {
  enum class Mode { kReplica, kPreferReplica, kPod } mode = Mode::kPreferReplica;
  std::string pod;  // kPod: "<mariadb>-<index>"
};

struct BackupSpec {
  BackupMethod method = BackupMethod::kPhysical;  // Backup: spec.backupType; PhysicalBackup
  std::string mariadb;                            // mariaDbRef.name / mariadbRef.name
  std::optional<ScheduleSpec> schedule;           // none: run once
  RetentionSpec retention;
  std::string compression = "zstd";            // zstd | gzip | bzip2 | none
  int compression_threads = 0;                 // zstd workers; 0: mdbop's default
  std::optional<SecretKeyRef> encryption_key;  // spec.encryption.keySecretKeyRef
  std::vector<std::string> extra_args;         // mariabackup.extraArgs / args / mysqldump.extraArgs
  // Physical: mariadb-backup's --compress options, taken out of extra_args and translated into
  // compression and compression_threads (their qpress output is never made).
  std::vector<std::string> translated_options;
  // Physical: --incremental among the extra arguments (taken out of extra_args), or
  // mariabackup.incrementalBasePath. Each run continues the newest artifact of its chain
  // (backup/incremental_chain.h) when it can, and is a full backup otherwise.
  bool incremental = false;
  // mariabackup.incrementalBasePath: where the full backups a chain may begin on are kept,
  // this Backup's storage with its directory (an absolute path) or S3 prefix replaced, read
  // with this Backup's credentials and encryption key. None: this Backup's storage alone.
  std::optional<StorageSpec> incremental_base_storage;
  std::vector<std::string> databases;  // logical: mysqldump.databases / databases
  // logical: spec.ignoreGlobalPriv, leave mysql.global_priv out; none: true with Galera
  std::optional<bool> ignore_global_priv;
  BackupTargetSpec target;
  std::optional<std::chrono::seconds> timeout;  // spec.timeout; none: no limit
  // spec.verifyAfterBackup (mdbop): check every new artifact as `mdbop backup verify` does
  bool verify_after_backup = false;
  StorageSpec storage;
};

// Where a restore reads from: a Backup object's storage, or a storage given directly.
struct RestoreSourceSpec {
  std::string backup_ref;              // name of a Backup or PhysicalBackup in the same namespace
  std::string backup_ref_kind;         // "Backup" | "PhysicalBackup" | "" (look up both)
  std::optional<StorageSpec> storage;  // spec.s3 / spec.volume when no backupRef
  std::optional<std::chrono::system_clock::time_point> target_recovery_time;
  std::string artifact;  // spec.artifact: an artifact id to restore exactly; empty: choose
  std::optional<SecretKeyRef> encryption_key;  // for direct storage; a backupRef brings its own
  // bootstrapFrom.backupContentType, or implied by backupRef.kind (Physical with
  // pointInTimeRecoveryRef); none: as the artifact says
  std::optional<BackupMethod> method;
  // spec.pointInTimeRecoveryRef.name: a restore to a moment, from the archive of that
  // PointInTimeRecovery (same namespace) on the newest base backup of its physicalBackupRef at
  // or before the target. The target: target_recovery_time, or target_recovery_gtid, or neither
  // (the newest archived transaction).
  std::string point_in_time_recovery;
  std::string target_recovery_gtid;  // spec.targetRecoveryGtid, "domain-server-sequence"
};

struct RestoreSpec {
  RestoreSourceSpec source;
  std::string mariadb;   // mariaDbRef.name / targetMariaDB.name
  std::string database;  // logical: restore only this database; empty: everything
  // Physical: mariabackup.extraArgs, options of mariadb-backup --prepare from the allowlist
  // of prepare_option_problem (api/mariabackup_options.h).
  std::vector<std::string> prepare_args;
};

// Where and how a MariaDB's binary logs are archived (a PointInTimeRecovery's spec).
struct PointInTimeRecoverySpec {
  std::string physical_backup;  // physicalBackupRef.name, in the same namespace
  StorageSpec storage;
  std::string compression = "zstd";            // zstd | gzip | bzip2 | none
  std::optional<SecretKeyRef> encryption_key;  // spec.encryption.keySecretKeyRef
  // How long a closed segment may wait for the storage before a Warning event says so.
  std::chrono::seconds archive_timeout{3600};
  bool strict_mode = false;  // a restore to a moment the archive cannot reach is refused
};

// REQUIRES: the object passed validate_and_default().
PointInTimeRecoverySpec point_in_time_recovery_spec_from(const nlohmann::json& object);
BackupSpec backup_spec_from(const nlohmann::json& backup);
RestoreSpec restore_spec_from(const nlohmann::json& restore);
// The Restore (not yet validated) that fills a new MariaDB from its spec.bootstrapFrom, named
// <mariadb>-bootstrap; nullopt without bootstrapFrom.
std::optional<nlohmann::json> bootstrap_restore_of(const nlohmann::json& mariadb);

}  // namespace mdbop
