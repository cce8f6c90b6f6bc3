// verify_artifact over a real directory storage: artifacts taken with take_backup, a recording
// PrepareArea standing for the node agent's scratch area; and DumpCheck on its own.
#include "backup/verify_artifact.h"

#include <gtest/gtest.h>

#include <fstream>

#include "artifact_test_util.h"
#include "backup/dump_check.h"
#include "storage/filesystem_storage.h"
#include "temp_dir_test.h"
#include "util/terminal_sinks.h"

namespace mdbop {
namespace {

// Keeps what it was given to unpack and logs each step.
class RecordingArea : public PrepareArea {
 public:
  Result<std::unique_ptr<ByteSink>> unpack() override {
    steps.push_back("unpack");
    unpacked = std::make_shared<StringSink>();
    struct Into : ByteSink {
      std::shared_ptr<StringSink> to;
      bool refuse = false;
      Result<void> write(std::string_view bytes) override {
        if (refuse) return fail("mbstream exited with 1: invalid checksum");
        return to->write(bytes);
      }
      Result<void> finish() override { return to->finish(); }
    };
    auto sink = std::make_unique<Into>();
    sink->to = unpacked;
    sink->refuse = refuse_unpacking;
    return std::unique_ptr<ByteSink>(std::move(sink));
  }
  Result<void> prepare(const std::function<bool()>& /*should_stop*/) override {
    steps.push_back("prepare");
    if (prepare_failure) return tl::unexpected(*prepare_failure);
    return {};
  }
  Result<std::unique_ptr<ByteSink>> unpack_incremental() override {
    steps.push_back("unpack_incremental");
    return std::unique_ptr<ByteSink>(std::make_unique<StringSink>());
  }
  Result<void> apply_incremental(const std::function<bool()>& /*should_stop*/) override {
    steps.push_back("apply_incremental");
    return {};
  }
  void discard() override { steps.push_back("discard"); }

  std::vector<std::string> steps;
  std::shared_ptr<StringSink> unpacked;
  std::optional<Error> prepare_failure;
  bool refuse_unpacking = false;  // like an mbstream that gives up on the first bytes
};

class VerifyArtifactTest : public TempDirTest {
 protected:
  void SetUp() override {
    TempDirTest::SetUp();
    auto opened = FilesystemStorage::open(dir_ / "backups");
    ASSERT_TRUE(opened);
    storage_ = std::move(*opened);
  }

  ArtifactManifest take(const std::string& method, const std::string& content,
                        std::optional<std::string> key = std::nullopt) {
    TakeBackupRequest request = test_artifact_request("nightly-20261202T013000.123Z");
    request.method = method;
    request.encryption_secret = std::move(key);
    auto taken = take_test_artifact(request, *storage_, content);
    EXPECT_TRUE(taken) << taken.error().what();
    return *taken;
  }

  // Flips one byte in the middle of the stored data.
  void spoil(const ArtifactManifest& m) {
    const std::filesystem::path path = storage_->location(m.data_key);
    std::fstream file(path, std::ios::in | std::ios::out | std::ios::binary);
    const auto middle = static_cast<std::streamoff>(m.stored_bytes / 2);
    char byte = 0;
    file.seekg(middle);
    file.read(&byte, 1);
    byte = static_cast<char>(byte ^ 0x40);
    file.seekp(middle);
    file.write(&byte, 1);
  }

  Result<VerifyReport> verify(const ArtifactManifest& m,
                              std::optional<std::string> key = std::nullopt) {
    return verify_artifact({{m, storage_.get()}}, key, area_, no_progress_);
  }

  std::unique_ptr<FilesystemStorage> storage_;
  RecordingArea area_;
  const ProgressCallback no_progress_;
};

const std::string kDump =
    "-- MariaDB dump 10.19  Distrib 10.11.19-MariaDB, for debian-linux-gnu (x86_64)\n"
    "CREATE DATABASE shop;\n";
const std::string kKey = "0123456789abcdef0123456789abcdef";

TEST_F(VerifyArtifactTest, APhysicalArtifactIsUnpackedPreparedAndItsAreaRemoved) {
  const std::string stream(300000, 'x');
  const ArtifactManifest m = take("physical", stream, kKey);
  auto report = verify(m, kKey);
  ASSERT_TRUE(report) << report.error().what();
  EXPECT_EQ(area_.steps, (std::vector<std::string>{"unpack", "prepare", "discard"}));
  EXPECT_EQ(area_.unpacked->data(), stream) << "the area got the stream as the tool wrote it";
  EXPECT_EQ(report->stored_bytes, m.stored_bytes);
  EXPECT_EQ(report->plain_bytes, stream.size());
  const std::string summary = summarize(*report, m);
  EXPECT_NE(summary.find("decrypted"), std::string::npos) << summary;
  EXPECT_NE(summary.find("prepared (mariadb-backup --prepare)"), std::string::npos) << summary;
}

TEST_F(VerifyArtifactTest, AFailedPrepareFailsTheCheckAndTheAreaIsStillRemoved) {
  const ArtifactManifest m = take("physical", std::string(1000, 'x'));
  area_.prepare_failure =
      Error{"mariadb-backup --prepare exited with 1: [ERROR] bad page", {}, ErrorCode::kCorrupt};
  auto report = verify(m);
  ASSERT_FALSE(report);
  EXPECT_EQ(report.error().message,
            "artifact " + m.id + ": mariadb-backup --prepare exited with 1: [ERROR] bad page");
  EXPECT_EQ(report.error().code, ErrorCode::kCorrupt) << "the artifact is bad";
  EXPECT_EQ(area_.steps, (std::vector<std::string>{"unpack", "prepare", "discard"}));
}

// What a check found wrong with the artifact is kCorrupt; what kept it from being done is not.
TEST_F(VerifyArtifactTest, TheErrorCodeSaysWhetherTheArtifactOrTheMachineFailed) {
  const ArtifactManifest physical = take("physical", std::string(300000, 'x'));
  area_.prepare_failure = Error{"mariadb-backup --prepare exited with 1: No space left on device",
                                {},
                                ErrorCode::kUnavailable};
  auto no_space = verify(physical);
  ASSERT_FALSE(no_space);
  EXPECT_EQ(no_space.error().code, ErrorCode::kUnavailable) << no_space.error().message;
  area_.prepare_failure.reset();

  // The storage cannot read the data (EISDIR here; a 503 from S3 alike).
  const std::filesystem::path data = storage_->location(physical.data_key);
  std::filesystem::rename(data, data.string() + ".aside");
  std::filesystem::create_directory(data);
  auto unreadable = verify(physical);
  ASSERT_FALSE(unreadable);
  EXPECT_NE(unreadable.error().code, ErrorCode::kCorrupt) << unreadable.error().message;
  std::filesystem::remove(data);
  std::filesystem::rename(data.string() + ".aside", data);

  spoil(physical);
  auto spoiled = verify(physical);
  ASSERT_FALSE(spoiled);
  EXPECT_EQ(spoiled.error().code, ErrorCode::kCorrupt) << spoiled.error().message;

  const ArtifactManifest encrypted = take("logical", kDump, kKey);
  auto wrong_key = verify(encrypted, std::string("not-the-key-0123456789"));
  ASSERT_FALSE(wrong_key);
  EXPECT_EQ(wrong_key.error().code, ErrorCode::kCorrupt) << wrong_key.error().message;

  const ArtifactManifest not_a_dump = take("logical", "SELECT 1;\n");
  auto refused = verify(not_a_dump);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, ErrorCode::kCorrupt) << refused.error().message;
}

// The operator's stop ends a check while it reads: no verdict on the artifact, the area removed.
TEST_F(VerifyArtifactTest, AStopEndsTheCheckWithoutAVerdict) {
  const ArtifactManifest m = take("physical", std::string(300000, 'x'));
  auto stopped = verify_artifact({{m, storage_.get()}}, std::nullopt, area_, no_progress_,
                                 [] { return true; });
  ASSERT_FALSE(stopped);
  EXPECT_NE(stopped.error().code, ErrorCode::kCorrupt) << stopped.error().message;
  EXPECT_EQ(area_.steps, (std::vector<std::string>{"unpack", "discard"}));
  EXPECT_TRUE(area_.unpacked->data().empty()) << "nothing read after the stop";
}

TEST_F(VerifyArtifactTest, AFlippedByteIsFoundBeforeAnythingIsPrepared) {
  const ArtifactManifest m = take("physical", std::string(300000, 'x'));
  spoil(m);
  auto report = verify(m);
  ASSERT_FALSE(report);
  EXPECT_NE(report.error().message.find("is corrupted"), std::string::npos)
      << report.error().message;
  EXPECT_EQ(area_.steps, (std::vector<std::string>{"unpack", "discard"}));
}

// Neither compressed nor encrypted, a flipped byte reaches mbstream, which exits 1 on its own
// terms before the digest is known: the stored bytes are read again to judge it.
TEST_F(VerifyArtifactTest, AnUnpackerThatGivesUpOnDamagedBytesMakesItCorrupted) {
  TakeBackupRequest request = test_artifact_request("nightly-20261202T013000.123Z");
  request.compression = "none";
  auto taken = take_test_artifact(request, *storage_, std::string(300000, 'x'));
  ASSERT_TRUE(taken) << taken.error().what();
  area_.refuse_unpacking = true;

  auto intact = verify(*taken);
  ASSERT_FALSE(intact);
  EXPECT_NE(intact.error().code, ErrorCode::kCorrupt) << "intact bytes: the machine's failure";
  EXPECT_EQ(intact.error().message,
            "artifact " + taken->id + ": mbstream exited with 1: invalid checksum");

  spoil(*taken);
  auto damaged = verify(*taken);
  ASSERT_FALSE(damaged);
  EXPECT_EQ(damaged.error().code, ErrorCode::kCorrupt);
  EXPECT_NE(damaged.error().message.find("is corrupted"), std::string::npos)
      << damaged.error().message;
  EXPECT_NE(damaged.error().message.find("mbstream exited with 1"), std::string::npos)
      << damaged.error().message;
}

TEST_F(VerifyArtifactTest, AWrongKeyIsNamed) {
  const ArtifactManifest m = take("logical", kDump, kKey);
  auto report = verify(m, std::string("not-the-key-0123456789"));
  ASSERT_FALSE(report);
  EXPECT_NE(report.error().message.find("wrong encryption key"), std::string::npos)
      << report.error().message;
}

TEST_F(VerifyArtifactTest, ALogicalArtifactMustBeginLikeADump) {
  const ArtifactManifest dump = take("logical", kDump);
  auto report = verify(dump);
  ASSERT_TRUE(report) << report.error().what();
  EXPECT_TRUE(area_.steps.empty()) << "no scratch area for a dump";
  EXPECT_EQ(report->dump_first_line, kDump.substr(0, kDump.find('\n')));

  const ArtifactManifest other = take("logical", "\\! touch /tmp/x\nSELECT 1;\n");
  auto refused = verify(other);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().message,
            "artifact " + other.id +
                ": not a dump of mariadb-dump: its first line is \"\\! touch /tmp/x\"");
}

TEST(DumpCheckTest, AcceptsWhatMariadbDumpAndTheAccountsPartBeginWith) {
  for (const std::string text :
       {"/*M!999999\\- enable the sandbox mode */ \n-- MariaDB dump 10.19\n",
        "-- MariaDB dump 10.19\n", "-- MySQL dump 10.13\n", "/*!40101 SET NAMES utf8mb4 */;\n",
        "\n-- Accounts (mdbop): created when missing, existing ones are kept.\n"}) {
    DumpCheck check;
    // Byte by byte: a line may come in pieces.
    Result<void> outcome;
    for (char c : text) {
      if (outcome) outcome = check.write(std::string_view(&c, 1));
    }
    if (outcome) outcome = check.finish();
    EXPECT_TRUE(outcome) << text;
  }
}

TEST(DumpCheckTest, RefusesAnEmptyDumpAndAnyOtherBeginning) {
  DumpCheck empty;
  EXPECT_FALSE(empty.finish());
  DumpCheck binary;
  EXPECT_TRUE(binary.write(std::string("XBSTCK01\x00\x01", 10))) << "no line yet";
  auto refused = binary.finish();
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().message,
            "not a dump of mariadb-dump: its first line is \"XBSTCK01??\"");
  DumpCheck endless;
  EXPECT_FALSE(endless.write(std::string(1000, 'a'))) << "a first line too long to be a dump's";
}

}  // namespace
}  // namespace mdbop
