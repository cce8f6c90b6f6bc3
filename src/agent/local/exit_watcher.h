// Notices the exit of node servers on this machine: every server the agent saw or started is
// watched, and reaped when it is our child. Polls every 50 ms on its own thread.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>

#include "agent/node_agent.h"

namespace mdbop {

class ExitWatcher {
 public:
  ExitWatcher() = default;
  ~ExitWatcher();
  ExitWatcher(const ExitWatcher&) = delete;
  ExitWatcher& operator=(const ExitWatcher&) = delete;

  // Exits of watched servers go to `on_exit` from now on (none: to nobody). Returns once no
  // call of the previous handler is under way. Starts the thread on first use.
  void set_handler(std::function<void(const NodeExit&)> on_exit);
  // Watches the server `pid` of node `id` (replacing an earlier one of the same node).
  void watch(const NodeId& id, pid_t pid);
  // The exit of `pid` will be reported as requested.
  void expect_exit(const NodeId& id, pid_t pid);

 private:
  struct Watched {
    NodeId id;
    pid_t pid = 0;
    bool requested = false;
  };
  void loop();

  std::mutex mutex_;
  std::map<std::string, Watched> watched_;  // by namespace/pod
  std::mutex delivery_mutex_;               // held while the handler runs
  std::function<void(const NodeExit&)> on_exit_;
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

}  // namespace mdbop
