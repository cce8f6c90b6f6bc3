#include "controller/backup/backup_target.h"

#include <gtest/gtest.h>

namespace mdbop {
namespace {

nlohmann::json cluster(const std::vector<std::pair<std::string, std::string>>& states,
                       const std::string& primary = "g-0") {
  nlohmann::json nodes = nlohmann::json::array();
  for (const auto& [pod, state] : states) {
    nodes.push_back({{"pod", pod}, {"state", state}, {"clusterStatus", "Primary"}});
  }
  return {{"currentPrimary", primary}, {"nodes", nodes}};
}

BackupTargetSpec target(BackupTargetSpec::Mode mode, const std::string& pod = "") {
  BackupTargetSpec t;
  t.mode = mode;
  t.pod = pod;
  return t;
}

using Mode = BackupTargetSpec::Mode;

TEST(BackupTargetTest, ReplicasAreChosenOverThePrimary) {
  const auto status = cluster({{"g-0", "Synced"}, {"g-1", "Synced"}, {"g-2", "Synced"}});
  EXPECT_EQ(choose_backup_pod(status, target(Mode::kReplica)).value(), "g-1");
  EXPECT_EQ(choose_backup_pod(status, target(Mode::kPreferReplica)).value(), "g-1");
}

TEST(BackupTargetTest, OnlySyncedNodesInThePrimaryComponentQualify) {
  auto status = cluster({{"g-0", "Synced"}, {"g-1", "Joining"}, {"g-2", "Donor/Desynced"}});
  EXPECT_EQ(choose_backup_pod(status, target(Mode::kPreferReplica)).value(), "g-0");
  auto replica = choose_backup_pod(status, target(Mode::kReplica));
  ASSERT_FALSE(replica);
  EXPECT_NE(replica.error().message.find("g-1 Joining"), std::string::npos);
  status["nodes"][1]["state"] = "Synced";
  status["nodes"][1]["clusterStatus"] = "non-Primary";
  EXPECT_FALSE(choose_backup_pod(status, target(Mode::kReplica)));
}

TEST(BackupTargetTest, ANamedPodMustBeSynced) {
  const auto status = cluster({{"g-0", "Synced"}, {"g-1", "Synced"}, {"g-2", "Stopped"}});
  EXPECT_EQ(choose_backup_pod(status, target(Mode::kPod, "g-0")).value(), "g-0");
  EXPECT_FALSE(choose_backup_pod(status, target(Mode::kPod, "g-2")));
  EXPECT_FALSE(choose_backup_pod(nlohmann::json::object(), target(Mode::kPreferReplica)));
}

TEST(BackupTargetTest, AnIncrementalChainsNodeIsPreferredWhenItQualifies) {
  const auto status = cluster({{"g-0", "Synced"}, {"g-1", "Synced"}, {"g-2", "Synced"}});
  EXPECT_EQ(choose_backup_pod(status, target(Mode::kReplica), "g-2").value(), "g-2");
  // Not the primary for Replica; not another pod than the named one; not a node not Synced.
  EXPECT_EQ(choose_backup_pod(status, target(Mode::kReplica), "g-0").value(), "g-1");
  EXPECT_EQ(choose_backup_pod(status, target(Mode::kPreferReplica), "g-0").value(), "g-0");
  EXPECT_EQ(choose_backup_pod(status, target(Mode::kPod, "g-1"), "g-2").value(), "g-1");
  const auto joining = cluster({{"g-0", "Synced"}, {"g-1", "Synced"}, {"g-2", "Joining"}});
  EXPECT_EQ(choose_backup_pod(joining, target(Mode::kPreferReplica), "g-2").value(), "g-1");
}

TEST(BackupTargetTest, ArchiveSourcesAreReplicasFirstThenThePrimaryThenTheNodeThatJustFailed) {
  auto status = cluster({{"g-0", "Synced"}, {"g-1", "Synced"}, {"g-2", "Synced"}});
  EXPECT_EQ(archive_source_pods(status, ""), (std::vector<std::string>{"g-1", "g-2", "g-0"}));
  EXPECT_EQ(archive_source_pods(status, "g-1"), (std::vector<std::string>{"g-2", "g-0", "g-1"}));
  EXPECT_EQ(archive_source_pods(status, "g-0"), (std::vector<std::string>{"g-1", "g-2", "g-0"}));
  status["nodes"][2]["state"] = "Joining";
  status["nodes"][1]["clusterStatus"] = "non-Primary";
  EXPECT_EQ(archive_source_pods(status, ""), (std::vector<std::string>{"g-0"}));
}

}  // namespace
}  // namespace mdbop
