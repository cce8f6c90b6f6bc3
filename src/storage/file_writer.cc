#include "storage/file_writer.h"

#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstring>
#include <random>

#include <fmt/format.h>

namespace mdbop {

namespace fs = std::filesystem;

namespace {

tl::unexpected<Error> io_failure(int error, std::string_view doing, const fs::path& path) {
  return fail(error == ENOENT ? ErrorCode::kNotFound : ErrorCode::kUnknown,
              describe_io_error(error, doing, path));
}

// Makes a rename or a creation durable: without it a crash can lose the directory entry.
Result<void> fsync_directory(const fs::path& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return io_failure(errno, "opening", dir);
  int rc = ::fsync(fd);
  int error = errno;
  ::close(fd);
  if (rc < 0) return io_failure(error, "syncing", dir);
  return {};
}

class FileWriter : public ObjectWriter {
 public:
  FileWriter(int fd, fs::path temp, fs::path target, Overwrite overwrite)
      : fd_(fd), temp_(std::move(temp)), target_(std::move(target)), overwrite_(overwrite) {}
  FileWriter(const FileWriter&) = delete;
  FileWriter& operator=(const FileWriter&) = delete;

  ~FileWriter() override {
    if (fd_ >= 0) ::close(fd_);
    if (!finished_) ::unlink(temp_.c_str());
  }

  Result<void> write(std::string_view bytes) override {
    while (!bytes.empty()) {
      ssize_t n = ::write(fd_, bytes.data(), bytes.size());
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return io_failure(errno, "writing", target_);
      bytes.remove_prefix(static_cast<std::size_t>(n));
    }
    return {};
  }

  Result<void> finish() override {
    // Delayed allocation and NFS report a full disk at fsync or close: both are checked.
    if (::fsync(fd_) < 0) return io_failure(errno, "writing", target_);
    int rc = ::close(fd_);
    fd_ = -1;
    if (rc < 0) return io_failure(errno, "writing", target_);
    const unsigned flags = overwrite_ == Overwrite::kRefuse ? RENAME_NOREPLACE : 0;
    if (::renameat2(AT_FDCWD, temp_.c_str(), AT_FDCWD, target_.c_str(), flags) < 0) {
      if (errno == EEXIST) {
        return fail(ErrorCode::kConflict, target_.string() + " exists; it was left as it was");
      }
      return io_failure(errno, "renaming into", target_);
    }
    finished_ = true;
    return fsync_directory(target_.parent_path());
  }

 private:
  int fd_;
  fs::path temp_;
  fs::path target_;
  Overwrite overwrite_;
  bool finished_ = false;
};

}  // namespace

Result<std::unique_ptr<ObjectWriter>> create_file_writer(const fs::path& target,
                                                         Overwrite overwrite) {
  // O_EXCL and a random suffix keep concurrent or crashed writers from sharing a temporary.
  std::random_device random;
  for (int attempt = 0; attempt < 8; ++attempt) {
    fs::path temp = target.parent_path() /
                    fmt::format(".{}.partial-{:08x}", target.filename().string(), random());
    int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd >= 0) return std::make_unique<FileWriter>(fd, std::move(temp), target, overwrite);
    if (errno != EEXIST) break;
  }
  return io_failure(errno, "creating", target);
}

std::string describe_io_error(int error, std::string_view doing, const fs::path& path) {
  std::string text = std::strerror(error);
  if (!text.empty()) text[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(text[0])));
  return fmt::format("{} {} {}", text, doing, path.string());
}

}  // namespace mdbop
