// An exclusive lock on a file whose holder other processes can name: a POSIX record lock
// (fcntl F_SETLK), which the kernel drops when its process ends and reports with the holder's
// pid (F_GETLK). Whether a process runs is read from the lock, never from a pid file that a
// dead process leaves behind for a stranger's pid to match.
//
// REQUIRES of the holder: it never opens and closes the locked file elsewhere (closing any
// descriptor of a file drops the process's POSIX locks on it). Locks are not inherited by
// children.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <optional>

#include "util/result.h"

namespace mdbop {

class PidLock {
 public:
  PidLock(PidLock&& other) noexcept;
  PidLock& operator=(PidLock&&) = delete;
  PidLock(const PidLock&) = delete;
  ~PidLock();  // releases the lock

 private:
  friend Result<PidLock> take_pid_lock(const std::filesystem::path& path);
  explicit PidLock(int fd) : fd_(fd) {}
  int fd_;
};

// Creates the file (0600) if needed and locks it; fails, naming the holder, when another
// process holds it.
Result<PidLock> take_pid_lock(const std::filesystem::path& path);

// The pid of the process holding the lock; nothing when no process holds it (or the file is
// missing). The caller's own lock is not reported.
std::optional<pid_t> pid_lock_holder(const std::filesystem::path& path);

// Sends `signal` to the holder of the lock, if any, and returns its pid. Race-free: the
// process is pinned (pidfd) and then confirmed to hold the lock, so a pid reused by another
// process after the holder ended is never signalled.
Result<std::optional<pid_t>> signal_pid_lock_holder(const std::filesystem::path& path, int signal);

}  // namespace mdbop
