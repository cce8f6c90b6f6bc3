// Seeing that a thread of this process waits, instead of sleeping and guessing: Linux shows in
// /proc/self/task/<tid>/syscall the system call a blocked thread is in ("<number> <args>...")
// and "running" for a thread that is not blocked.
#pragma once

#include <sys/syscall.h>
#include <sys/types.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <functional>
#include <string>
#include <thread>

namespace mdbop {

// Whether thread `tid` of this process is blocked in system call `number` (SYS_futex, ...).
inline bool blocked_in_syscall(pid_t tid, long number) {
  std::ifstream file("/proc/self/task/" + std::to_string(tid) + "/syscall");
  long current = -1;
  return static_cast<bool>(file >> current) && current == number;
}

// Waits until thread `tid` is blocked in system call `number`. False when `went_on` holds
// first (the thread got past the point where it should have waited), or after 10 s.
inline bool wait_until_blocked_in(pid_t tid, long number, const std::function<bool()>& went_on) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (std::chrono::steady_clock::now() < deadline) {
    if (went_on()) return false;
    if (blocked_in_syscall(tid, number)) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return false;
}

}  // namespace mdbop
