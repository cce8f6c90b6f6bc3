// A Restore to a moment (pointInTimeRecoveryRef) against a FakeNodeAgent, a MemoryStore and an
// archive directory written here: the base chosen by the target, the archived transactions after
// it replayed up to the target and no further, a strict restore refused before anything is
// received, a non-strict one taken to the archive's end with a warning, and a replay whose end
// the server does not confirm failing without touching the MariaDB.
#include <gtest/gtest.h>

#include "backup/binlog_archive.h"
#include "backup/binlog_segment_name.h"
#include "binlog_test_events.h"
#include "controller/backup/backup_reconciler.h"
#include "controller/conditions.h"
#include "controller/mariadb/reconciler.h"
#include "controller/restore/restore_reconciler.h"
#include "fake_node_agent.h"
#include "reconciler_test_util.h"
#include "storage/filesystem_storage.h"
#include "store/memory_store.h"
#include "temp_dir_test.h"
#include "util/time_text.h"

namespace mdbop {
namespace {

const ObjectKey kMariaDB{"MariaDB", "default", "g"};
const char* kArchiveKey = "archive-key-0123456789";
// Commit times of the archived transactions: base + i is stamped kStart + i.
constexpr std::uint32_t kStart = 1800000000;

class PointInTimeRestoreTest : public TempDirTest {
 protected:
  void SetUp() override {
    TempDirTest::SetUp();
    make_ready_cluster(store_, mariadb_);
    agent_.commit("default", "g", 5);
    back_up("");
    ASSERT_TRUE(
        condition_is_true(*store_.get({"PhysicalBackup", "default", "nightly"}), "Complete"));
    base_ = static_cast<std::uint64_t>(agent_.committed({"default", "g", 0}));
    history_ = agent_.observe({"default", "g", 0}, "").wsrep.cluster_state_uuid;
    apply_pitr(false);
    // The archive after the base: two segments of 4 transactions each.
    archive({1, 2, 3, 4});
    archive({5, 6, 7, 8});
    agent_.clear_calls();
  }

  // A run of PhysicalBackup "nightly"; after the first, with a new `run_now` annotation.
  void back_up(const std::string& run_now) {
    apply_yaml(store_,
               "apiVersion: k8s.mariadb.com/v1alpha1\nkind: PhysicalBackup\n"
               "metadata: {name: nightly, namespace: default" +
                   (run_now.empty() ? "" : ", annotations: {mdbop.io/run-now: " + run_now + "}") +
                   "}\nspec:\n  mariaDbRef: {name: g}\n  compression: none\n"
                   "  storage: {volume: {hostPath: {path: " +
                   (dir_ / "backups").string() + "}}}\n");
    BackupReconciler(store_, agent_, dir_, {"PhysicalBackup", "default", "nightly"}).reconcile();
  }

  void apply_pitr(bool strict) {
    apply_yaml(store_, std::string("apiVersion: v1\nkind: Secret\n"
                                   "metadata: {name: archive-key, namespace: default}\n"
                                   "stringData: {key: ") +
                           kArchiveKey + "}\n");
    apply_yaml(store_,
               "apiVersion: k8s.mariadb.com/v1alpha1\nkind: PointInTimeRecovery\n"
               "metadata: {name: pitr, namespace: default}\n"
               "spec:\n  physicalBackupRef: {name: nightly}\n"
               "  strictMode: " +
                   std::string(strict ? "true" : "false") +
                   "\n  storage: {volume: {hostPath: {path: " + (dir_ / "archive").string() +
                   "}}}\n"
                   "  encryption: {keySecretKeyRef: {name: archive-key, key: key}}\n");
  }

  // One segment of the transactions base + each offset, stamped kStart + offset, named after
  // the first (or `named_first`, a name that lies about its content) and the last.
  void archive(const std::vector<std::uint64_t>& offsets, std::uint64_t named_first = 0) {
    std::vector<std::pair<std::uint64_t, std::uint32_t>> transactions;
    for (std::uint64_t offset : offsets) {
      transactions.emplace_back(base_ + offset, kStart + static_cast<std::uint32_t>(offset));
    }
    auto storage = FilesystemStorage::open(dir_ / "archive");
    ASSERT_TRUE(storage);
    const std::uint64_t first = named_first ? base_ + named_first : transactions.front().first;
    const BinlogSegmentName name{history_, first, transactions.back().first,
                                 transactions.front().second, transactions.back().second};
    ASSERT_TRUE(upload_binlog_segment(**storage, *binlog_segment_key("default/g", name),
                                      binlog_test::segment_of(transactions), Compression::kZstd,
                                      std::string(kArchiveKey)));
  }

  ObjectKey restore(const std::string& target) {
    apply_yaml(store_,
               "apiVersion: k8s.mariadb.com/v1alpha1\nkind: Restore\n"
               "metadata: {name: back, namespace: default}\n"
               "spec:\n  mariaDbRef: {name: g}\n  pointInTimeRecoveryRef: {name: pitr}\n" +
                   target);
    const ObjectKey key{"Restore", "default", "back"};
    RestoreReconciler reconciler(store_, agent_, dir_, key);
    reconciler.reconcile();
    return key;
  }

  // The sequence numbers of the replayed files' transactions, in order.
  std::vector<std::uint64_t> replayed() const {
    std::vector<std::uint64_t> sequences;
    for (const std::string& file : agent_.replayed_binlog_files({"default", "back"})) {
      auto gtids = gtids_of_segment(file);
      EXPECT_TRUE(gtids) << gtids.error().message;
      for (const Gtid& gtid : gtids ? *gtids : std::vector<Gtid>{})
        sequences.push_back(gtid.sequence);
    }
    return sequences;
  }

  std::vector<std::uint64_t> after_base(std::uint64_t first, std::uint64_t last) const {
    std::vector<std::uint64_t> sequences;
    for (std::uint64_t i = first; i <= last; ++i) sequences.push_back(base_ + i);
    return sequences;
  }

  std::string gtid(std::uint64_t offset) const { return "0-1-" + std::to_string(base_ + offset); }

  json status_of(const ObjectKey& key) const {
    return store_.get(key)->value("status", json::object());
  }

  MemoryStore store_;
  FakeNodeAgent agent_;
  MariaDBReconciler mariadb_{store_, agent_, kMariaDB};
  std::uint64_t base_ = 0;
  std::string history_;
};

TEST_F(PointInTimeRestoreTest, AGtidTargetReplaysTheArchiveFromTheBaseThroughThatGtid) {
  agent_.set_replayed_gtid_binlog_pos(gtid(6) + ",1000-1-3");
  const ObjectKey key = restore("  targetRecoveryGtid: \"" + gtid(6) + "\"\n");
  EXPECT_EQ(replayed(), after_base(1, 6));
  const json status = status_of(key);
  EXPECT_EQ(status.value("phase", ""), "Restoring") << status.dump();
  EXPECT_TRUE(status.contains("handOver"));
  EXPECT_EQ(status["pointInTime"].value("recoveredGtid", ""), gtid(6));
  EXPECT_EQ(status["pointInTime"].value("recoveredTime", ""),
            format_rfc3339(SysSeconds(std::chrono::seconds(kStart + 6))));
  // Prepared before the replay, offered after it.
  const std::vector<std::string> calls = agent_.calls();
  const auto at = [&](const std::string& prefix) {
    return std::find_if(calls.begin(), calls.end(),
                        [&](const std::string& call) { return call.starts_with(prefix); }) -
           calls.begin();
  };
  EXPECT_LT(at("prepare_received"), at("replay_binlog_into_received"));
}

TEST_F(PointInTimeRestoreTest, ATimeTargetKeepsEveryTransactionStampedAtOrBeforeThatSecond) {
  agent_.set_replayed_gtid_binlog_pos(gtid(3));
  const ObjectKey key =
      restore("  targetRecoveryTime: \"" +
              format_rfc3339(SysSeconds(std::chrono::seconds(kStart + 3))) + "\"\n");
  EXPECT_EQ(replayed(), after_base(1, 3));
  EXPECT_EQ(status_of(key)["pointInTime"].value("recoveredGtid", ""), gtid(3));
  EXPECT_FALSE(status_of(key)["pointInTime"].value("beyondArchive", true));
}

TEST_F(PointInTimeRestoreTest, LatestReplaysTheWholeArchive) {
  agent_.set_replayed_gtid_binlog_pos(gtid(8));
  const ObjectKey key = restore("");
  EXPECT_EQ(replayed(), after_base(1, 8));
  EXPECT_EQ(status_of(key)["pointInTime"].value("target", ""), "the newest archived transaction");
}

TEST_F(PointInTimeRestoreTest, AStrictRestoreBeyondTheArchiveIsRefusedBeforeAnythingIsReceived) {
  apply_pitr(true);
  const ObjectKey key =
      restore("  targetRecoveryTime: \"" +
              format_rfc3339(SysSeconds(std::chrono::seconds(kStart + 60))) + "\"\n");
  const json status = status_of(key);
  EXPECT_EQ(status.value("phase", ""), "Failed");
  EXPECT_NE(status.value("message", "").find("strictMode"), std::string::npos) << status.dump();
  EXPECT_FALSE(event_messages(store_, key, "TargetUnreachable").empty());
  EXPECT_TRUE(agent_.calls_starting("receive_backup").empty());
  EXPECT_TRUE(agent_.replayed_binlog_files({"default", "back"}).empty());
}

TEST_F(PointInTimeRestoreTest, WithoutStrictModeATargetBeyondTheArchiveGoesToItsEndAndSaysSo) {
  agent_.set_replayed_gtid_binlog_pos(gtid(8));
  const ObjectKey key = restore("  targetRecoveryGtid: \"" + gtid(40) + "\"\n");
  EXPECT_EQ(replayed(), after_base(1, 8));
  EXPECT_TRUE(status_of(key)["pointInTime"].value("beyondArchive", false));
  const std::vector<std::string> warnings = event_messages(store_, key, "TargetBeyondArchive");
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_NE(warnings[0].find("GTID " + gtid(40)), std::string::npos) << warnings[0];
}

TEST_F(PointInTimeRestoreTest, AReplayTheServerDoesNotConfirmFailsAndLeavesTheMariaDBAlone) {
  agent_.set_replayed_gtid_binlog_pos(gtid(5));  // one short of the target
  const ObjectKey key = restore("  targetRecoveryGtid: \"" + gtid(6) + "\"\n");
  const json status = status_of(key);
  EXPECT_EQ(status.value("phase", ""), "Failed");
  EXPECT_FALSE(status.contains("handOver"));
  EXPECT_NE(status.value("message", "").find("not at the last replayed GTID " + gtid(6)),
            std::string::npos)
      << status.dump();
  EXPECT_EQ(agent_.calls_starting("discard_received").size(), 1u);
  EXPECT_FALSE(status_of(kMariaDB).contains("restore"));
}

TEST_F(PointInTimeRestoreTest, ASegmentWhoseTransactionsAreNotWhatItsNameSaysFailsTheReplay) {
  archive({10, 11, 12}, 9);  // named 9..12 after 5..8, but 9 is not in it
  const ObjectKey key = restore("");
  const json status = status_of(key);
  EXPECT_EQ(status.value("phase", ""), "Failed");
  EXPECT_NE(status.value("message", "")
                .find("where sequence number " + std::to_string(base_ + 9) + " was due"),
            std::string::npos)
      << status.dump();
  EXPECT_FALSE(status_of(kMariaDB).contains("restore"));
}

TEST_F(PointInTimeRestoreTest, AfterARestoreBeganANewHistoryOnlyItsBasesServeLaterTargets) {
  // A restore began history "restored" at kStart + 100: the base and archive above are of the
  // history before it.
  ASSERT_TRUE(store_.update_status(kMariaDB, [](json& status) {
    status["binlogHistory"] = "5a0c3f4e-8d1b-4c2a-9e7f-0123456789ab";
    status["binlogHistorySince"] = format_rfc3339(SysSeconds(std::chrono::seconds(kStart + 100)));
  }));
  const ObjectKey key = restore("");
  EXPECT_EQ(status_of(key).value("phase", ""), "Failed");
  EXPECT_NE(status_of(key).value("message", "").find("no physical backup was taken on the history"),
            std::string::npos)
      << status_of(key).dump();
  EXPECT_TRUE(agent_.calls_starting("receive_backup").empty());

  // A time before it is on the older history: its base and archive serve it.
  agent_.set_replayed_gtid_binlog_pos(gtid(4));
  store_.remove(key);
  const ObjectKey earlier =
      restore("  targetRecoveryTime: \"" +
              format_rfc3339(SysSeconds(std::chrono::seconds(kStart + 4))) + "\"\n");
  EXPECT_EQ(status_of(earlier)["pointInTime"].value("recoveredGtid", ""), gtid(4))
      << status_of(earlier).dump();
}

TEST_F(PointInTimeRestoreTest, AHoleInTheArchiveIsRefusedBeforeAnythingIsReceived) {
  archive({12, 13});  // 9..11 were never archived
  const ObjectKey key = restore("");
  EXPECT_EQ(status_of(key).value("phase", ""), "Failed");
  EXPECT_FALSE(event_messages(store_, key, "TargetUnreachable").empty());
  EXPECT_TRUE(agent_.calls_starting("receive_backup").empty());
}

// The newest base is an incremental backup: its chain is prepared, then the archive replayed
// from what the prepared chain holds.
TEST_F(PointInTimeRestoreTest, AnIncrementalBaseIsPreparedOnItsChainBeforeTheReplay) {
  agent_.commit("default", "g", 2);  // base + 1 and base + 2, archived in SetUp
  apply_yaml(store_,
             "apiVersion: k8s.mariadb.com/v1alpha1\nkind: PhysicalBackup\n"
             "metadata: {name: nightly, namespace: default, annotations: {mdbop.io/run-now: "
             "\"2\"}}\nspec:\n  mariaDbRef: {name: g}\n  compression: none\n"
             "  mariabackup: {extraArgs: [--incremental]}\n"
             "  storage: {volume: {hostPath: {path: " +
                 (dir_ / "backups").string() + "}}}\n");
  BackupReconciler(store_, agent_, dir_, {"PhysicalBackup", "default", "nightly"}).reconcile();
  const json artifacts =
      store_.get({"PhysicalBackup", "default", "nightly"})->at("status")["artifacts"];
  ASSERT_EQ(artifacts.size(), 2u);
  ASSERT_EQ(artifacts[0].value("incrementalBase", ""), artifacts[1]["id"]) << artifacts.dump();
  agent_.clear_calls();

  agent_.set_received_gtid(gtid(2));
  agent_.set_replayed_gtid_binlog_pos(gtid(6));
  const ObjectKey key = restore("  targetRecoveryGtid: \"" + gtid(6) + "\"\n");
  EXPECT_EQ(status_of(key)["artifact"].value("id", ""), artifacts[0]["id"]);
  EXPECT_EQ(replayed(), after_base(3, 6));
  const std::vector<std::string> calls = agent_.calls();
  EXPECT_LT(position_starting(calls, "prepare_received"),
            position_starting(calls, "apply_received_incremental"));
  EXPECT_LT(position_starting(calls, "apply_received_incremental"),
            position_starting(calls, "recover_received_position"));
}

TEST_F(PointInTimeRestoreTest, TheReplayContinuesAfterWhatTheBasesDataHoldsNotWhatItsManifestSays) {
  // On Galera mariadb-backup's recorded GTID can lag the data it copied: here by two.
  agent_.set_received_gtid(gtid(2) + ",1000-1-7");
  agent_.set_replayed_gtid_binlog_pos(gtid(8));
  const ObjectKey key = restore("");
  EXPECT_EQ(replayed(), after_base(3, 8));
  EXPECT_EQ(status_of(key)["pointInTime"].value("transactions", 0), 6);
  EXPECT_EQ(status_of(key)["pointInTime"].value("baseGtid", ""), gtid(2));
  const std::vector<std::string> corrected = event_messages(store_, key, "BasePositionCorrected");
  ASSERT_EQ(corrected.size(), 1u);
  EXPECT_NE(corrected[0].find("holds GTID " + gtid(2) + " where its manifest records " + gtid(0)),
            std::string::npos)
      << corrected[0];
  // Read from the prepared data, before the replay.
  EXPECT_LT(position_starting(agent_.calls(), "prepare_received"),
            position_starting(agent_.calls(), "recover_received_position"));
  EXPECT_LT(position_starting(agent_.calls(), "recover_received_position"),
            position_starting(agent_.calls(), "replay_binlog_into_received"));
}

TEST_F(PointInTimeRestoreTest, AnOperatorStoppingMidRestoreLeavesItPendingNotFailed) {
  apply_yaml(store_,
             "apiVersion: k8s.mariadb.com/v1alpha1\nkind: Restore\n"
             "metadata: {name: back, namespace: default}\n"
             "spec:\n  mariaDbRef: {name: g}\n  pointInTimeRecoveryRef: {name: pitr}\n");
  const ObjectKey key{"Restore", "default", "back"};
  RestoreReconciler reconciler(store_, agent_, dir_, key);
  reconciler.stop_soon();  // the prepare sees it at once
  reconciler.reconcile();
  EXPECT_EQ(status_of(key).value("phase", ""), "Pending") << status_of(key).dump();
  EXPECT_EQ(agent_.calls_starting("discard_received").size(), 1u);
  EXPECT_TRUE(replayed().empty());
  EXPECT_FALSE(status_of(kMariaDB).contains("restore"));

  // The next operator's reconciler restores it.
  agent_.set_replayed_gtid_binlog_pos(gtid(8));
  RestoreReconciler(store_, agent_, dir_, key).reconcile();
  EXPECT_EQ(replayed(), after_base(1, 8));
  EXPECT_TRUE(status_of(key).contains("handOver"));
}

TEST_F(PointInTimeRestoreTest, ABaseWhoseDataHoldsTheGtidTargetAlreadyReplaysNothing) {
  agent_.set_received_gtid(gtid(3));
  const ObjectKey key = restore("  targetRecoveryGtid: \"" + gtid(3) + "\"\n");
  EXPECT_TRUE(replayed().empty());
  EXPECT_TRUE(status_of(key).contains("handOver")) << status_of(key).dump();
  EXPECT_EQ(status_of(key)["pointInTime"].value("transactions", -1), 0);
}

TEST_F(PointInTimeRestoreTest, DataThatRecordsNoGtidKeepsTheManifestsAndSaysSo) {
  agent_.set_replayed_gtid_binlog_pos(gtid(8));
  const ObjectKey key = restore("");
  EXPECT_EQ(replayed(), after_base(1, 8));
  EXPECT_EQ(event_messages(store_, key, "BasePositionUnknown").size(), 1u);
}

TEST_F(PointInTimeRestoreTest, DataWithoutTheClustersDomainIsRefusedAndNothingIsTouched) {
  agent_.set_received_gtid("1001-1-3");
  const ObjectKey key = restore("");
  EXPECT_EQ(status_of(key).value("phase", ""), "Failed");
  EXPECT_NE(status_of(key).value("message", "").find("holds no transaction of the cluster's GTID"),
            std::string::npos)
      << status_of(key).dump();
  EXPECT_TRUE(agent_.replayed_binlog_files({"default", "back"}).empty());
  EXPECT_FALSE(status_of(kMariaDB).contains("restore"));
}

TEST_F(PointInTimeRestoreTest, ABaseWhoseDataIsPastAGtidTargetIsPassedOverForAnOlderOne) {
  // A second base, whose manifest says gtid(3)...
  agent_.commit("default", "g", 3);
  back_up("again");
  // ...but whose data holds gtid(5), past the target gtid(4).
  agent_.set_received_gtid(gtid(5));
  agent_.set_replayed_gtid_binlog_pos(gtid(4));
  const ObjectKey key = restore("  targetRecoveryGtid: \"" + gtid(4) + "\"\n");
  EXPECT_TRUE(agent_.replayed_binlog_files({"default", "back"}).empty());
  const json passed = status_of(key).value("passedOverBases", json::array());
  ASSERT_EQ(passed.size(), 1u) << status_of(key).dump();
  EXPECT_EQ(event_messages(store_, key, "BasePassedOver").size(), 1u);
  EXPECT_FALSE(status_of(kMariaDB).contains("restore"));

  // The next pass takes the first base, whose data is where its manifest says.
  agent_.set_received_gtid(gtid(0));
  RestoreReconciler(store_, agent_, dir_, key).reconcile();
  EXPECT_NE(status_of(key)["artifact"].value("id", ""), passed[0].get<std::string>());
  EXPECT_EQ(replayed(), after_base(1, 4));
  EXPECT_EQ(status_of(key)["pointInTime"].value("recoveredGtid", ""), gtid(4));
}

}  // namespace
}  // namespace mdbop
