#include "util/files.h"

#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <system_error>
#include <thread>

#include <gtest/gtest.h>

#include "temp_dir_test.h"

namespace mdbop {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

class FilesTest : public TempDirTest {
 protected:
  static mode_t mode_of(const fs::path& path) {
    struct stat st {};
    EXPECT_EQ(::stat(path.c_str(), &st), 0);
    return st.st_mode & 07777;
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
  std::thread other;
  {
    FileLock lock(path);
    other = std::thread([&] {
      FileLock again(path);
      second_acquired = true;
    });
    std::this_thread::sleep_for(200ms);
    EXPECT_FALSE(second_acquired);
  }
  other.join();
  EXPECT_TRUE(second_acquired);
}

TEST_F(FilesTest, FileLockThrowsWhenItCannotOpen) {
  ASSERT_TRUE(write_file_atomic(dir_ / "file", "x"));
  EXPECT_THROW(FileLock(dir_ / "file" / "lock"), std::system_error);
}

}  // namespace
}  // namespace mdbop
