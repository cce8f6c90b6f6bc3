// Notices the exit of node servers on this machine: every server the agent saw or started is
// watched, and reaped when it is our child.
//
// One thread sleeps in poll() on a pidfd per server (readable once the process it was opened
// on has exited; a pid reused later does not matter) and on an eventfd that watch() and the
// destructor write to wake it, with no timeout: an idle agent costs no CPU (it used to poll
// every 50 ms).
//
// A server already gone when it is watched (pidfd_open: ESRCH) is reported at once. Where
// pidfd_open cannot be used (ENOSYS before Linux 5.3, logged once; other errors, logged each
// time) that server is checked with process_alive() every second instead.
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
  ExitWatcher();
  ~ExitWatcher();
  ExitWatcher(const ExitWatcher&) = delete;
  ExitWatcher& operator=(const ExitWatcher&) = delete;

  // Exits of watched servers go to `on_exit` from now on (none: to nobody). Returns once no
  // call of the previous handler is under way. Starts the thread on first use; exits noticed
  // before then are reported to the first handler.
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
    bool gone = false;  // had exited before it was watched
    int pidfd = -1;     // owned; -1: gone, or checked every second
  };
  void loop();
  // Whether `watched` has exited; reaps it if so.
  static bool exited(const Watched& watched);
  void wake();

  std::mutex mutex_;
  std::map<std::string, Watched> watched_;  // by namespace/pod
  bool logged_no_pidfd_ = false;            // ENOSYS was logged
  std::mutex delivery_mutex_;               // held while the handler runs
  std::function<void(const NodeExit&)> on_exit_;
  int wake_fd_ = -1;  // eventfd; -1 if it could not be made (then the thread wakes every second)
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

}  // namespace mdbop
