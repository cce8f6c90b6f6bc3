#include "backup/artifact_catalog.h"

#include <algorithm>

#include <gtest/gtest.h>

#include "storage/filesystem_storage.h"
#include "temp_dir_test.h"

namespace mdbop {
namespace {

using namespace std::chrono;

const SysSeconds kDay = sys_days{2026y / 11 / 22};

ArtifactManifest artifact(const std::string& id, SysSeconds finished,
                          const std::string& backup = "default/nightly") {
  ArtifactManifest m;
  m.id = id;
  m.method = "logical";
  m.backup = backup;
  m.mariadb = "default/g";
  m.pod = "g-1";
  m.started = finished - 5s;
  m.finished = finished;
  m.compression = "zstd";
  m.encryption = "none";
  m.data_key = data_key(id, m.method, m.compression, false);
  m.sha256 = std::string(64, '0');
  return m;
}

TEST(ChooseArtifactTest, NewestOrNewestAtOrBeforeTheTarget) {
  const std::vector<ArtifactManifest> all = {artifact("a", kDay + 1h), artifact("c", kDay + 3h),
                                             artifact("b", kDay + 2h)};
  EXPECT_EQ(choose_artifact(all, std::nullopt, "")->id, "c");
  EXPECT_EQ(choose_artifact(all, kDay + 2h, "")->id, "b");
  EXPECT_EQ(choose_artifact(all, kDay + 2h + 59min, "")->id, "b");
  EXPECT_EQ(choose_artifact(all, std::nullopt, "a")->id, "a");
  auto too_early = choose_artifact(all, kDay, "");
  ASSERT_FALSE(too_early);
  EXPECT_NE(too_early.error().message.find("oldest finished at 2026-11-22T01:00:00Z"),
            std::string::npos)
      << too_early.error().message;
  EXPECT_FALSE(choose_artifact({}, std::nullopt, ""));
  EXPECT_FALSE(choose_artifact(all, std::nullopt, "missing"));
}

class ReadCatalogTest : public TempDirTest {};

TEST_F(ReadCatalogTest, NewArtifactIdsAreUniqueAndSortLikeTheirStart) {
  auto storage = FilesystemStorage::open(dir_ / "store");
  ASSERT_TRUE(storage);
  const system_clock::time_point at = kDay + 1h + 50min + 42s + 123ms;
  // Runs started in the same millisecond, each writing into its folder before the next starts.
  std::vector<std::string> ids;
  for (int run = 0; run < 3; ++run) {
    auto id = new_artifact_id(**storage, "nightly", at + 400us);
    ASSERT_TRUE(id) << id.error().message;
    ASSERT_TRUE((*storage)->put_all(*id + "/dump.sql.zst", "data"));
    ids.push_back(*id);
  }
  EXPECT_EQ(ids, (std::vector<std::string>{"nightly-20261122T015042.123Z",
                                           "nightly-20261122T015042.123Z-2",
                                           "nightly-20261122T015042.123Z-3"}));
  // A folder whose name only starts with the id is another artifact's.
  ASSERT_TRUE((*storage)->put_all("nightly-20261122T015042.124Z-old/dump.sql", "data"));
  auto later = new_artifact_id(**storage, "nightly", at + 1ms);
  ASSERT_TRUE(later);
  EXPECT_EQ(*later, "nightly-20261122T015042.124Z");
  auto next_second = new_artifact_id(**storage, "nightly", at + 1s);
  ASSERT_TRUE(next_second);
  ids.push_back(*later);
  ids.push_back(*next_second);
  EXPECT_TRUE(std::is_sorted(ids.begin(), ids.end()));
  EXPECT_TRUE(check_key(manifest_key(*next_second)));
}

TEST_F(ReadCatalogTest, OnlyFoldersWithACompleteManifestAreArtifacts) {
  auto storage = FilesystemStorage::open(dir_ / "store");
  ASSERT_TRUE(storage);
  for (const ArtifactManifest& m : {artifact("old", kDay + 1h), artifact("new", kDay + 2h),
                                    artifact("theirs", kDay + 3h, "default/other")}) {
    ASSERT_TRUE((*storage)->put_all(m.data_key, "data"));
    ASSERT_TRUE((*storage)->put_all(manifest_key(m.id), manifest_to_json(m).dump()));
  }
  ASSERT_TRUE((*storage)->put_all("halfway/data.xbstream.zst", "no manifest yet"));
  ASSERT_TRUE((*storage)->put_all("damaged/manifest.json", "{\"format\": 1, \"id\""));

  auto catalog = read_catalog(**storage, "default/nightly");
  ASSERT_TRUE(catalog) << catalog.error().message;
  ASSERT_EQ(catalog->artifacts.size(), 2u);
  EXPECT_EQ(catalog->artifacts[0].id, "new");  // newest first
  EXPECT_EQ(catalog->artifacts[1].id, "old");
  EXPECT_EQ(catalog->incomplete, (std::vector<std::string>{"damaged", "halfway"}));
  EXPECT_EQ(read_catalog(**storage, "")->artifacts.size(), 3u);
}

}  // namespace
}  // namespace mdbop
