// create_file_writer: a file appears whole under its name or not at all.
#include "storage/file_writer.h"

#include <sys/stat.h>

#include <gtest/gtest.h>

#include "temp_dir_test.h"
#include "util/files.h"

namespace mdbop {
namespace {

using FileWriterTest = TempDirTest;

size_t entries(const std::filesystem::path& dir) {
  return static_cast<size_t>(std::distance(std::filesystem::directory_iterator(dir), {}));
}

TEST_F(FileWriterTest, TheFileAppearsPrivateOnlyWhenFinished) {
  const auto target = dir_ / "artifact.xb";
  auto writer = create_file_writer(target, Overwrite::kRefuse);
  ASSERT_TRUE(writer) << writer.error().what();
  ASSERT_TRUE((*writer)->write("bytes"));
  EXPECT_FALSE(std::filesystem::exists(target));
  ASSERT_TRUE((*writer)->finish());
  EXPECT_EQ(*read_file(target), "bytes");
  struct stat st {};
  ASSERT_EQ(::stat(target.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_EQ(entries(dir_), 1u) << "no temporary left beside it";
}

TEST_F(FileWriterTest, AnUnfinishedWriterLeavesNothing) {
  {
    auto writer = create_file_writer(dir_ / "artifact.xb", Overwrite::kReplace);
    ASSERT_TRUE(writer);
    ASSERT_TRUE((*writer)->write("half"));
  }
  EXPECT_EQ(entries(dir_), 0u);
}

TEST_F(FileWriterTest, RefusingToOverwriteKeepsTheFileThatAppearedMeanwhile) {
  const auto target = dir_ / "artifact.xb";
  auto refusing = create_file_writer(target, Overwrite::kRefuse);
  ASSERT_TRUE(refusing);
  ASSERT_TRUE(write_file_atomic(target, "someone else's"));
  ASSERT_TRUE((*refusing)->write("mine"));
  auto finished = (*refusing)->finish();
  ASSERT_FALSE(finished);
  EXPECT_EQ(finished.error().code, ErrorCode::kConflict);
  EXPECT_EQ(*read_file(target), "someone else's");

  auto replacing = create_file_writer(target, Overwrite::kReplace);
  ASSERT_TRUE(replacing);
  ASSERT_TRUE((*replacing)->write("mine"));
  ASSERT_TRUE((*replacing)->finish());
  EXPECT_EQ(*read_file(target), "mine");
}

TEST_F(FileWriterTest, AMissingDirectoryIsNotFound) {
  auto writer = create_file_writer(dir_ / "missing" / "artifact.xb", Overwrite::kRefuse);
  ASSERT_FALSE(writer);
  EXPECT_EQ(writer.error().code, ErrorCode::kNotFound);
}

}  // namespace
}  // namespace mdbop
