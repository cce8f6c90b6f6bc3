#include "agent/local/exit_watcher.h"

#include <poll.h>
#include <sys/eventfd.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <vector>

#include <spdlog/spdlog.h>

#include "util/subprocess.h"

namespace mdbop {

namespace {

// How often a server without a pidfd is looked at.
constexpr int kCheckEveryMs = 1000;

// Through syscall(): glibc 2.36's <sys/pidfd.h> declares its wrappers without C linkage. The
// descriptor is close-on-exec.
int pidfd_open(pid_t pid) { return static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)); }

// Whether `fd` is readable now, without waiting.
bool readable(int fd) {
  pollfd entry{fd, POLLIN, 0};
  int ready;
  do {
    ready = ::poll(&entry, 1, 0);
  } while (ready < 0 && errno == EINTR);
  return ready > 0 && (entry.revents & POLLIN) != 0;
}

}  // namespace

ExitWatcher::ExitWatcher() : wake_fd_(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) {
  if (wake_fd_ < 0) {
    spdlog::error("exit watcher has no eventfd, checking every second error=\"{}\"",
                  std::strerror(errno));
  }
}

ExitWatcher::~ExitWatcher() {
  stopping_ = true;
  wake();
  if (thread_.joinable()) thread_.join();
  for (auto& [key, watched] : watched_) {
    if (watched.pidfd >= 0) ::close(watched.pidfd);
  }
  if (wake_fd_ >= 0) ::close(wake_fd_);
}

void ExitWatcher::set_handler(std::function<void(const NodeExit&)> on_exit) {
  std::lock_guard delivery(delivery_mutex_);
  on_exit_ = std::move(on_exit);
  if (!thread_.joinable()) thread_ = std::thread([this] { loop(); });
}

void ExitWatcher::watch(const NodeId& id, pid_t pid) {
  {
    std::lock_guard lock(mutex_);
    const std::string key = id.qualified_pod();
    auto it = watched_.find(key);
    if (it != watched_.end() && it->second.pid == pid) return;
    Watched fresh{id, pid};
    fresh.pidfd = pid > 0 ? pidfd_open(pid) : -1;
    const int error = fresh.pidfd < 0 ? errno : 0;
    if (pid <= 0 || error == ESRCH) {
      fresh.gone = true;
    } else if (error == ENOSYS) {
      if (!logged_no_pidfd_) {
        spdlog::error("no pidfd_open (Linux < 5.3): checking servers every second for exits");
        logged_no_pidfd_ = true;
      }
    } else if (error != 0) {
      spdlog::warn("cannot watch server by pidfd, checking every second pod={} pid={} error=\"{}\"",
                   key, pid, std::strerror(error));
    }
    if (it == watched_.end()) {
      watched_.emplace(key, fresh);
    } else {
      // The thread may be in poll() on the old pidfd; it is woken below and looks again.
      if (it->second.pidfd >= 0) ::close(it->second.pidfd);
      it->second = fresh;
    }
  }
  wake();
}

void ExitWatcher::expect_exit(const NodeId& id, pid_t pid) {
  // The thread reads `requested` when it finds the exit: no need to wake it.
  std::lock_guard lock(mutex_);
  auto it = watched_.find(id.qualified_pod());
  if (it != watched_.end() && it->second.pid == pid) it->second.requested = true;
}

bool ExitWatcher::exited(const Watched& watched) {
  if (watched.gone) return true;
  if (watched.pidfd >= 0) {
    if (!readable(watched.pidfd)) return false;
    reap_if_exited(watched.pid);  // readable: a zombie (waitable now) or already reaped
    return true;
  }
  reap_if_exited(watched.pid);
  return !process_alive(watched.pid);
}

void ExitWatcher::wake() {
  if (wake_fd_ < 0) return;
  const std::uint64_t one = 1;
  // Fails only when the counter would overflow, and then the thread is woken anyway.
  if (::write(wake_fd_, &one, sizeof one) < 0) return;
}

void ExitWatcher::loop() {
  while (!stopping_) {
    std::vector<NodeExit> exits;
    std::vector<pollfd> fds{{wake_fd_, POLLIN, 0}};  // a negative fd is ignored by poll()
    bool check_every_second = wake_fd_ < 0;
    {
      // Every server is looked at on each wake-up, not only those poll() named: a pidfd in
      // `fds` may have been closed (and its number reused) by watch() meanwhile.
      std::lock_guard lock(mutex_);
      for (auto it = watched_.begin(); it != watched_.end();) {
        const Watched& watched = it->second;
        if (!exited(watched)) {
          if (watched.pidfd >= 0) {
            fds.push_back({watched.pidfd, POLLIN, 0});
          } else {
            check_every_second = true;
          }
          ++it;
          continue;
        }
        exits.push_back({watched.id, std::to_string(watched.pid), watched.requested});
        if (watched.pidfd >= 0) ::close(watched.pidfd);
        it = watched_.erase(it);
      }
    }
    // Outside the lock: the handler talks SQL to the survivors and may look at nodes again.
    for (const NodeExit& exit : exits) {
      std::lock_guard delivery(delivery_mutex_);
      if (on_exit_) on_exit_(exit);
    }
    if (stopping_) break;
    // Until a server exits or watch() or the destructor wakes us: no timeout unless a server
    // has no pidfd.
    if (::poll(fds.data(), fds.size(), check_every_second ? kCheckEveryMs : -1) < 0 &&
        errno != EINTR) {
      spdlog::error("exit watcher cannot poll, retrying in a second error=\"{}\"",
                    std::strerror(errno));
      std::this_thread::sleep_for(std::chrono::milliseconds(kCheckEveryMs));
      continue;
    }
    if (fds[0].revents & POLLIN) {
      std::uint64_t count;
      if (::read(wake_fd_, &count, sizeof count) < 0) continue;  // EAGAIN: drained already
    }
  }
}

}  // namespace mdbop
