#include "agent/local/exit_watcher.h"

#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <future>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "thread_probe.h"

#include "util/subprocess.h"

namespace mdbop {
namespace {

using namespace std::chrono_literals;

const NodeId kNode{"ns", "galera", 0};
const NodeId kOtherNode{"ns", "galera", 1};

// The exits a handler was given, and a way to wait for them.
class Exits {
 public:
  std::function<void(const NodeExit&)> handler() {
    return [this](const NodeExit& exit) {
      std::lock_guard lock(mutex_);
      seen_.push_back(exit);
      changed_.notify_all();
    };
  }
  // The exits seen, once there are `count` of them or 10 s have passed.
  std::vector<NodeExit> wait_for(std::size_t count) {
    std::unique_lock lock(mutex_);
    changed_.wait_for(lock, 10s, [&] { return seen_.size() >= count; });
    return seen_;
  }
  std::vector<NodeExit> seen() {
    std::lock_guard lock(mutex_);
    return seen_;
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<NodeExit> seen_;
};

// Waits up to 10 s for `done`.
template <class Predicate>
bool eventually(Predicate done) {
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (!done()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(1ms);
  }
  return true;
}

// Whether some thread of this process sleeps in poll() without a timeout.
bool a_thread_polls_without_timeout() {
  for (const auto& task : std::filesystem::directory_iterator("/proc/self/task")) {
    std::ifstream file(task.path() / "syscall");
    long number = -1;
    std::string fds, count, timeout;
    if (!(file >> number >> fds >> count >> timeout)) continue;
    const auto argument = std::stoull(timeout, nullptr, 16);
#ifdef SYS_poll  // glibc's poll() where the system call exists (x86_64), else ppoll()
    if (number == SYS_poll && static_cast<int>(argument) == -1) return true;
#endif
    if (number == SYS_ppoll && argument == 0) return true;  // no timespec: no timeout
  }
  return false;
}

// Descriptors open in this process.
int open_fds() {
  int count = 0;
  for ([[maybe_unused]] const auto& fd : std::filesystem::directory_iterator("/proc/self/fd")) {
    ++count;
  }
  return count;
}

class ExitWatcherTest : public ::testing::Test {
 protected:
  // A child running `sleep 30`; 0 (and a failure) when it cannot be started.
  pid_t start_child() {
    SubprocessOptions options;
    options.argv = {"sleep", "30"};
    auto pid = spawn_detached(options);
    if (!pid) {
      ADD_FAILURE() << pid.error().message;
      return 0;
    }
    children_.push_back(*pid);
    return *pid;
  }

  // Kills a child that nobody has reaped yet (so its pid cannot have been reused).
  static void kill_child(pid_t pid) {
    ASSERT_GT(pid, 0);
    ASSERT_EQ(::kill(pid, SIGKILL), 0);
  }

  // Whether `pid` was reaped (by the watcher): waitid() no longer knows it as our child.
  static bool reaped(pid_t pid) {
    siginfo_t info{};
    return ::waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOHANG | WNOWAIT) < 0 &&
           errno == ECHILD;
  }

  void TearDown() override {
    for (pid_t pid : children_) {
      if (reaped(pid)) continue;  // its pid may belong to another process by now
      ::kill(pid, SIGKILL);
      ::waitpid(pid, nullptr, 0);
    }
  }

  std::vector<pid_t> children_;
};

TEST_F(ExitWatcherTest, ReportsAKilledServerAsUnrequestedAndReapsIt) {
  Exits exits;
  ExitWatcher watcher;
  watcher.set_handler(exits.handler());
  const pid_t pid = start_child();
  watcher.watch(kNode, pid);
  kill_child(pid);

  const auto seen = exits.wait_for(1);
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].id.qualified_pod(), kNode.qualified_pod());
  EXPECT_EQ(seen[0].instance, std::to_string(pid));
  EXPECT_FALSE(seen[0].requested);
  EXPECT_TRUE(reaped(pid));  // before it was reported
}

TEST_F(ExitWatcherTest, ReportsAnExpectedExitAsRequested) {
  Exits exits;
  ExitWatcher watcher;
  watcher.set_handler(exits.handler());
  const pid_t pid = start_child();
  watcher.watch(kNode, pid);
  watcher.expect_exit(kNode, pid);
  kill_child(pid);

  const auto seen = exits.wait_for(1);
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].instance, std::to_string(pid));
  EXPECT_TRUE(seen[0].requested);
}

TEST_F(ExitWatcherTest, ReportsAServerGoneBeforeItWasWatchedAtOnce) {
  Exits exits;
  ExitWatcher watcher;
  watcher.set_handler(exits.handler());
  const pid_t pid = start_child();
  kill_child(pid);
  ASSERT_EQ(::waitpid(pid, nullptr, 0), pid);  // no process has this pid now

  watcher.watch(kNode, pid);

  const auto seen = exits.wait_for(1);
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].id.qualified_pod(), kNode.qualified_pod());
  EXPECT_EQ(seen[0].instance, std::to_string(pid));
  EXPECT_FALSE(seen[0].requested);
}

TEST_F(ExitWatcherTest, WatchingANewPidOfTheNodeForgetsTheOldOne) {
  Exits exits;
  ExitWatcher watcher;
  watcher.set_handler(exits.handler());
  const pid_t old_pid = start_child();
  const pid_t new_pid = start_child();
  watcher.watch(kNode, old_pid);
  watcher.watch(kNode, new_pid);

  kill_child(old_pid);
  // Nobody else reaps it: the watcher would if it still watched it.
  ASSERT_EQ(::waitpid(old_pid, nullptr, 0), old_pid);
  kill_child(new_pid);

  const auto seen = exits.wait_for(1);
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].instance, std::to_string(new_pid));
}

TEST_F(ExitWatcherTest, ReportsToNobodyOnceDetached) {
  Exits exits;
  ExitWatcher watcher;
  watcher.set_handler(exits.handler());
  const pid_t first = start_child();
  watcher.watch(kNode, first);
  kill_child(first);
  ASSERT_EQ(exits.wait_for(1).size(), 1u);

  watcher.set_handler({});
  const pid_t second = start_child();
  watcher.watch(kOtherNode, second);
  kill_child(second);
  // The watcher reaps the second before it would report it, then goes back to sleep.
  ASSERT_TRUE(eventually([&] { return reaped(second); }));
  ASSERT_TRUE(wait_until_other_threads_asleep());

  EXPECT_EQ(exits.seen().size(), 1u);
}

TEST_F(ExitWatcherTest, SetHandlerWaitsForTheCallUnderWay) {
  std::mutex mutex;
  std::condition_variable changed;
  bool entered = false;
  bool released = false;
  auto release = [&] {
    std::lock_guard lock(mutex);
    released = true;
    changed.notify_all();
  };
  ExitWatcher watcher;
  // Destroyed before the watcher: its thread is never left waiting in the handler.
  struct Releaser {
    std::function<void()> release;
    ~Releaser() { release(); }
  } releaser{release};
  watcher.set_handler([&](const NodeExit&) {
    std::unique_lock lock(mutex);
    entered = true;
    changed.notify_all();
    changed.wait(lock, [&] { return released; });
  });
  const pid_t pid = start_child();
  watcher.watch(kNode, pid);
  kill_child(pid);
  {
    std::unique_lock lock(mutex);
    ASSERT_TRUE(changed.wait_for(lock, 10s, [&] { return entered; }));
  }

  std::promise<pid_t> tid;
  std::atomic<bool> returned{false};
  std::thread replacing([&] {
    tid.set_value(::gettid());
    watcher.set_handler({});
    returned = true;
  });
  EXPECT_TRUE(
      wait_until_blocked_in(tid.get_future().get(), SYS_futex, [&] { return returned.load(); }));
  release();
  replacing.join();
  EXPECT_TRUE(returned);
}

TEST_F(ExitWatcherTest, SleepsWithoutTimeoutWhileNothingExits) {
  Exits exits;
  ExitWatcher watcher;
  watcher.set_handler(exits.handler());
  const pid_t pid = start_child();
  watcher.watch(kNode, pid);

  EXPECT_TRUE(eventually(a_thread_polls_without_timeout));
}

TEST_F(ExitWatcherTest, ClosesEveryDescriptor) {
  const int before = open_fds();
  {
    Exits exits;
    ExitWatcher watcher;
    watcher.set_handler(exits.handler());
    const pid_t replaced = start_child();
    const pid_t exiting = start_child();
    const pid_t living = start_child();
    watcher.watch(kNode, replaced);
    watcher.watch(kNode, exiting);  // closes the pidfd of `replaced`
    watcher.watch(kOtherNode, living);
    kill_child(exiting);
    ASSERT_EQ(exits.wait_for(1).size(), 1u);
    // `living` is still watched: the destructor closes its pidfd.
  }
  EXPECT_EQ(open_fds(), before);
}

}  // namespace
}  // namespace mdbop
