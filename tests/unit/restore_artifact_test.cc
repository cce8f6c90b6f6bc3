// read_artifact over a directory storage that counts what it hands out: a failed local stage
// must stop the read, not drain the whole artifact first.
#include "backup/restore_artifact.h"

#include <gtest/gtest.h>

#include <fstream>

#include "artifact_test_util.h"
#include "storage/filesystem_storage.h"
#include "stream_test_util.h"
#include "temp_dir_test.h"
#include "util/terminal_sinks.h"

namespace mdbop {
namespace {

// A FilesystemStorage (which reads 1 MiB at a time) that counts the bytes its reads hand out.
class CountingStorage : public BackupStorage {
 public:
  explicit CountingStorage(std::unique_ptr<FilesystemStorage> inner) : inner_(std::move(inner)) {}

  Result<std::unique_ptr<ObjectWriter>> create(const std::string& key, ObjectUse use) override {
    return inner_->create(key, use);
  }
  Result<void> read(const std::string& key, ByteSink& sink) override {
    struct Counted : ByteSink {
      Counted(ByteSink& next, std::uint64_t& count) : next(next), count(count) {}
      Result<void> write(std::string_view bytes) override {
        count += bytes.size();
        return next.write(bytes);
      }
      Result<void> finish() override { return next.finish(); }
      ByteSink& next;
      std::uint64_t& count;
    } counted(sink, bytes_read);
    return inner_->read(key, counted);
  }
  Result<std::vector<StoredObject>> list(const std::string& prefix) override {
    return inner_->list(prefix);
  }
  Result<void> remove(const std::string& key) override { return inner_->remove(key); }
  std::string location(const std::string& key) const override { return inner_->location(key); }

  std::uint64_t bytes_read = 0;

 private:
  std::unique_ptr<FilesystemStorage> inner_;
};

// Refuses the first bytes, like an mbstream that gave up.
class RefusingSink : public ByteSink {
 public:
  Result<void> write(std::string_view) override { return fail("mbstream exited with 1"); }
  Result<void> finish() override { return {}; }
};

const std::string kKey = "0123456789abcdef0123456789abcdef";
constexpr std::uint64_t kArtifactBytes = 16 << 20;  // sixteen of the storage's reads
// What a failed stage may still let through: the read it failed in, and the one before it (the
// decryption passes nothing on before a whole chunk of its own has come).
constexpr std::uint64_t kAtMostRead = 2 << 20;

class ReadArtifactTest : public TempDirTest {
 protected:
  void SetUp() override {
    TempDirTest::SetUp();
    auto opened = FilesystemStorage::open(dir_ / "backups");
    ASSERT_TRUE(opened);
    storage_ = std::make_unique<CountingStorage>(std::move(*opened));
    TakeBackupRequest request = test_artifact_request("nightly-20261202T013000.123Z");
    request.compression = "none";
    request.encryption_secret = kKey;
    auto taken = take_test_artifact(request, *storage_, semi_compressible(kArtifactBytes));
    ASSERT_TRUE(taken) << taken.error().what();
    manifest_ = *taken;
    storage_->bytes_read = 0;
  }

  std::unique_ptr<CountingStorage> storage_;
  ArtifactManifest manifest_;
  const ProgressCallback no_progress_;
};

TEST_F(ReadArtifactTest, AnIntactArtifactIsReadWhole) {
  NullSink sink;
  auto read = read_artifact(*storage_, manifest_, kKey, sink, no_progress_);
  ASSERT_TRUE(read) << read.error().what();
  EXPECT_EQ(storage_->bytes_read, manifest_.stored_bytes);
}

TEST_F(ReadArtifactTest, ThePlainSizeMustBeTheOneTheManifestRecords) {
  // Stored bytes and digest as recorded, but the manifest says one byte more came out of the
  // backup tool than the artifact gives back.
  ArtifactManifest m = manifest_;
  m.source_bytes += 1;
  StringSink sink;
  auto read = read_artifact(*storage_, m, kKey, sink, no_progress_);
  ASSERT_FALSE(read);
  EXPECT_EQ(read.error().message, "artifact " + m.id + " is corrupted: it decompresses to " +
                                      std::to_string(kArtifactBytes) +
                                      " bytes, the manifest says " +
                                      std::to_string(kArtifactBytes + 1));
  EXPECT_EQ(sink.data().size(), kArtifactBytes) << "the sink was given every byte";
}

TEST_F(ReadArtifactTest, AChunkThatDoesNotAuthenticateStopsTheRead) {
  {
    std::fstream file(storage_->location(manifest_.data_key),
                      std::ios::in | std::ios::out | std::ios::binary);
    // A byte in the first of the storage's reads, flipped: writing a fixed value left the data
    // as it was whenever that byte already held it (1 run in 256).
    file.seekg(100000);
    const char byte = static_cast<char>(file.get());
    file.seekp(100000);
    file.put(static_cast<char>(~byte));
  }
  NullSink sink;
  auto read = read_artifact(*storage_, manifest_, kKey, sink, no_progress_);
  ASSERT_FALSE(read);
  EXPECT_NE(read.error().message.find("encrypted data is corrupted"), std::string::npos)
      << read.error().message;
  EXPECT_LE(storage_->bytes_read, kAtMostRead) << "of " << manifest_.stored_bytes;
}

TEST_F(ReadArtifactTest, AFailedLastStageStopsTheReadWithItsError) {
  RefusingSink sink;
  auto read = read_artifact(*storage_, manifest_, kKey, sink, no_progress_);
  ASSERT_FALSE(read);
  EXPECT_EQ(read.error().message, "artifact " + manifest_.id + ": mbstream exited with 1");
  EXPECT_LE(storage_->bytes_read, kAtMostRead) << "of " << manifest_.stored_bytes;
}

}  // namespace
}  // namespace mdbop
