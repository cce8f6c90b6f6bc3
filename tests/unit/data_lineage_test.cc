// The lineage mark of a node's data directory (runtime/local/data_lineage.h).
#include "runtime/local/data_lineage.h"

#include <sys/stat.h>

#include <gtest/gtest.h>

#include "temp_dir_test.h"
#include "util/files.h"

namespace mdbop {
namespace {

class DataLineageTest : public TempDirTest {
 protected:
  void SetUp() override {
    TempDirTest::SetUp();
    std::filesystem::create_directories(data() / "mysql");
  }
  std::filesystem::path data() const { return dir_ / "data"; }
  std::filesystem::path mark() const { return data() / kLineageMark; }
  Result<std::string> lineage(const std::string& pod) {
    return data_lineage(data(), pod, dir_ / "lineage.lock");
  }
};

TEST_F(DataLineageTest, AMarkIsMadeOnceAndKeptWhileTheDataStays) {
  auto first = lineage("g-1");
  ASSERT_TRUE(first) << first.error().message;
  EXPECT_TRUE(first->starts_with("g-1 "));
  EXPECT_EQ(first->size(), 4u + 32u);
  EXPECT_EQ(*lineage("g-1"), *first);
  struct stat made {};
  ASSERT_EQ(::stat(mark().c_str(), &made), 0);
  EXPECT_EQ(made.st_mode & 0777, 0640u);
}

TEST_F(DataLineageTest, DataThatWasReplacedGetsANewMark) {
  auto before = lineage("g-1");
  ASSERT_TRUE(before);
  // A mariabackup SST empties the directory.
  std::filesystem::remove(mark());
  auto after_sst = lineage("g-1");
  ASSERT_TRUE(after_sst);
  EXPECT_NE(*after_sst, *before);
  // An rsync SST brings the donor's mark: another node's, never taken for this one's.
  ASSERT_TRUE(write_file_atomic(mark(), "g-0 " + std::string(32, 'A') + "\n"));
  auto after_rsync = lineage("g-1");
  ASSERT_TRUE(after_rsync);
  EXPECT_TRUE(after_rsync->starts_with("g-1 "));
  EXPECT_NE(*after_rsync, *after_sst);
  // A damaged mark, or a link in its place, is no mark; the link is not followed.
  ASSERT_TRUE(write_file_atomic(mark(), "g-1 short\n"));
  auto repaired = lineage("g-1");
  ASSERT_TRUE(repaired);
  EXPECT_EQ(repaired->size(), 4u + 32u);
  ASSERT_TRUE(write_file_atomic(dir_ / "elsewhere", *repaired + "\n"));
  std::filesystem::remove(mark());
  std::filesystem::create_symlink(dir_ / "elsewhere", mark());
  auto unlinked = lineage("g-1");
  ASSERT_TRUE(unlinked);
  EXPECT_NE(*unlinked, *repaired);
  EXPECT_FALSE(std::filesystem::is_symlink(mark()));
  EXPECT_EQ(*read_file(dir_ / "elsewhere"), *repaired + "\n");
}

TEST_F(DataLineageTest, NoDataOrNoLockIsAnErrorNotACrash) {
  auto unlockable = data_lineage(data(), "g-1", "/proc/mdbop-nowhere/lineage.lock");
  ASSERT_FALSE(unlockable);
  EXPECT_NE(unlockable.error().message.find("locking"), std::string::npos);
  std::filesystem::remove_all(data() / "mysql");
  EXPECT_FALSE(lineage("g-1"));
}

}  // namespace
}  // namespace mdbop
