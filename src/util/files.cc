#include "util/files.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <random>
#include <system_error>

namespace mdbop {

namespace {

std::string errno_text() { return std::strerror(errno); }

Result<bool> write_all(int fd, const std::string& content) {
  size_t done = 0;
  while (done < content.size()) {
    ssize_t n = ::write(fd, content.data() + done, content.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      return fail(errno_text());
    }
    done += static_cast<size_t>(n);
  }
  return true;
}

// Makes the rename itself durable: without it a crash can bring back the old file.
Result<bool> fsync_dir(const std::filesystem::path& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return fail("cannot open " + dir.string() + ": " + errno_text());
  int rc = ::fsync(fd);
  std::string error = rc < 0 ? errno_text() : "";
  ::close(fd);
  if (rc < 0) return fail("cannot fsync " + dir.string() + ": " + error);
  return true;
}

}  // namespace

Result<bool> write_file_atomic(const std::filesystem::path& path, const std::string& content,
                               mode_t mode, std::optional<gid_t> group) {
  std::filesystem::path dir = path.parent_path();
  if (dir.empty()) dir = ".";
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return fail("cannot create " + dir.string() + ": " + ec.message());

  // A random suffix plus O_EXCL: concurrent writers and leftovers of crashed ones never
  // share a temporary file.
  std::random_device random;
  std::filesystem::path temp;
  int fd = -1;
  for (int attempt = 0; attempt < 8 && fd < 0; ++attempt) {
    temp = dir / ("." + path.filename().string() + ".tmp." + std::to_string(random()));
    // Created 0600 so the content (maybe a Secret) is never readable by others before fchmod.
    fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0 && errno != EEXIST) break;
  }
  if (fd < 0) return fail("cannot create " + temp.string() + ": " + errno_text());

  auto written = write_all(fd, content);
  std::string error;
  if (!written) {
    error = written.error().message;
  } else if (::fsync(fd) < 0 || (group && ::fchown(fd, static_cast<uid_t>(-1), *group) < 0) ||
             ::fchmod(fd, mode) < 0) {
    error = errno_text();
  }
  if (::close(fd) < 0 && error.empty()) error = errno_text();
  if (error.empty() && ::rename(temp.c_str(), path.c_str()) < 0) error = errno_text();
  if (!error.empty()) {
    ::unlink(temp.c_str());
    return fail("cannot write " + path.string() + ": " + error);
  }
  return fsync_dir(dir);
}

Result<std::string> read_file(const std::filesystem::path& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return fail("cannot read " + path.string() + ": " + errno_text());
  // Read to EOF rather than trusting st_size, which is 0 for /proc files.
  std::string content;
  char buffer[65536];
  while (true) {
    ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n < 0) {
      if (errno == EINTR) continue;
      std::string error = errno_text();
      ::close(fd);
      return fail("cannot read " + path.string() + ": " + error);
    }
    if (n == 0) break;
    content.append(buffer, static_cast<size_t>(n));
  }
  ::close(fd);
  return content;
}

FileLock::FileLock(const std::filesystem::path& path) {
  std::error_code ec;
  if (path.has_parent_path()) std::filesystem::create_directories(path.parent_path(), ec);
  fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd_ < 0)
    throw std::system_error(errno, std::generic_category(), "cannot open " + path.string());
  while (::flock(fd_, LOCK_EX) < 0) {
    if (errno == EINTR) continue;
    int error = errno;
    ::close(fd_);
    throw std::system_error(error, std::generic_category(), "cannot lock " + path.string());
  }
}

// Closing the descriptor releases the flock.
FileLock::~FileLock() { ::close(fd_); }

}  // namespace mdbop
