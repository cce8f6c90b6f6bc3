// The physical restore's hand-over between a RestoreReconciler and the MariaDBReconciler it
// targets, against a FakeNodeAgent and a MemoryStore: the Restore only offers its prepared data
// in its own status; the MariaDB is the one writer of its status.restore.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "controller/backup/backup_reconciler.h"
#include "controller/conditions.h"
#include "controller/mariadb/reconciler.h"
#include "controller/restore/restore_reconciler.h"
#include "fake_node_agent.h"
#include "reconciler_test_util.h"
#include "store/memory_store.h"
#include "temp_dir_test.h"

namespace mdbop {
namespace {

const ObjectKey kMariaDB{"MariaDB", "default", "g"};

class RestoreHandOverTest : public TempDirTest {
 protected:
  void SetUp() override {
    TempDirTest::SetUp();
    make_ready_cluster(store_, mariadb_);
    // One physical artifact to restore from.
    take_backup({"PhysicalBackup", "default", "hourly"}, "");
    agent_.clear_calls();
  }

  // Takes one artifact of a new `key` (`extra`: more spec lines) into its own folder.
  void take_backup(const ObjectKey& key, const std::string& extra) {
    apply_yaml(store_, "apiVersion: k8s.mariadb.com/v1alpha1\nkind: " + key.kind +
                           "\nmetadata: {name: " + key.name +
                           ", namespace: default}\n"
                           "spec:\n  mariaDbRef: {name: g}\n  compression: none\n" +
                           extra + "  storage: {volume: {hostPath: {path: " +
                           (dir_ / ("backups-" + key.name)).string() + "}}}\n");
    BackupReconciler backup(store_, agent_, dir_, key);
    backup.reconcile();
    ASSERT_TRUE(condition_is_true(*store_.get(key), "Complete"));
  }

  // `extra`: more spec lines.
  ObjectKey apply_restore(const std::string& name, const std::string& extra = "") {
    apply_yaml(store_,
               "apiVersion: k8s.mariadb.com/v1alpha1\nkind: Restore\n"
               "metadata: {name: " +
                   name +
                   ", namespace: default}\n"
                   "spec:\n  mariaDbRef: {name: g}\n"
                   "  backupRef: {name: hourly, kind: PhysicalBackup}\n" +
                   extra);
    return {"Restore", "default", name};
  }

  json status_of(const ObjectKey& key) const {
    return store_.get(key)->value("status", json::object());
  }

  MemoryStore store_;
  FakeNodeAgent agent_;
  MariaDBReconciler mariadb_{store_, agent_, kMariaDB};
};

TEST_F(RestoreHandOverTest, TheTutorialsPrepareOptionsReachThePrepare) {
  const ObjectKey key = apply_restore("r1",
                                      "  mariabackup: {extraArgs: [--use-memory=8G]}\n"
                                      "  resources: {requests: {memory: 10Gi}}\n");
  RestoreReconciler restore(store_, agent_, dir_, key);
  restore.reconcile();
  EXPECT_EQ(agent_.calls_starting("prepare_received"),
            std::vector<std::string>{"prepare_received default/r1 --use-memory=8G"});
  EXPECT_EQ(status_of(key)["warnedFields"], json::array({"spec.resources"}));
}

TEST_F(RestoreHandOverTest, PrepareOptionsOnALogicalRestoreAreWarnedAboutOnce) {
  ASSERT_NO_FATAL_FAILURE(take_backup({"Backup", "default", "dump"}, "  backupType: logical\n"));
  apply_yaml(store_,
             "apiVersion: k8s.mariadb.com/v1alpha1\nkind: Restore\n"
             "metadata: {name: r-dump, namespace: default}\n"
             "spec:\n  mariaDbRef: {name: g}\n  backupRef: {name: dump}\n"
             "  mariabackup: {extraArgs: [--use-memory=8G]}\n");
  const ObjectKey key{"Restore", "default", "r-dump"};
  RestoreReconciler restore(store_, agent_, dir_, key);
  restore.reconcile();
  restore.reconcile();
  EXPECT_EQ(status_of(key)["warnedFields"], json::array({"spec.mariabackup.extraArgs"}));
  const std::vector<std::string> warnings = event_messages(store_, key, "FieldIgnored");
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_NE(warnings[0].find("logical backup"), std::string::npos) << warnings[0];
  EXPECT_TRUE(agent_.calls_starting("prepare_received").empty());
}

TEST_F(RestoreHandOverTest, TheRestoreOffersAndTheMariaDBTakesUpReplacesAndReportsBack) {
  const ObjectKey key = apply_restore("r1");
  RestoreReconciler restore(store_, agent_, dir_, key);
  restore.reconcile();

  // Prepared and offered in the Restore's own status; the MariaDB's is not touched by it.
  EXPECT_EQ(agent_.calls_starting("receive_backup"),
            std::vector<std::string>{"receive_backup default/r1"});
  EXPECT_EQ(agent_.calls_starting("prepare_received"),
            std::vector<std::string>{"prepare_received default/r1"});
  ASSERT_TRUE(status_of(key).contains("handOver"));
  EXPECT_EQ(status_of(key).value("phase", ""), "Restoring");
  EXPECT_FALSE(status_of(kMariaDB).contains("restore"));
  // Started when it left Pending (what its duration is timed from).
  const std::string started = status_of(key).value("startedAt", "");
  EXPECT_FALSE(started.empty());

  // The MariaDB takes it up, replaces every node's data from it and becomes Ready again.
  mariadb_.reconcile();
  const json taken = status_of(kMariaDB).value("restore", json::object());
  EXPECT_EQ(taken.value("name", ""), "r1");
  EXPECT_EQ(taken.value("uid", ""), store_.get(key)->at("metadata").value("uid", ""));
  EXPECT_EQ(taken.value("artifact", ""), status_of(key)["handOver"].value("artifact", ""));
  EXPECT_EQ(agent_.calls_starting("install_received").size(), 1u);
  for (int i = 0; i < 8 && status_of(kMariaDB)["restore"].value("phase", "") != "Done"; ++i) {
    mariadb_.reconcile();
  }
  EXPECT_EQ(status_of(kMariaDB)["restore"].value("phase", ""), "Done");
  EXPECT_TRUE(condition_is_true(*store_.get(kMariaDB), "Ready"));

  // The Restore reads the outcome and completes; its prepared data goes.
  restore.reconcile();
  EXPECT_EQ(status_of(key).value("phase", ""), "Complete");
  EXPECT_EQ(status_of(key).value("startedAt", ""), started);
  EXPECT_GE(status_of(key).value("finishedAt", ""), started);
  EXPECT_TRUE(contains(agent_.calls(), "discard_received default/r1"));
  // Done is not taken up again.
  agent_.clear_calls();
  mariadb_.reconcile();
  EXPECT_TRUE(agent_.calls_starting("install_received").empty());
}

TEST_F(RestoreHandOverTest, TheDataIsPreparedInThePrimaryPodAndThatNodeIsTheSeed) {
  // On Kubernetes a backup is received in a pod, and can be installed there only.
  ASSERT_TRUE(store_.update(kMariaDB, [](json& object) {
    object["spec"]["galera"]["primary"] = {{"podIndex", 1}};
  }));
  const ObjectKey key = apply_restore("r1");
  RestoreReconciler restore(store_, agent_, dir_, key);
  restore.reconcile();
  ASSERT_TRUE(status_of(key).contains("handOver"));
  EXPECT_EQ(status_of(key).value("receivingPod", ""), "g-1");

  // The primary moved meanwhile: the data stays where it was prepared, and is installed there.
  ASSERT_TRUE(store_.update(kMariaDB, [](json& object) {
    object["spec"]["galera"]["primary"] = {{"podIndex", 2}};
  }));
  for (int i = 0;
       i < 8 && status_of(kMariaDB).value("restore", json::object()).value("phase", "") != "Done";
       ++i) {
    mariadb_.reconcile();
  }
  EXPECT_EQ(status_of(kMariaDB)["restore"].value("receivingPod", ""), "g-1");
  EXPECT_EQ(agent_.calls_starting("install_received"),
            std::vector<std::string>{"install_received g-1 default/r1"});
  EXPECT_EQ(status_of(kMariaDB)["restore"].value("phase", ""), "Done");
}

TEST_F(RestoreHandOverTest, APlaceThatCannotReceiveYetIsWaitedFor) {
  agent_.refuse_next_receive("the agent of pod default/g-0 does not serve yet",
                             ErrorCode::kUnavailable);
  const ObjectKey key = apply_restore("r1");
  RestoreReconciler restore(store_, agent_, dir_, key);
  restore.reconcile();
  EXPECT_EQ(status_of(key).value("phase", ""), "Pending");
  EXPECT_NE(status_of(key).value("message", "").find("does not serve yet"), std::string::npos)
      << status_of(key).value("message", "");
  EXPECT_TRUE(agent_.calls_starting("prepare_received").empty());

  restore.reconcile();
  EXPECT_EQ(agent_.calls_starting("prepare_received"),
            std::vector<std::string>{"prepare_received default/r1"});
  EXPECT_TRUE(status_of(key).contains("handOver"));
}

TEST_F(RestoreHandOverTest, APodLostWhilePreparingIsTriedAgainFromTheArtifact) {
  agent_.set_nodes_are_pods(true);
  const ObjectKey key = apply_restore("r1");
  RestoreReconciler restore(store_, agent_, dir_, key);
  agent_.fail_next_prepare("killed by signal 9", ErrorCode::kUnavailable);
  restore.reconcile();
  EXPECT_EQ(status_of(key).value("phase", ""), "Pending");
  EXPECT_NE(status_of(key).value("message", "").find("attempt 2 of 3"), std::string::npos)
      << status_of(key).value("message", "");
  EXPECT_EQ(agent_.calls_starting("discard_received"),
            std::vector<std::string>{"discard_received default/r1"});

  restore.reconcile();
  EXPECT_EQ(agent_.calls_starting("receive_backup").size(), 2u);
  EXPECT_TRUE(status_of(key).contains("handOver")) << status_of(key).dump(2);
}

TEST_F(RestoreHandOverTest, APodLostAtEveryAttemptFailsTheRestoreAfterThree) {
  agent_.set_nodes_are_pods(true);
  const ObjectKey key = apply_restore("r1");
  RestoreReconciler restore(store_, agent_, dir_, key);
  for (int attempt = 1; attempt <= 3; ++attempt) {
    agent_.fail_next_prepare("killed by signal 9", ErrorCode::kUnavailable);
    restore.reconcile();
  }
  EXPECT_EQ(status_of(key).value("phase", ""), "Failed");
  EXPECT_EQ(agent_.calls_starting("prepare_received").size(), 3u);
  EXPECT_FALSE(status_of(key).contains("handOver"));
}

TEST_F(RestoreHandOverTest, DataPreparedInANodeScaledAwayIsRefusedBeforeAnythingIsReplaced) {
  const ObjectKey key = apply_restore("r1");
  ASSERT_TRUE(store_.update(kMariaDB, [](json& object) {
    object["spec"]["galera"]["primary"] = {{"podIndex", 2}};
  }));
  RestoreReconciler restore(store_, agent_, dir_, key);
  restore.reconcile();
  ASSERT_EQ(status_of(key).value("receivingPod", ""), "g-2");
  ASSERT_TRUE(store_.update(kMariaDB, [](json& object) {
    object["spec"]["replicas"] = 2;
    object["spec"]["galera"]["primary"] = {{"podIndex", 0}};
  }));
  agent_.clear_calls();
  for (int i = 0; i < 4; ++i) mariadb_.reconcile();
  EXPECT_EQ(status_of(kMariaDB)["restore"].value("phase", ""), "Failed");
  EXPECT_NE(status_of(kMariaDB)["restore"].value("message", "").find("g-2"), std::string::npos);
  EXPECT_TRUE(agent_.calls_starting("set_aside_data").empty());
  EXPECT_TRUE(agent_.calls_starting("install_received").empty());
  restore.reconcile();
  EXPECT_EQ(status_of(key).value("phase", ""), "Failed");
}

TEST_F(RestoreHandOverTest, TwoOffersAreTakenUpOneAfterTheOtherOldestFirst) {
  const ObjectKey first = apply_restore("r1");
  const ObjectKey second = apply_restore("r2");
  RestoreReconciler restore1(store_, agent_, dir_, first);
  RestoreReconciler restore2(store_, agent_, dir_, second);
  restore1.reconcile();
  restore2.reconcile();
  ASSERT_TRUE(status_of(first).contains("handOver"));
  ASSERT_TRUE(status_of(second).contains("handOver"));

  mariadb_.reconcile();
  EXPECT_EQ(status_of(kMariaDB)["restore"].value("name", ""), "r1");
  for (int i = 0; i < 8 && status_of(kMariaDB)["restore"].value("phase", "") != "Done"; ++i) {
    mariadb_.reconcile();
  }
  ASSERT_EQ(status_of(kMariaDB)["restore"].value("phase", ""), "Done");
  // r2 waits its turn, then is taken up.
  restore2.reconcile();
  EXPECT_EQ(status_of(second).value("phase", ""), "Restoring");
  mariadb_.reconcile();
  EXPECT_EQ(status_of(kMariaDB)["restore"].value("name", ""), "r2");
  EXPECT_EQ(agent_.calls_starting("install_received"),
            (std::vector<std::string>{"install_received g-0 default/r1",
                                      "install_received g-0 default/r2"}));
}

TEST_F(RestoreHandOverTest, ARestoreDeletedBeforeItIsTakenUpTouchesNothing) {
  const ObjectKey key = apply_restore("r1");
  RestoreReconciler restore(store_, agent_, dir_, key);
  restore.reconcile();
  ASSERT_TRUE(status_of(key).contains("handOver"));

  ASSERT_TRUE(store_.update(
      key, [](json& object) { object["metadata"]["deletionTimestamp"] = "2026-12-01T00:00:00Z"; }));
  restore.reconcile();
  EXPECT_TRUE(restore.finished());
  EXPECT_FALSE(store_.exists(key));
  EXPECT_TRUE(contains(agent_.calls(), "discard_received default/r1"));

  agent_.clear_calls();
  mariadb_.reconcile();
  EXPECT_FALSE(status_of(kMariaDB).contains("restore"));
  EXPECT_TRUE(agent_.calls_starting("install_received").empty());
  EXPECT_TRUE(agent_.calls_starting("stop").empty());
}

}  // namespace
}  // namespace mdbop
