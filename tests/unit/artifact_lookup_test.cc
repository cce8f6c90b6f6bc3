// What ARTIFACT names for `mdbop backup verify` / `download`, and finding it in the storage of
// the object it names.
#include "cli/artifact_lookup.h"

#include <gtest/gtest.h>

#include "artifact_test_util.h"
#include "reconciler_test_util.h"
#include "storage/filesystem_storage.h"
#include "store/memory_store.h"
#include "temp_dir_test.h"

namespace mdbop {
namespace {

TEST(ArtifactNameTest, AnIdNamesItsBackupByItsFirstPart) {
  auto name = parse_artifact_name("nightly-20261202T013000.123Z");
  ASSERT_TRUE(name) << name.error().what();
  EXPECT_EQ(name->kind, "");
  EXPECT_EQ(name->backup, "nightly");
  EXPECT_EQ(name->id, "nightly-20261202T013000.123Z");
  // Two runs in the same millisecond, and a name with dashes and dots of its own.
  name = parse_artifact_name("db-2.daily-20261202T013000.123Z-2");
  ASSERT_TRUE(name) << name.error().what();
  EXPECT_EQ(name->backup, "db-2.daily");
}

TEST(ArtifactNameTest, KindSlashNameIsTheNewestArtifact) {
  auto name = parse_artifact_name("backup/nightly");
  ASSERT_TRUE(name) << name.error().what();
  EXPECT_EQ(name->kind, "Backup");
  EXPECT_EQ(name->backup, "nightly");
  EXPECT_EQ(name->id, "");
  name = parse_artifact_name("PhysicalBackups/nightly");
  ASSERT_TRUE(name) << name.error().what();
  EXPECT_EQ(name->kind, "PhysicalBackup");
}

TEST(ArtifactNameTest, AnythingElseIsRefusedSayingWhatItMayBe) {
  for (const std::string text :
       {"nightly", "mariadb/g", "backup/", "backup/../x", "Nightly-20261202T013000.123Z",
        "nightly-20261202T013000Z", "-20261202T013000.123Z", "../x-20261202T013000.123Z"}) {
    auto name = parse_artifact_name(text);
    ASSERT_FALSE(name) << text;
    EXPECT_NE(name.error().message.find("backup/NAME"), std::string::npos) << text;
  }
}

class FindArtifactTest : public TempDirTest {
 protected:
  void SetUp() override {
    TempDirTest::SetUp();
    apply_yaml(store_,
               "apiVersion: k8s.mariadb.com/v1alpha1\nkind: PhysicalBackup\n"
               "metadata: {name: nightly, namespace: default}\n"
               "spec:\n  mariaDbRef: {name: g}\n"
               "  encryption: {keySecretKeyRef: {name: keys, key: backup}}\n"
               "  storage: {volume: {hostPath: {path: " +
                   (dir_ / "backups").string() + "}}}\n");
    apply_yaml(store_,
               "apiVersion: v1\nkind: Secret\nmetadata: {name: keys, namespace: default}\n"
               "stringData: {backup: 0123456789abcdef0123456789abcdef}\n");
  }

  // An artifact `id` of default/<backup> in the storage.
  ArtifactManifest take(const std::string& backup, const std::string& id) {
    auto storage = FilesystemStorage::open(dir_ / "backups");
    EXPECT_TRUE(storage);
    TakeBackupRequest request = test_artifact_request(id);
    request.backup = "default/" + backup;
    request.encryption_secret = "0123456789abcdef0123456789abcdef";
    auto taken = take_test_artifact(request, **storage, "stream");
    EXPECT_TRUE(taken) << taken.error().what();
    return *taken;
  }

  Result<FoundArtifact> find(const std::string& text) {
    auto name = parse_artifact_name(text);
    if (!name) return tl::unexpected(name.error());
    return find_artifact(store_, "default", *name, dir_);
  }

  MemoryStore store_;
};

TEST_F(FindArtifactTest, FindsAnArtifactByIdWithTheKeyOfItsBackup) {
  take("nightly", "nightly-20261202T013000.123Z");
  auto found = find("nightly-20261202T013000.123Z");
  ASSERT_TRUE(found) << found.error().what();
  EXPECT_EQ(found->object, "PhysicalBackup default/nightly");
  EXPECT_EQ(found->manifest.id, "nightly-20261202T013000.123Z");
  EXPECT_EQ(found->artifacts.location, (dir_ / "backups").string());
  EXPECT_EQ(found->artifacts.encryption_secret, "0123456789abcdef0123456789abcdef");
}

TEST_F(FindArtifactTest, KindSlashNameFindsTheNewest) {
  take("nightly", "nightly-20261202T013000.123Z");
  take("nightly", "nightly-20261202T023000.123Z");
  auto found = find("physicalbackup/nightly");
  ASSERT_TRUE(found) << found.error().what();
  EXPECT_EQ(found->manifest.id, "nightly-20261202T023000.123Z");
  auto wrong_kind = find("backup/nightly");
  ASSERT_FALSE(wrong_kind);
  EXPECT_EQ(wrong_kind.error().message, "no Backup \"nightly\" in namespace default");
}

TEST_F(FindArtifactTest, SaysWhatIsMissing) {
  auto absent = find("nightly-20261202T013000.123Z");
  ASSERT_FALSE(absent);
  EXPECT_NE(absent.error().message.find("no complete artifact nightly-20261202T013000.123Z in " +
                                        (dir_ / "backups").string()),
            std::string::npos)
      << absent.error().message;
  auto no_backup = find("weekly-20261202T013000.123Z");
  ASSERT_FALSE(no_backup);
  EXPECT_EQ(no_backup.error().message,
            "no Backup or PhysicalBackup \"weekly\" in namespace default (the artifact's first "
            "part)");
  auto none_yet = find("physicalbackup/nightly");
  ASSERT_FALSE(none_yet);
  EXPECT_NE(none_yet.error().message.find("holds no complete artifact"), std::string::npos);
}

TEST_F(FindArtifactTest, AManifestOfAnotherBackupIsNotTaken) {
  // A same-named folder written by another Backup sharing the storage, renamed into place.
  take("weekly", "weekly-20261202T013000.123Z");
  std::filesystem::rename(dir_ / "backups" / "weekly-20261202T013000.123Z",
                          dir_ / "backups" / "nightly-20261202T013000.123Z");
  auto found = find("nightly-20261202T013000.123Z");
  ASSERT_FALSE(found);
  EXPECT_NE(found.error().message.find("made by default/weekly"), std::string::npos)
      << found.error().message;
}

TEST_F(FindArtifactTest, AMissingKeyNamesTheObjectAndItsField) {
  take("nightly", "nightly-20261202T013000.123Z");
  ASSERT_TRUE(store_.remove({"Secret", "default", "keys"}));
  auto found = find("nightly-20261202T013000.123Z");
  ASSERT_FALSE(found);
  EXPECT_EQ(found.error().field, "PhysicalBackup nightly spec.encryption.keySecretKeyRef");
  EXPECT_NE(found.error().message.find("does not exist"), std::string::npos)
      << found.error().message;
}

}  // namespace
}  // namespace mdbop
