// Small file helpers: atomic replacement, whole-file reads, exclusive locks.
#pragma once

#include <sys/stat.h>

#include <filesystem>
#include <optional>
#include <string>

#include "util/result.h"

namespace mdbop {

// Writes to a temporary file in the same directory, fsyncs it, renames it over `path` and
// fsyncs the directory: readers see the old or the new content, never a mix. With `group`,
// the file belongs to that group before it replaces the old one (a reader in that group never
// finds it unreadable).
Result<bool> write_file_atomic(const std::filesystem::path& path, const std::string& content,
                               mode_t mode = 0600, std::optional<gid_t> group = std::nullopt);

Result<std::string> read_file(const std::filesystem::path& path);

// Holds an exclusive flock() on a lock file for its lifetime (blocking acquire). Creates the
// file (0600) and its directory. Throws std::system_error when the file cannot be opened or
// locked: a constructor has no other way to refuse, and going on unlocked would be worse.
class FileLock {
 public:
  explicit FileLock(const std::filesystem::path& path);
  ~FileLock();
  FileLock(const FileLock&) = delete;
  FileLock& operator=(const FileLock&) = delete;

 private:
  int fd_ = -1;
};

}  // namespace mdbop
