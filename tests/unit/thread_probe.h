// Seeing that threads of this process wait, instead of sleeping and guessing: Linux shows in
// /proc/self/task/<tid>/syscall the system call a blocked thread is in ("<number> <args>...")
// and "running" for a thread that is not blocked, and in .../stat its state (S: asleep).
#pragma once

#include <sys/syscall.h>
#include <sys/types.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
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

// Whether every thread of this process but the caller is asleep (state S): none can make
// progress until another wakes it. Threads are read one after the other, so a thread woken in
// between may be missed; use it to wait for quiet, never to prove that something cannot happen.
inline bool other_threads_asleep() {
  const std::string self = std::to_string(::gettid());
  for (const auto& task : std::filesystem::directory_iterator("/proc/self/task")) {
    if (task.path().filename() == self) continue;
    std::ifstream file(task.path() / "stat");
    const std::string stat((std::istreambuf_iterator<char>(file)),
                           std::istreambuf_iterator<char>());
    // "tid (comm) S ...": comm may itself contain ") ".
    const std::size_t paren = stat.rfind(')');
    if (paren == std::string::npos || paren + 2 >= stat.size()) continue;  // gone meanwhile
    const char state = stat[paren + 2];
    if (state != 'S' && state != 'Z' && state != 'X') return false;
  }
  return true;
}

// Waits until other_threads_asleep(); false after 10 s.
inline bool wait_until_other_threads_asleep() {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (std::chrono::steady_clock::now() < deadline) {
    if (other_threads_asleep()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return false;
}

}  // namespace mdbop
