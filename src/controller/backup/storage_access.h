// Opens the storage a Backup or Restore names, with its credentials read from Secrets.
#pragma once

#include <filesystem>
#include <memory>
#include <string>

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

}  // namespace mdbop
