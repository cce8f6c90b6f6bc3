// `mdbop backup verify` and `mdbop backup download`, and spec.verifyAfterBackup, on one real
// cluster shared by the suite: good physical and logical artifacts pass and download into what
// mbstream, mariadb-backup --prepare and gzip take; a flipped byte and a wrong key fail with a
// message that says so.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <algorithm>
#include <fstream>

#include "harness.h"
#include "util/files.h"
#include "util/subprocess.h"

namespace mdbop::testing {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

constexpr const char* kPassword = "Verify-Secret-42";
constexpr const char* kKey = "0123456789abcdef0123456789abcdef";

std::string backup(const std::string& kind, const std::string& name, const std::string& body,
                   const std::string& directory) {
  return "apiVersion: k8s.mariadb.com/v1alpha1\nkind: " + kind + "\nmetadata: {name: " + name +
         "}\nspec:\n  mariaDbRef: {name: g}\n" + body +
         "  storage:\n    volume:\n      hostPath:\n        path: " + directory + "\n";
}

std::string key_secret(const std::string& name, const std::string& key) {
  return "apiVersion: v1\nkind: Secret\nmetadata: {name: " + name +
         "}\nstringData:\n  key: " + key + "\n";
}

SubprocessResult run(const std::vector<std::string>& argv) {
  SubprocessOptions options;
  options.argv = argv;
  auto ran = run_process(options);
  EXPECT_TRUE(ran) << argv[0];
  return ran ? *ran : SubprocessResult{};
}

class BackupVerify : public ::testing::Test {
 protected:
  // One cluster with data, an encrypted physical backup checked by the operator
  // (verifyAfterBackup) and a gzip logical one.
  static void SetUpTestSuite() {
    mdbop_ = new Installation();
    mdbop_->start_with_cluster("g", kPassword);
    SqlConnection connection = mdbop_->connect("g", 0, kPassword);
    auto loaded = connection.execute(
        "CREATE DATABASE shop;"
        "CREATE TABLE shop.orders (id INT PRIMARY KEY AUTO_INCREMENT, item VARCHAR(64));"
        "INSERT INTO shop.orders (item) VALUES ('tea'), ('cake'), ('jam')");
    EXPECT_TRUE(loaded) << loaded.error().what();
    mdbop_->apply(key_secret("keys", kKey) + "---\n" +
                  backup("PhysicalBackup", "nightly",
                         "  verifyAfterBackup: true\n"
                         "  encryption: {keySecretKeyRef: {name: keys, key: key}}\n",
                         directory("nightly")) +
                  "---\n" +
                  backup("Backup", "dump", "  backupType: logical\n  compression: gzip\n",
                         directory("dump")));
    mdbop_->must({"wait", "physicalbackup/nightly", "--for=condition=Complete", "--timeout=180s"});
    mdbop_->must({"wait", "backup/dump", "--for=condition=Complete", "--timeout=120s"});
  }
  static void TearDownTestSuite() {
    delete mdbop_;
    mdbop_ = nullptr;
  }

  static std::string directory(const std::string& name) {
    return (mdbop_->home() / "backups" / name).string();
  }
  static json first_artifact(const std::string& kind, const std::string& name) {
    const json object = json::parse(mdbop_->must({"get", kind, name, "-o", "json"}));
    const json artifacts = object.value("status", json::object()).value("artifacts", json::array());
    EXPECT_FALSE(artifacts.empty()) << object.dump();
    return artifacts.empty() ? json::object() : artifacts[0];
  }
  // Flips one byte in the middle of the artifact's stored data.
  static void spoil(const json& artifact) {
    std::fstream file(artifact.value("location", ""),
                      std::ios::in | std::ios::out | std::ios::binary);
    const auto middle = static_cast<std::streamoff>(artifact.value("storedBytes", 0LL) / 2);
    char byte = 0;
    file.seekg(middle);
    file.read(&byte, 1);
    byte = static_cast<char>(byte ^ 0x40);
    file.seekp(middle);
    file.write(&byte, 1);
  }
  // Nothing a check unpacked is left.
  static bool no_check_left() {
    const fs::path area = mdbop_->home() / "verify";
    return !fs::exists(area / "default") || fs::is_empty(area / "default");
  }

  static Installation* mdbop_;
};

Installation* BackupVerify::mdbop_ = nullptr;

TEST_F(BackupVerify, TheBackupOptionMarksAGoodArtifactVerified) {
  const json artifact = first_artifact("physicalbackup", "nightly");
  const json verification = artifact.value("verification", json::object());
  EXPECT_EQ(verification.value("verified", false), true) << artifact.dump();
  EXPECT_NE(verification.value("message", "").find("prepared (mariadb-backup --prepare)"),
            std::string::npos)
      << verification.dump();
  const std::string events = mdbop_->must({"events", "--for", "physicalbackup/nightly"});
  EXPECT_NE(events.find("ArtifactVerified"), std::string::npos) << events;
  EXPECT_TRUE(no_check_left());
}

TEST_F(BackupVerify, GoodPhysicalAndLogicalArtifactsPass) {
  const std::string id = first_artifact("physicalbackup", "nightly").value("id", "");
  const CommandResult physical = mdbop_->mdbop({"backup", "verify", id});
  EXPECT_EQ(physical.exit_code, 0) << physical.err;
  for (const char* line : {"artifact       ", "decryption     aes-256-gcm", "prepared       ",
                           "result         verified"}) {
    EXPECT_NE(physical.out.find(line), std::string::npos) << line << "\n" << physical.out;
  }
  const CommandResult logical = mdbop_->mdbop({"backup", "verify", "backup/dump"});
  EXPECT_EQ(logical.exit_code, 0) << logical.err;
  EXPECT_NE(logical.out.find("begins \""), std::string::npos) << logical.out;
  EXPECT_TRUE(no_check_left());
}

TEST_F(BackupVerify, DownloadGivesWhatMbstreamAndPrepareTake) {
  const fs::path file = mdbop_->home() / "nightly.xb";
  const CommandResult downloaded =
      mdbop_->mdbop({"backup", "download", "physicalbackup/nightly", "-o", file.string()});
  ASSERT_EQ(downloaded.exit_code, 0) << downloaded.err;
  EXPECT_NE(downloaded.out.find("mbstream -x"), std::string::npos) << downloaded.out;
  struct stat st {};
  ASSERT_EQ(::stat(file.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);

  const fs::path unpacked = mdbop_->home() / "unpacked";
  fs::create_directories(unpacked);
  const SubprocessResult extract =
      run({"sh", "-c", "mbstream -x -C '" + unpacked.string() + "' < '" + file.string() + "'"});
  ASSERT_TRUE(extract.ok()) << extract.describe();
  EXPECT_TRUE(fs::exists(unpacked / "xtrabackup_galera_info"));
  const SubprocessResult prepare =
      run({"mariadb-backup", "--prepare", "--target-dir=" + unpacked.string()});
  EXPECT_TRUE(prepare.ok()) << prepare.describe();

  // Not over an existing file, unless asked to.
  const CommandResult again =
      mdbop_->mdbop({"backup", "download", "physicalbackup/nightly", "-o", file.string()});
  EXPECT_EQ(again.exit_code, 1);
  EXPECT_NE(again.err.find("--force"), std::string::npos) << again.err;
  EXPECT_EQ(
      mdbop_
          ->mdbop({"backup", "download", "physicalbackup/nightly", "-o", file.string(), "--force"})
          .exit_code,
      0);
}

TEST_F(BackupVerify, ALogicalDownloadIsWhatGzipGivesOfTheStoredData) {
  const json artifact = first_artifact("backup", "dump");
  const CommandResult downloaded = mdbop_->mdbop({"backup", "download", artifact["id"], "-o", "-"});
  ASSERT_EQ(downloaded.exit_code, 0) << downloaded.err;
  const SubprocessResult gunzip = run({"gzip", "-dc", artifact.value("location", "")});
  ASSERT_TRUE(gunzip.ok()) << gunzip.describe();
  EXPECT_EQ(downloaded.out, gunzip.stdout_text);
  EXPECT_NE(downloaded.out.substr(0, 200).find("-- MariaDB dump"), std::string::npos)
      << downloaded.out.substr(0, 200);
}

TEST_F(BackupVerify, AFlippedByteFailsTheCheckAndTheDownload) {
  mdbop_->apply(backup("PhysicalBackup", "spoiled", "  compression: none\n", directory("spoiled")));
  mdbop_->must({"wait", "physicalbackup/spoiled", "--for=condition=Complete", "--timeout=180s"});
  const json artifact = first_artifact("physicalbackup", "spoiled");
  spoil(artifact);

  // The unpacking stage (mbstream) finds the damage first and stops the read; the stored bytes
  // read again into the digest alone then say it is the artifact's damage.
  const CommandResult verified = mdbop_->mdbop({"backup", "verify", artifact["id"]});
  EXPECT_EQ(verified.exit_code, 1);
  EXPECT_NE(verified.err.find("is corrupted"), std::string::npos) << verified.err;
  EXPECT_NE(verified.err.find("mbstream exited with 1"), std::string::npos) << verified.err;
  EXPECT_EQ(std::count(verified.err.begin(), verified.err.end(), '\n'), 1) << verified.err;
  EXPECT_TRUE(no_check_left());

  const fs::path file = mdbop_->home() / "spoiled.xb";
  const CommandResult downloaded =
      mdbop_->mdbop({"backup", "download", artifact["id"], "-o", file.string()});
  EXPECT_EQ(downloaded.exit_code, 1);
  EXPECT_NE(downloaded.err.find("is corrupted"), std::string::npos) << downloaded.err;
  EXPECT_FALSE(fs::exists(file));
  for (const auto& entry : fs::directory_iterator(mdbop_->home())) {
    EXPECT_FALSE(entry.path().filename().string().starts_with(".spoiled.xb"))
        << entry.path() << ": nothing partial is left beside it";
  }
}

// README: "a download killed by a signal leaves its 0600 .FILE.partial-* beside FILE".
TEST_F(BackupVerify, AKilledDownloadLeavesItsPartialFileBesideAndNothingUnderTheName) {
  const json artifact = first_artifact("physicalbackup", "nightly");
  const fs::path file = mdbop_->home() / "killed.xb";
  const CommandResult killed =
      mdbop_->mdbop({"backup", "download", artifact["id"], "-o", file.string()}, "",
                    {{"MDBOP_CRASH_POINT", "download-after-write"}});
  EXPECT_EQ(killed.exit_code, -1) << "killed by a signal\n" << killed.err;
  const std::string said = killed.out + killed.err;
  EXPECT_NE(said.find("point=download-after-write"), std::string::npos) << said;

  EXPECT_FALSE(fs::exists(file));
  std::vector<fs::path> partial;
  for (const auto& entry : fs::directory_iterator(mdbop_->home())) {
    if (entry.path().filename().string().starts_with(".killed.xb.partial-")) {
      partial.push_back(entry.path());
    }
  }
  ASSERT_EQ(partial.size(), 1u);
  struct stat st {};
  ASSERT_EQ(::stat(partial[0].c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600);
  EXPECT_GT(st.st_size, 0) << "the bytes written before the kill are in it";
  fs::remove(partial[0]);  // as the README tells the user to
}

TEST_F(BackupVerify, AWrongKeyFailsSayingSo) {
  mdbop_->apply(key_secret("sealed-key", kKey) + "---\n" +
                backup("Backup", "sealed",
                       "  backupType: logical\n"
                       "  encryption: {keySecretKeyRef: {name: sealed-key, key: key}}\n",
                       directory("sealed")));
  mdbop_->must({"wait", "backup/sealed", "--for=condition=Complete", "--timeout=120s"});
  EXPECT_EQ(mdbop_->mdbop({"backup", "verify", "backup/sealed"}).exit_code, 0);
  // The key in the Secret is replaced: the artifact no longer decrypts with it.
  mdbop_->apply(key_secret("sealed-key", "another-key-0123456789abcdef"));
  const CommandResult verified = mdbop_->mdbop({"backup", "verify", "backup/sealed"});
  EXPECT_EQ(verified.exit_code, 1);
  EXPECT_NE(verified.err.find("wrong encryption key"), std::string::npos) << verified.err;
}

}  // namespace
}  // namespace mdbop::testing
