// FilesystemStorage: backup objects as files under a root directory (a local disk, an NFS
// mount). An object is written through create_file_writer (storage/file_writer.h): a hidden
// temporary sibling, fsynced and renamed into place, so a reader or a crash never sees half an
// object.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "storage/backup_storage.h"

namespace mdbop {

class FilesystemStorage : public BackupStorage {
 public:
  // Creates root (mode 0700) when missing.
  static Result<std::unique_ptr<FilesystemStorage>> open(const std::filesystem::path& root);

  Result<std::unique_ptr<ObjectWriter>> create(const std::string& key, ObjectUse use) override;
  Result<void> read(const std::string& key, ByteSink& sink) override;
  // Hidden entries (temporaries) are never reported.
  Result<std::vector<StoredObject>> list(const std::string& prefix) override;
  // Also removes the directories the removal left empty, up to the root.
  Result<void> remove(const std::string& key) override;
  std::string location(const std::string& key) const override;
  // The whole directory, hidden temporaries included.
  Result<void> remove_folder(const std::string& folder) override;

 private:
  explicit FilesystemStorage(std::filesystem::path root) : root_(std::move(root)) {}
  std::filesystem::path root_;
};

}  // namespace mdbop
