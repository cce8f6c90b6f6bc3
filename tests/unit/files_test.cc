#include "util/files.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <future>
#include <system_error>
#include <thread>

#include <gtest/gtest.h>

#include "temp_dir_test.h"
#include "thread_probe.h"

namespace mdbop {
namespace {

namespace fs = std::filesystem;

class FilesTest : public TempDirTest {
 protected:
  static mode_t mode_of(const fs::path& path) {
    struct stat st {};
    EXPECT_EQ(::stat(path.c_str(), &st), 0);
    return st.st_mode & 07777;
  }

  // Whether another open file description could take the lock now, without waiting.
  static bool can_lock(const fs::path& path) {
    int fd = ::open(path.c_str(), O_RDWR | O_CLOEXEC);
    EXPECT_GE(fd, 0);
    bool locked = ::flock(fd, LOCK_EX | LOCK_NB) == 0;
    ::close(fd);
    return locked;
  }
};

TEST_F(FilesTest, WriteThenRead) {
  auto path = dir_ / "a.txt";
  auto written = write_file_atomic(path, "hello\n");
  ASSERT_TRUE(written) << written.error().message;
  EXPECT_EQ(read_file(path).value(), "hello\n");
  EXPECT_EQ(mode_of(path), 0600u);
}

TEST_F(FilesTest, ReplacesAndLeavesNoTemporaryFiles) {
  auto path = dir_ / "a.txt";
  ASSERT_TRUE(write_file_atomic(path, "first"));
  ASSERT_TRUE(write_file_atomic(path, "second"));
  EXPECT_EQ(read_file(path).value(), "second");
  int entries = 0;
  for ([[maybe_unused]] const auto& entry : fs::directory_iterator(dir_)) ++entries;
  EXPECT_EQ(entries, 1);
}

TEST_F(FilesTest, ModeIsExactWhateverTheUmask) {
  mode_t old_umask = ::umask(077);
  auto path = dir_ / "public.conf";
  auto written = write_file_atomic(path, "x", 0644);
  ::umask(old_umask);
  ASSERT_TRUE(written);
  EXPECT_EQ(mode_of(path), 0644u);
}

TEST_F(FilesTest, GroupIsSetBeforeTheFileReplacesTheOldOne) {
  if (::geteuid() != 0) GTEST_SKIP() << "only root may give a file to a group it is not in";
  const gid_t nogroup = 65534;
  ASSERT_TRUE(write_file_atomic(dir_ / "shared.cnf", "x", 0640, nogroup));
  struct stat st {};
  ASSERT_EQ(::stat((dir_ / "shared.cnf").c_str(), &st), 0);
  EXPECT_EQ(st.st_gid, nogroup);
  EXPECT_EQ(mode_of(dir_ / "shared.cnf"), 0640u);
}

TEST_F(FilesTest, CreatesParentDirectories) {
  auto path = dir_ / "a" / "b" / "c.json";
  ASSERT_TRUE(write_file_atomic(path, "{}"));
  EXPECT_EQ(read_file(path).value(), "{}");
}

TEST_F(FilesTest, WriteAndReadLargeAndEmptyContent) {
  std::string big(3 * 1024 * 1024 + 7, 'q');
  ASSERT_TRUE(write_file_atomic(dir_ / "big", big));
  EXPECT_EQ(read_file(dir_ / "big").value(), big);
  ASSERT_TRUE(write_file_atomic(dir_ / "empty", ""));
  EXPECT_EQ(read_file(dir_ / "empty").value(), "");
}

TEST_F(FilesTest, WriteFailsWhenParentIsAFile) {
  ASSERT_TRUE(write_file_atomic(dir_ / "file", "x"));
  auto written = write_file_atomic(dir_ / "file" / "child", "y");
  ASSERT_FALSE(written);
  EXPECT_NE(written.error().message.find("cannot create"), std::string::npos);
}

TEST_F(FilesTest, ReadMissingFails) {
  auto missing = read_file(dir_ / "missing");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().message,
            "cannot read " + (dir_ / "missing").string() + ": No such file or directory");
}

TEST_F(FilesTest, ReadsProcFiles) {
  auto text = read_file("/proc/self/cmdline");
  ASSERT_TRUE(text);
  EXPECT_FALSE(text->empty());
}

TEST_F(FilesTest, FileLockCreatesFileAndDirectory) {
  auto path = dir_ / "sub" / "lock";
  { FileLock lock(path); }
  EXPECT_TRUE(fs::exists(path));
  EXPECT_EQ(mode_of(path), 0600u);
}

TEST_F(FilesTest, FileLockExcludesOtherHolders) {
  auto path = dir_ / "lock";
  std::atomic<bool> second_acquired{false};
  std::promise<pid_t> other_tid;
  std::thread other;
  {
    FileLock lock(path);
    EXPECT_FALSE(can_lock(path));
    other = std::thread([&] {
      other_tid.set_value(::gettid());
      FileLock again(path);
      second_acquired = true;
    });
    // The second holder waits in flock() until the first lets go.
    EXPECT_TRUE(wait_until_blocked_in(other_tid.get_future().get(), SYS_flock,
                                      [&] { return second_acquired.load(); }));
    EXPECT_FALSE(second_acquired);
  }
  other.join();
  EXPECT_TRUE(second_acquired);
  EXPECT_TRUE(can_lock(path));
}

TEST_F(FilesTest, FileLockThrowsWhenItCannotOpen) {
  ASSERT_TRUE(write_file_atomic(dir_ / "file", "x"));
  EXPECT_THROW(FileLock(dir_ / "file" / "lock"), std::system_error);
}

}  // namespace
}  // namespace mdbop
