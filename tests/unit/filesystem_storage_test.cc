#include "storage/filesystem_storage.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "storage/file_writer.h"
#include "temp_dir_test.h"

namespace mdbop {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

// Keeps every chunk it is given, to see that reads stream.
class ChunkSink : public ByteSink {
 public:
  Result<void> write(std::string_view bytes) override {
    chunks.emplace_back(bytes);
    return {};
  }
  Result<void> finish() override {
    finished = true;
    return {};
  }
  std::string joined() const {
    std::string all;
    for (const auto& chunk : chunks) all += chunk;
    return all;
  }

  std::vector<std::string> chunks;
  bool finished = false;
};

class FilesystemStorageTest : public TempDirTest {
 protected:
  void SetUp() override {
    TempDirTest::SetUp();
    root_ = dir_ / "backups";
    auto opened = FilesystemStorage::open(root_);
    ASSERT_TRUE(opened) << opened.error().message;
    storage_ = std::move(*opened);
  }

  static mode_t mode_of(const fs::path& path) {
    struct stat st {};
    EXPECT_EQ(::stat(path.c_str(), &st), 0);
    return st.st_mode & 07777;
  }

  // Every entry below root, hidden ones included.
  std::vector<std::string> entries() const {
    std::vector<std::string> found;
    for (const auto& entry : fs::recursive_directory_iterator(root_)) {
      found.push_back(entry.path().lexically_relative(root_).string());
    }
    std::sort(found.begin(), found.end());
    return found;
  }

  std::vector<std::string> listed_keys(const std::string& prefix) {
    auto listed = storage_->list(prefix);
    EXPECT_TRUE(listed) << listed.error().message;
    std::vector<std::string> keys;
    for (const auto& object : listed.value_or(std::vector<StoredObject>{})) {
      keys.push_back(object.key);
    }
    return keys;
  }

  fs::path root_;
  std::unique_ptr<FilesystemStorage> storage_;
};

TEST_F(FilesystemStorageTest, RemoveFolderTakesHiddenTemporariesToo) {
  ASSERT_TRUE(storage_->put_all("run/manifest.json", "{}"));
  ASSERT_TRUE(storage_->put_all("other/kept", "x"));
  auto unfinished =
      storage_->create("run/data", ObjectUse::kData);  // a writer whose process died midway
  ASSERT_TRUE(unfinished);
  ASSERT_TRUE((*unfinished)->write("partial"));
  ASSERT_TRUE(storage_->remove_folder("run"));
  EXPECT_EQ(entries(), (std::vector<std::string>{"other", "other/kept"}));
  EXPECT_FALSE(storage_->remove_folder("../escape"));
}

TEST_F(FilesystemStorageTest, OpenCreatesTheRootPrivate) {
  EXPECT_TRUE(fs::is_directory(root_));
  EXPECT_EQ(mode_of(root_), 0700u);
}

TEST_F(FilesystemStorageTest, OpenAcceptsAnExistingRootWithTrailingSlash) {
  auto again = FilesystemStorage::open(root_.string() + "/");
  ASSERT_TRUE(again) << again.error().message;
  ASSERT_TRUE((*again)->put_all("a/b", "x"));
  ASSERT_TRUE((*again)->remove("a/b"));
  EXPECT_TRUE(fs::is_directory(root_));  // pruning stops at the root
}

TEST_F(FilesystemStorageTest, OpenRefusesRelativeOrFilePaths) {
  EXPECT_FALSE(FilesystemStorage::open("relative/dir"));
  std::ofstream(dir_ / "file") << "x";
  auto opened = FilesystemStorage::open(dir_ / "file");
  ASSERT_FALSE(opened);
  EXPECT_EQ(opened.error().message, (dir_ / "file").string() + " is not a directory");
}

TEST_F(FilesystemStorageTest, WrittenObjectReadsBack) {
  auto writer = storage_->create("ns/mdb/20240501T030000Z/data.xb.zst", ObjectUse::kData);
  ASSERT_TRUE(writer) << writer.error().message;
  std::string expected;
  for (int i = 0; i < 300; ++i) {
    std::string chunk(7919 + i, static_cast<char>('a' + i % 26));
    ASSERT_TRUE((*writer)->write(chunk));
    expected += chunk;
  }
  ASSERT_TRUE((*writer)->finish());

  ChunkSink sink;
  auto read = storage_->read("ns/mdb/20240501T030000Z/data.xb.zst", sink);
  ASSERT_TRUE(read) << read.error().message;
  EXPECT_EQ(sink.joined(), expected);
  EXPECT_GT(sink.chunks.size(), 1u);  // streamed, not read whole
  EXPECT_FALSE(sink.finished);
  EXPECT_EQ(mode_of(root_ / "ns/mdb/20240501T030000Z/data.xb.zst"), 0600u);
  EXPECT_EQ(mode_of(root_ / "ns/mdb"), 0700u);
}

TEST_F(FilesystemStorageTest, NothingExistsUnderTheKeyUntilFinish) {
  auto writer = storage_->create("a/object", ObjectUse::kData);
  ASSERT_TRUE(writer);
  ASSERT_TRUE((*writer)->write("partial"));
  EXPECT_TRUE(listed_keys("").empty());
  EXPECT_FALSE(storage_->read_all("a/object"));
  ASSERT_TRUE((*writer)->finish());
  EXPECT_EQ(listed_keys(""), std::vector<std::string>{"a/object"});
  EXPECT_EQ(storage_->read_all("a/object").value(), "partial");
  EXPECT_EQ(entries(), (std::vector<std::string>{"a", "a/object"}));
}

TEST_F(FilesystemStorageTest, AnUnfinishedWriterLeavesNothing) {
  {
    auto writer = storage_->create("a/object", ObjectUse::kData);
    ASSERT_TRUE(writer);
    ASSERT_TRUE((*writer)->write("abandoned"));
  }
  EXPECT_EQ(entries(), std::vector<std::string>{"a"});
}

TEST_F(FilesystemStorageTest, PutAllReplacesAtomically) {
  ASSERT_TRUE(storage_->put_all("manifest.json", "{\"v\":1}"));
  ASSERT_TRUE(storage_->put_all("manifest.json", "{\"v\":2}"));
  EXPECT_EQ(storage_->read_all("manifest.json").value(), "{\"v\":2}");
  EXPECT_EQ(entries(), std::vector<std::string>{"manifest.json"});
  ASSERT_TRUE(storage_->put_all("empty", ""));
  EXPECT_EQ(storage_->read_all("empty").value(), "");
}

TEST_F(FilesystemStorageTest, ReadAllRefusesAnObjectLargerThanItsBound) {
  ASSERT_TRUE(storage_->put_all("manifest.json", "0123456789"));
  EXPECT_EQ(storage_->read_all("manifest.json", 10).value(), "0123456789");
  auto read = storage_->read_all("manifest.json", 9);
  ASSERT_FALSE(read);
  EXPECT_EQ(read.error().code, ErrorCode::kCorrupt);
  EXPECT_NE(read.error().message.find("larger than the 9 bytes"), std::string::npos)
      << read.error().message;
}

TEST_F(FilesystemStorageTest, ListIsRecursiveSortedAndByStringPrefix) {
  for (const char* key : {"b", "a/c", "ab", "a/b/2", "a/b/1"}) {
    ASSERT_TRUE(storage_->put_all(key, key));
  }
  EXPECT_EQ(listed_keys(""), (std::vector<std::string>{"a/b/1", "a/b/2", "a/c", "ab", "b"}));
  EXPECT_EQ(listed_keys("a/"), (std::vector<std::string>{"a/b/1", "a/b/2", "a/c"}));
  EXPECT_EQ(listed_keys("a"), (std::vector<std::string>{"a/b/1", "a/b/2", "a/c", "ab"}));
  EXPECT_EQ(listed_keys("a/b/"), (std::vector<std::string>{"a/b/1", "a/b/2"}));
  EXPECT_EQ(listed_keys("a/b/1"), (std::vector<std::string>{"a/b/1"}));
  EXPECT_TRUE(listed_keys("zz/").empty());
}

TEST_F(FilesystemStorageTest, ListReportsSizeAndModificationTime) {
  auto before = std::chrono::system_clock::now() - 2s;
  ASSERT_TRUE(storage_->put_all("x/data", std::string(12345, 'z')));
  auto listed = storage_->list("x/");
  ASSERT_TRUE(listed);
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ((*listed)[0].size, 12345u);
  EXPECT_GT((*listed)[0].modified, before);
  EXPECT_LT((*listed)[0].modified, std::chrono::system_clock::now() + 2s);
}

TEST_F(FilesystemStorageTest, ListNeverReportsTemporaries) {
  ASSERT_TRUE(storage_->put_all("a/done", "1"));
  auto writer = storage_->create("a/in-progress", ObjectUse::kData);
  ASSERT_TRUE(writer);
  ASSERT_TRUE((*writer)->write("x"));
  // A crashed writer's leftovers and a hidden directory.
  std::ofstream(root_ / "a" / ".old.partial-deadbeef") << "left";
  fs::create_directories(root_ / ".hidden");
  std::ofstream(root_ / ".hidden" / "inside") << "x";
  EXPECT_EQ(listed_keys(""), std::vector<std::string>{"a/done"});
}

TEST_F(FilesystemStorageTest, RemoveDeletesAndPrunesEmptyDirectories) {
  ASSERT_TRUE(storage_->put_all("ns/mdb/1/data", "d"));
  ASSERT_TRUE(storage_->put_all("ns/mdb/1/manifest", "m"));
  ASSERT_TRUE(storage_->put_all("ns/mdb/2/data", "d"));
  ASSERT_TRUE(storage_->remove("ns/mdb/1/data"));
  EXPECT_TRUE(fs::exists(root_ / "ns/mdb/1"));
  ASSERT_TRUE(storage_->remove("ns/mdb/1/manifest"));
  EXPECT_FALSE(fs::exists(root_ / "ns/mdb/1"));
  EXPECT_TRUE(fs::exists(root_ / "ns/mdb/2/data"));
  ASSERT_TRUE(storage_->remove("ns/mdb/2/data"));
  EXPECT_TRUE(entries().empty());
  EXPECT_TRUE(fs::is_directory(root_));
}

TEST_F(FilesystemStorageTest, RemovingAMissingKeyIsNotAnError) {
  EXPECT_TRUE(storage_->remove("never/written"));
}

TEST_F(FilesystemStorageTest, ReadingAMissingKeySaysSo) {
  ChunkSink sink;
  auto read = storage_->read("missing", sink);
  ASSERT_FALSE(read);
  EXPECT_EQ(read.error().message,
            "backup object " + (root_ / "missing").string() + " does not exist");
  EXPECT_TRUE(is_not_found(read.error()));
}

TEST_F(FilesystemStorageTest, ReadPassesOnTheSinksFailure) {
  ASSERT_TRUE(storage_->put_all("k", "bytes"));
  class FailingSink : public ByteSink {
   public:
    Result<void> write(std::string_view) override { return fail("downstream broke"); }
    Result<void> finish() override { return {}; }
  } sink;
  auto read = storage_->read("k", sink);
  ASSERT_FALSE(read);
  EXPECT_EQ(read.error().message, "downstream broke");
}

TEST_F(FilesystemStorageTest, InvalidKeysAreRefusedEverywhere) {
  ChunkSink sink;
  for (const char* key : {"", "/abs", "../escape", "a/../../b", "a//b", ".hidden", "a/", "a/."}) {
    SCOPED_TRACE(key);
    EXPECT_FALSE(storage_->create(key, ObjectUse::kData));
    EXPECT_FALSE(storage_->read(key, sink));
    EXPECT_FALSE(storage_->put_all(key, "x"));
    EXPECT_FALSE(storage_->remove(key));
  }
  EXPECT_FALSE(storage_->list("../"));
  EXPECT_FALSE(storage_->list("/"));
  EXPECT_TRUE(entries().empty());
}

TEST_F(FilesystemStorageTest, LocationIsThePath) {
  EXPECT_EQ(storage_->location("ns/a"), (root_ / "ns/a").string());
}

TEST_F(FilesystemStorageTest, CreateFailsClearlyWhenAParentIsAFile) {
  ASSERT_TRUE(storage_->put_all("file", "x"));
  auto writer = storage_->create("file/child", ObjectUse::kData);
  ASSERT_FALSE(writer);
  EXPECT_EQ(writer.error().message, "not a directory creating " + (root_ / "file").string());
}

TEST_F(FilesystemStorageTest, CreateFailsClearlyWithoutPermission) {
  if (::geteuid() == 0) GTEST_SKIP() << "root ignores directory permissions";
  fs::permissions(root_, fs::perms::owner_read | fs::perms::owner_exec);
  auto writer = storage_->create("k", ObjectUse::kData);
  fs::permissions(root_, fs::perms::owner_all);
  ASSERT_FALSE(writer);
  EXPECT_EQ(writer.error().message, "permission denied creating " + (root_ / "k").string());
}

TEST(DescribeIoErrorTest, SaysWhatHappenedToWhichPath) {
  EXPECT_EQ(describe_io_error(ENOSPC, "writing", "/backups/k"),
            "no space left on device writing /backups/k");
  EXPECT_EQ(describe_io_error(EACCES, "creating", "/backups/d"),
            "permission denied creating /backups/d");
  EXPECT_EQ(describe_io_error(EDQUOT, "writing", "/b"), "disk quota exceeded writing /b");
}

}  // namespace
}  // namespace mdbop
