#include "util/pid_lock.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

namespace mdbop {

namespace {

// Through syscall(): glibc 2.36's <sys/pidfd.h> declares its wrappers without C linkage.
int pidfd_open(pid_t pid) { return static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)); }
int pidfd_send_signal(int pidfd, int signal) {
  return static_cast<int>(::syscall(SYS_pidfd_send_signal, pidfd, signal, nullptr, 0));
}

struct flock whole_file(short type) {
  struct flock lock {};
  lock.l_type = type;
  lock.l_whence = SEEK_SET;  // l_start and l_len 0: the whole file, however long
  return lock;
}

}  // namespace

PidLock::PidLock(PidLock&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }

PidLock::~PidLock() {
  if (fd_ >= 0) ::close(fd_);
}

Result<PidLock> take_pid_lock(const std::filesystem::path& path) {
  int fd = ::open(path.c_str(), O_CREAT | O_RDWR | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) return fail("cannot open " + path.string() + ": " + std::strerror(errno));
  struct flock lock = whole_file(F_WRLCK);
  if (::fcntl(fd, F_SETLK, &lock) == 0) return PidLock(fd);
  const int error = errno;
  ::close(fd);
  if (error != EACCES && error != EAGAIN) {
    return fail("cannot lock " + path.string() + ": " + std::strerror(error));
  }
  auto holder = pid_lock_holder(path);
  return fail(path.string() + " is locked" +
              (holder ? " by pid " + std::to_string(*holder) : std::string()));
}

std::optional<pid_t> pid_lock_holder(const std::filesystem::path& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) return std::nullopt;
  struct flock lock = whole_file(F_WRLCK);
  const bool asked = ::fcntl(fd, F_GETLK, &lock) == 0;
  ::close(fd);
  if (!asked || lock.l_type == F_UNLCK || lock.l_pid <= 0) return std::nullopt;
  return lock.l_pid;
}

Result<std::optional<pid_t>> signal_pid_lock_holder(const std::filesystem::path& path, int signal) {
  auto holder = pid_lock_holder(path);
  if (!holder) return std::nullopt;
  int pidfd = pidfd_open(*holder);
  if (pidfd < 0) {
    if (errno == ESRCH) return std::nullopt;  // ended since
    return fail("cannot reach pid " + std::to_string(*holder) + ": " + std::strerror(errno));
  }
  // The pidfd names that very process; if it still holds the lock, the pid was not reused.
  Result<std::optional<pid_t>> result = std::nullopt;
  if (pid_lock_holder(path) == holder) {
    if (pidfd_send_signal(pidfd, signal) == 0) {
      result = holder;
    } else if (errno != ESRCH) {
      result = fail("cannot signal pid " + std::to_string(*holder) + ": " + std::strerror(errno));
    }
  }
  ::close(pidfd);
  return result;
}

}  // namespace mdbop
