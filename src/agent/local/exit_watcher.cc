#include "agent/local/exit_watcher.h"

#include <vector>

#include "util/subprocess.h"

namespace mdbop {

ExitWatcher::~ExitWatcher() {
  stopping_ = true;
  if (thread_.joinable()) thread_.join();
}

void ExitWatcher::set_handler(std::function<void(const NodeExit&)> on_exit) {
  std::lock_guard delivery(delivery_mutex_);
  on_exit_ = std::move(on_exit);
  if (!thread_.joinable()) thread_ = std::thread([this] { loop(); });
}

void ExitWatcher::watch(const NodeId& id, pid_t pid) {
  std::lock_guard lock(mutex_);
  Watched& watched = watched_[id.qualified_pod()];
  if (watched.pid == pid) return;
  watched = {id, pid, false};
}

void ExitWatcher::expect_exit(const NodeId& id, pid_t pid) {
  std::lock_guard lock(mutex_);
  auto it = watched_.find(id.qualified_pod());
  if (it != watched_.end() && it->second.pid == pid) it->second.requested = true;
}

void ExitWatcher::loop() {
  while (!stopping_) {
    std::vector<NodeExit> exits;
    {
      std::lock_guard lock(mutex_);
      for (auto it = watched_.begin(); it != watched_.end();) {
        const Watched& watched = it->second;
        reap_if_exited(watched.pid);
        if (process_alive(watched.pid)) {
          ++it;
          continue;
        }
        exits.push_back({watched.id, std::to_string(watched.pid), watched.requested});
        it = watched_.erase(it);
      }
    }
    // Outside the lock: the handler talks SQL to the survivors and may look at nodes again.
    for (const NodeExit& exit : exits) {
      std::lock_guard delivery(delivery_mutex_);
      if (on_exit_) on_exit_(exit);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

}  // namespace mdbop
