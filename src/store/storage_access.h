// Opens the storage a Backup or Restore names, with its credentials read from Secrets; and
// everything reading a Backup's artifacts needs (its storage and encryption key), for the
// operator's restores and checks and for `mdbop backup verify` / `download`.
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "api/backup_spec.h"
#include "storage/backup_storage.h"
#include "store/store.h"

namespace mdbop {

// `home` resolves directories given relative to MDBOP_HOME ("volumes/<ns>/<claim>").
// `field` prefixes errors ("spec.storage", "spec.s3").
Result<std::unique_ptr<BackupStorage>> open_storage(Store& store, const std::string& namespace_,
                                                    const StorageSpec& spec,
                                                    const std::filesystem::path& home,
                                                    const std::string& field);

// "s3://bucket/prefix" or the directory, for status and messages.
std::string describe_storage(const StorageSpec& spec, const std::filesystem::path& home);

// Whether two storages are one place: one prefix of one bucket at one endpoint, or one
// directory however written ("/var/backups/full/" is "/var/backups/full").
bool same_storage(const StorageSpec& a, const StorageSpec& b, const std::filesystem::path& home);

// A Backup's (or PhysicalBackup's) artifacts, opened for reading.
struct BackupArtifacts {
  std::unique_ptr<BackupStorage> storage;
  std::string location;                          // describe_storage
  std::optional<std::string> encryption_secret;  // its spec.encryption key, when it has one
  // An incremental Backup's mariabackup.incrementalBasePath, where its chains may begin
  // (backup/incremental_chain.h read_chain); null without one.
  std::unique_ptr<BackupStorage> base_storage;
};

// Opens the storage and reads the encryption key of `backup` (a validated Backup or
// PhysicalBackup object) from the Secrets of its own namespace. Errors name the object and the
// field: "PhysicalBackup nightly spec.encryption.keySecretKeyRef: Secret ... does not exist".
Result<BackupArtifacts> open_backup_artifacts(Store& store, const nlohmann::json& backup,
                                              const std::filesystem::path& home);

}  // namespace mdbop
