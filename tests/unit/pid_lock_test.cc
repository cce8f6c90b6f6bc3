#include "util/pid_lock.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "temp_dir_test.h"

namespace mdbop {
namespace {

// A child process that takes the lock, says so on a pipe, and waits to be signalled.
class LockingChild {
 public:
  explicit LockingChild(const std::filesystem::path& lock) {
    int ready[2];
    EXPECT_EQ(pipe(ready), 0);
    pid_ = fork();
    if (pid_ == 0) {
      close(ready[0]);
      auto held = take_pid_lock(lock);
      char byte = held ? 'y' : 'n';
      if (write(ready[1], &byte, 1) != 1 || !held) _exit(1);
      pause();  // until SIGTERM or SIGKILL
      _exit(0);
    }
    close(ready[1]);
    char byte = 0;
    EXPECT_EQ(read(ready[0], &byte, 1), 1);
    EXPECT_EQ(byte, 'y');
    close(ready[0]);
  }
  ~LockingChild() {
    if (pid_ <= 0) return;
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }
  pid_t pid() const { return pid_; }
  // Waits for it to end; the signal that ended it.
  int reap() {
    int status = 0;
    waitpid(pid_, &status, 0);
    pid_ = 0;
    return WIFSIGNALED(status) ? WTERMSIG(status) : 0;
  }

 private:
  pid_t pid_ = 0;
};

class PidLockFile : public TempDirTest {};

TEST_F(PidLockFile, NoHolderWithoutAFileOrALock) {
  EXPECT_FALSE(pid_lock_holder(dir_ / "operator.lock"));
  {
    auto lock = take_pid_lock(dir_ / "operator.lock");
    ASSERT_TRUE(lock) << lock.error().what();
  }
  EXPECT_TRUE(std::filesystem::exists(dir_ / "operator.lock"));
  EXPECT_FALSE(pid_lock_holder(dir_ / "operator.lock"));
  EXPECT_FALSE(*signal_pid_lock_holder(dir_ / "operator.lock", SIGTERM));
}

TEST_F(PidLockFile, OthersSeeTheHolderUntilItEnds) {
  const auto path = dir_ / "operator.lock";
  LockingChild child(path);
  EXPECT_EQ(pid_lock_holder(path), child.pid());
  auto second = take_pid_lock(path);
  ASSERT_FALSE(second);
  EXPECT_EQ(second.error().what(),
            path.string() + " is locked by pid " + std::to_string(child.pid()));
  auto signalled = signal_pid_lock_holder(path, SIGTERM);
  ASSERT_TRUE(signalled) << signalled.error().what();
  EXPECT_EQ(*signalled, child.pid());
  EXPECT_EQ(child.reap(), SIGTERM);
  EXPECT_FALSE(pid_lock_holder(path));
  EXPECT_TRUE(take_pid_lock(path));
}

}  // namespace
}  // namespace mdbop
