// The decisions of incremental backups: which artifact a new one continues, which links a
// restore accepts (read back from real storages), and which bases retention keeps.
#include "backup/incremental_chain.h"

#include <gtest/gtest.h>

#include "storage/filesystem_storage.h"
#include "temp_dir_test.h"

namespace mdbop {
namespace {

using namespace std::chrono;

const SysSeconds kMonday = sys_days{2026y / 11 / 23} + 2h;

// A physical artifact of MariaDB default/g from `pod`, finished `day` days after kMonday,
// covering log sequence numbers from..to of `lineage`, continuing `base` (none: full).
ArtifactManifest artifact(const std::string& id, int day, std::uint64_t from, std::uint64_t to,
                          const std::string& base = "", const std::string& pod = "g-1",
                          const std::string& lineage = "g-1 L1") {
  ArtifactManifest a;
  a.id = id;
  a.method = "physical";
  a.backup = "default/" + id.substr(0, id.find('-'));
  a.mariadb = "default/g";
  a.pod = pod;
  a.lineage = lineage;
  a.from_lsn = from;
  a.to_lsn = to;
  a.incremental_base = base;
  a.started = kMonday + days(day);
  a.finished = a.started + 1min;
  a.compression = "none";
  a.encryption = "none";
  a.data_key = id + "/data.xbstream";
  a.sha256 = std::string(64, '0');
  return a;
}

TEST(IncrementalPlanTest, ContinuesTheNewestArtifactOfTheSameNodeAndLineage) {
  const std::vector<ArtifactManifest> candidates = {artifact("weekly-1", 0, 0, 100),
                                                    artifact("daily-1", 1, 100, 180, "weekly-1"),
                                                    artifact("daily-2", 2, 180, 260, "daily-1")};
  const IncrementalPlan plan = plan_incremental(candidates, "default/g", "g-1", "g-1 L1", {});
  ASSERT_TRUE(plan.base);
  EXPECT_EQ(plan.base->id, "daily-2");
  EXPECT_EQ(newest_chain_candidate(candidates, "default/g")->id, "daily-2");
}

TEST(IncrementalPlanTest, NothingToContinueIsAFullBackupWithoutComplaint) {
  ArtifactManifest logical = artifact("dump-1", 0, 0, 100);
  logical.method = "logical";
  ArtifactManifest before_chains = artifact("old-1", 1, 0, 0);  // no to_lsn recorded
  ArtifactManifest other_cluster = artifact("other-1", 2, 0, 100);
  other_cluster.mariadb = "default/h";
  const IncrementalPlan plan =
      plan_incremental({logical, before_chains, other_cluster}, "default/g", "g-1", "g-1 L1", {});
  EXPECT_FALSE(plan.base);
  EXPECT_EQ(plan.why_full, "");
}

TEST(IncrementalPlanTest, AnotherNodeOrReplacedDataEndsTheChainSayingWhy) {
  const std::vector<ArtifactManifest> candidates = {artifact("weekly-1", 0, 0, 100),
                                                    artifact("weekly-2", 7, 0, 300)};
  const IncrementalPlan other_node = plan_incremental(candidates, "default/g", "g-2", "g-2 L1", {});
  EXPECT_FALSE(other_node.base);
  EXPECT_NE(other_node.why_full.find("weekly-2 was taken on g-1, this one is taken on g-2"),
            std::string::npos)
      << other_node.why_full;
  // An older base of the same lineage is not taken either: the newest one ends the chain.
  const IncrementalPlan replaced = plan_incremental(candidates, "default/g", "g-1", "g-1 L2", {});
  EXPECT_FALSE(replaced.base);
  EXPECT_NE(replaced.why_full.find("the data of g-1 was replaced"), std::string::npos)
      << replaced.why_full;
}

TEST(IncrementalPlanTest, AFailedCheckABrokenOrAFullChainBeginsANewOne) {
  const std::vector<ArtifactManifest> chain = {artifact("weekly-1", 0, 0, 100),
                                               artifact("daily-1", 1, 100, 180, "weekly-1")};
  const IncrementalPlan failed = plan_incremental(chain, "default/g", "g-1", "g-1 L1", {"daily-1"});
  EXPECT_FALSE(failed.base);
  EXPECT_NE(failed.why_full.find("daily-1 failed its check"), std::string::npos);

  const IncrementalPlan broken = plan_incremental({chain[1]}, "default/g", "g-1", "g-1 L1", {});
  EXPECT_FALSE(broken.base);
  EXPECT_NE(broken.why_full.find("its base weekly-1 is gone"), std::string::npos)
      << broken.why_full;

  // kMaxIncrementalsInChain after the full one, then a full one.
  std::vector<ArtifactManifest> longest = {artifact("weekly-1", 0, 0, 100)};
  for (std::size_t i = 1; i <= kMaxIncrementalsInChain; ++i) {
    longest.push_back(artifact("daily-" + std::to_string(i), static_cast<int>(i), 100 * i,
                               100 * (i + 1), longest.back().id));
    const IncrementalPlan plan = plan_incremental(longest, "default/g", "g-1", "g-1 L1", {});
    if (i < kMaxIncrementalsInChain) {
      ASSERT_TRUE(plan.base) << i << ": " << plan.why_full;
    } else {
      EXPECT_FALSE(plan.base);
      EXPECT_NE(plan.why_full.find("holds 30 incremental backups"), std::string::npos)
          << plan.why_full;
    }
  }
}

TEST(ChainLinkTest, EveryBrokenLinkIsNamed) {
  const ArtifactManifest base = artifact("weekly-1", 0, 0, 100);
  EXPECT_EQ(chain_link_problem(base, artifact("daily-1", 1, 100, 180, "weekly-1")), std::nullopt);
  const std::pair<ArtifactManifest, std::string> broken[] = {
      {artifact("daily-1", 1, 101, 180, "weekly-1"), "begins at log sequence number 101"},
      {artifact("daily-1", 1, 100, 180, "weekly-1", "g-2", "g-1 L1"), "other nodes' data"},
      {artifact("daily-1", 1, 100, 180, "weekly-1", "g-1", "g-1 L2"), "was replaced"},
      {artifact("daily-1", -1, 100, 180, "weekly-1"), "the base finished after it began"},
  };
  for (const auto& [incremental, problem] : broken) {
    auto found = chain_link_problem(base, incremental);
    ASSERT_TRUE(found) << problem;
    EXPECT_NE(found->find(problem), std::string::npos) << *found;
  }
  ArtifactManifest other = base;
  other.mariadb = "default/h";
  EXPECT_NE(chain_link_problem(other, artifact("daily-1", 1, 100, 180, "weekly-1"))
                ->find("a backup of default/h"),
            std::string::npos);
}

class ReadChainTest : public TempDirTest {
 protected:
  // Stores the manifest of `a` (its data is not read here) in `storage`.
  static void store(BackupStorage& storage, const ArtifactManifest& a) {
    ASSERT_TRUE(storage.put_all(manifest_key(a.id), manifest_to_json(a).dump()));
  }
  std::unique_ptr<FilesystemStorage> open(const std::string& name) {
    return std::move(*FilesystemStorage::open(dir_ / name));
  }
};

TEST_F(ReadChainTest, FollowsBasesAcrossTheBasePathFullFirst) {
  auto weekly = open("full");
  auto daily = open("daily");
  store(*weekly, artifact("weekly-1", 0, 0, 100));
  store(*daily, artifact("daily-1", 1, 100, 180, "weekly-1"));
  const ArtifactManifest last = artifact("daily-2", 2, 180, 260, "daily-1");
  store(*daily, last);

  auto chain = read_chain(last, *daily, weekly.get());
  ASSERT_TRUE(chain) << chain.error().message;
  ASSERT_EQ(chain->size(), 3u);
  EXPECT_EQ((*chain)[0].manifest.id, "weekly-1");
  EXPECT_EQ((*chain)[0].storage, weekly.get());
  EXPECT_EQ((*chain)[1].manifest.id, "daily-1");
  EXPECT_EQ((*chain)[2].storage, daily.get());

  // Without the base path, the full backup is nowhere this restore reads.
  auto missing = read_chain(last, *daily, nullptr);
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, ErrorCode::kNotFound);
  EXPECT_NE(missing.error().message.find("the base weekly-1 of the incremental backup daily-1"),
            std::string::npos)
      << missing.error().message;
  // A full artifact is its own chain; nothing is listed.
  auto alone = read_chain(artifact("weekly-1", 0, 0, 100), *weekly, nullptr);
  ASSERT_TRUE(alone);
  EXPECT_EQ(alone->size(), 1u);
}

TEST_F(ReadChainTest, ABrokenLinkOrALoopIsRefused) {
  auto daily = open("daily");
  store(*daily, artifact("weekly-1", 0, 0, 100, "", "g-1", "g-1 L1"));
  const ArtifactManifest after_sst = artifact("daily-1", 1, 100, 180, "weekly-1", "g-1", "g-1 L2");
  store(*daily, after_sst);
  auto broken = read_chain(after_sst, *daily, nullptr);
  ASSERT_FALSE(broken);
  EXPECT_EQ(broken.error().code, ErrorCode::kCorrupt);
  EXPECT_NE(broken.error().message.find("was replaced between the two"), std::string::npos);

  // Hostile manifests naming each other: the walk ends.
  auto loop = open("loop");
  store(*loop, artifact("a-1", 1, 100, 100, "b-1"));
  store(*loop, artifact("b-1", 1, 100, 100, "a-1"));
  auto looped = read_chain(artifact("a-1", 1, 100, 100, "b-1"), *loop, nullptr);
  ASSERT_FALSE(looped);
  EXPECT_EQ(looped.error().code, ErrorCode::kCorrupt);
}

TEST(SpareChainBasesTest, AKeptIncrementalKeepsItsWholeChain) {
  const std::vector<ArtifactManifest> artifacts = {
      artifact("weekly-1", 0, 0, 100), artifact("daily-1", 1, 100, 180, "weekly-1"),
      artifact("daily-2", 2, 180, 260, "daily-1"), artifact("weekly-2", 7, 0, 500),
      artifact("lone-1", 3, 0, 300)};
  // keepLast 2 would leave weekly-2 and daily-2, removing what daily-2 is applied on.
  EXPECT_EQ(spare_chain_bases(artifacts, {"weekly-1", "daily-1", "lone-1"}, {}),
            std::vector<std::string>{"lone-1"});
  // Bases another Backup's incrementals name, through their chains here.
  EXPECT_EQ(spare_chain_bases(artifacts, {"weekly-1", "daily-1", "daily-2", "lone-1"}, {"daily-1"}),
            (std::vector<std::string>{"daily-2", "lone-1"}));
  // Nothing kept needs them: all go.
  EXPECT_EQ(spare_chain_bases(artifacts, {"weekly-1", "daily-1", "daily-2"}, {}),
            (std::vector<std::string>{"weekly-1", "daily-1", "daily-2"}));
}

}  // namespace
}  // namespace mdbop
