// Incremental physical backups through the BackupReconciler and RestoreReconciler against a
// FakeNodeAgent (whose node data has a lineage a state transfer renews) and storage
// directories: the chain taken on its node, a replaced node's data turning the next one into
// a full backup, the tutorial's weekly full plus daily incremental across two Backups with
// retention keeping what a kept incremental needs, and a restore applying the chain.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "backup/artifact_catalog.h"
#include "controller/backup/backup_reconciler.h"
#include "controller/conditions.h"
#include "controller/mariadb/reconciler.h"
#include "controller/restore/restore_reconciler.h"
#include "fake_node_agent.h"
#include "reconciler_test_util.h"
#include "storage/filesystem_storage.h"
#include "store/memory_store.h"
#include "temp_dir_test.h"

namespace mdbop {
namespace {

const ObjectKey kDaily{"Backup", "default", "daily"};
const ObjectKey kWeekly{"Backup", "default", "weekly"};

class IncrementalBackupTest : public TempDirTest {
 protected:
  void SetUp() override {
    TempDirTest::SetUp();
    MariaDBReconciler mariadb(store_, agent_, {"MariaDB", "default", "g"});
    make_ready_cluster(store_, mariadb);
    agent_.clear_calls();
  }

  // A physical Backup `key` of "g" into <dir>/<key.name>, with `extra` spec lines.
  void apply_backup(const ObjectKey& key, const std::string& extra, int run = 1) {
    apply_yaml(store_,
               "apiVersion: k8s.mariadb.com/v1alpha1\nkind: Backup\n"
               "metadata:\n  name: " +
                   key.name +
                   "\n  namespace: default\n"
                   "  annotations: {mdbop.io/run-now: \"" +
                   std::to_string(run) +
                   "\"}\n"
                   "spec:\n  mariaDbRef: {name: g}\n  compression: none\n"
                   "  backupType: physical\n"
                   "  storage: {volume: {hostPath: {path: " +
                   (dir_ / key.name).string() + "}}}\n" + extra);
  }

  // Runs one backup of `key` (applied with `extra`; `run` > 1 asks for another) after a few
  // more commits; returns its manifest.
  ArtifactManifest run(const ObjectKey& key, const std::string& extra, int run) {
    agent_.commit("default", "g", 3);
    apply_backup(key, extra, run);
    BackupReconciler reconciler(store_, agent_, dir_, key);
    reconciler.reconcile();
    EXPECT_TRUE(condition_is_true(*store_.get(key), "Complete")) << store_.get(key)->dump();
    return manifest(key, store_.get(key)->at("status").value("lastArtifact", ""));
  }

  ArtifactManifest manifest(const ObjectKey& key, const std::string& id) {
    auto storage = FilesystemStorage::open(dir_ / key.name);
    auto text = (*storage)->read_all(manifest_key(id));
    EXPECT_TRUE(text) << id;
    return *parse_manifest(text ? *text : "");
  }

  std::vector<std::string> stored_ids(const ObjectKey& key) {
    auto storage = FilesystemStorage::open(dir_ / key.name);
    auto catalog = read_catalog(**storage, "");
    EXPECT_TRUE(catalog);
    std::vector<std::string> ids;
    if (!catalog) return ids;
    for (const ArtifactManifest& a : catalog->artifacts) ids.push_back(a.id);
    std::sort(ids.begin(), ids.end());
    return ids;
  }

  MemoryStore store_;
  FakeNodeAgent agent_;
};

TEST_F(IncrementalBackupTest, EachRunContinuesTheChainOnItsNodeAndRetentionKeepsTheChain) {
  const std::string spec =
      "  mariabackup: {extraArgs: [--incremental]}\n"
      "  retentionPolicy: {keepLast: 1}\n  verifyAfterBackup: true\n";
  const ArtifactManifest full = run(kDaily, spec, 1);
  const ArtifactManifest first = run(kDaily, spec, 2);
  const ArtifactManifest second = run(kDaily, spec, 3);

  EXPECT_EQ(full.incremental_base, "");
  EXPECT_EQ(full.from_lsn, 0u);
  EXPECT_GT(full.to_lsn, 0u);
  EXPECT_EQ(first.incremental_base, full.id);
  EXPECT_EQ(first.from_lsn, full.to_lsn);
  EXPECT_EQ(second.incremental_base, first.id);
  EXPECT_EQ(second.from_lsn, first.to_lsn);
  EXPECT_EQ(second.pod, full.pod);
  EXPECT_EQ(second.lineage, full.lineage);
  // keepLast 1 keeps the newest and everything it is applied on.
  EXPECT_EQ(stored_ids(kDaily), (std::vector<std::string>{full.id, first.id, second.id}));
  EXPECT_TRUE(event_messages(store_, kDaily, "ArtifactPruned").empty());
  EXPECT_EQ(event_messages(store_, kDaily, "BackupStarted").back(),
            "incremental physical backup " + second.id + " from " + second.pod + " on " + first.id +
                " (RunNow)");
  // The newest is checked on its chain, as a restore prepares it.
  const std::string area = "verify:default/" + second.id;
  EXPECT_EQ(agent_.calls_starting("receive_incremental " + area).size(), 2u);
  EXPECT_EQ(agent_.calls_starting("apply_received_incremental " + area).size(), 2u);
  EXPECT_TRUE(HasText(event_messages(store_, kDaily, "ArtifactVerified").back(),
                      "after the 2 artifacts of its chain"));
}

TEST_F(IncrementalBackupTest, AStateTransferTurnsTheNextIncrementalIntoAFullSayingWhy) {
  const std::string spec =
      "  mariabackup: {extraArgs: [--incremental]}\n  retentionPolicy: {keepLast: 1}\n";
  const ArtifactManifest full = run(kDaily, spec, 1);
  agent_.replace_data_by_state_transfer(*node_id_from_pod("default", full.pod));
  const ArtifactManifest after = run(kDaily, spec, 2);
  EXPECT_EQ(after.incremental_base, "");
  EXPECT_EQ(after.from_lsn, 0u);
  EXPECT_NE(after.lineage, full.lineage);
  const auto why = event_messages(store_, kDaily, "IncrementalBecameFull");
  ASSERT_EQ(why.size(), 1u);
  EXPECT_TRUE(HasText(why[0], "the data of " + full.pod + " was replaced")) << why[0];
  // The new chain needs nothing of the old one.
  EXPECT_EQ(stored_ids(kDaily), std::vector<std::string>{after.id});

  const ArtifactManifest next = run(kDaily, spec, 3);
  EXPECT_EQ(next.incremental_base, after.id);
}

TEST_F(IncrementalBackupTest, TheWeeklyFullsAreContinuedAndKeptWhileADailyIncrementalNeedsThem) {
  const std::string weekly_spec = "  retentionPolicy: {keepLast: 1}\n";
  const std::string daily_spec =
      "  verifyAfterBackup: true\n"
      "  mariabackup:\n    extraArgs: [--incremental]\n"
      "    incrementalBasePath: " +
      (dir_ / "weekly").string() + "\n";
  const ArtifactManifest week1 = run(kWeekly, weekly_spec, 1);
  const ArtifactManifest monday = run(kDaily, daily_spec, 1);
  EXPECT_EQ(monday.incremental_base, week1.id);
  EXPECT_EQ(monday.pod, week1.pod) << "taken on the full backup's node";
  // Checked on its chain, the full one read from the weekly Backup's directory.
  EXPECT_TRUE(HasText(event_messages(store_, kDaily, "ArtifactVerified").back(),
                      "after the 1 artifacts of its chain"));

  // The next weekly full: keepLast 1 would remove week1, which monday is applied on.
  const ArtifactManifest week2 = run(kWeekly, weekly_spec, 2);
  EXPECT_EQ(stored_ids(kWeekly), (std::vector<std::string>{week1.id, week2.id}));
  // The next daily one begins on the new full.
  const ArtifactManifest tuesday = run(kDaily, daily_spec, 2);
  EXPECT_EQ(tuesday.incremental_base, week2.id);

  // A restore of the daily Backup prepares week1 and applies monday.
  apply_yaml(store_,
             "apiVersion: k8s.mariadb.com/v1alpha1\nkind: Restore\n"
             "metadata: {name: r1, namespace: default}\n"
             "spec:\n  mariaDbRef: {name: g}\n  backupRef: {name: daily}\n"
             "  artifact: " +
                 monday.id + "\n  mariabackup: {extraArgs: [--use-memory=1G]}\n");
  agent_.clear_calls();
  RestoreReconciler restore(store_, agent_, dir_, {"Restore", "default", "r1"});
  restore.reconcile();
  const std::vector<std::string> steps = agent_.calls();
  const std::vector<std::string> expected = {
      "receive_backup default/r1", "prepare_received default/r1 --use-memory=1G",
      "receive_incremental default/r1", "apply_received_incremental default/r1 --use-memory=1G"};
  std::vector<std::string> receiving;
  for (const std::string& step : steps) {
    if (step.starts_with("receive_") || step.starts_with("prepare_received") ||
        step.starts_with("apply_received")) {
      receiving.push_back(step);
    }
  }
  EXPECT_EQ(receiving, expected);
  EXPECT_TRUE(HasText(store_.get({"Restore", "default", "r1"})->at("status").dump(), monday.id));
}

TEST_F(IncrementalBackupTest, ARestoreWhoseBaseIsGoneIsRefusedNamingItAndTouchesNothing) {
  const std::string spec = "  mariabackup: {extraArgs: [--incremental]}\n";
  const ArtifactManifest full = run(kDaily, spec, 1);
  const ArtifactManifest incremental = run(kDaily, spec, 2);
  std::filesystem::remove_all(dir_ / "daily" / full.id);
  apply_yaml(store_,
             "apiVersion: k8s.mariadb.com/v1alpha1\nkind: Restore\n"
             "metadata: {name: r1, namespace: default}\n"
             "spec:\n  mariaDbRef: {name: g}\n  backupRef: {name: daily}\n");
  agent_.clear_calls();
  RestoreReconciler restore(store_, agent_, dir_, {"Restore", "default", "r1"});
  restore.reconcile();
  const json status = store_.get({"Restore", "default", "r1"})->at("status");
  EXPECT_EQ(status.value("phase", ""), "Failed");
  const std::string message = condition(status, "Complete").value("message", "");
  EXPECT_TRUE(
      HasText(message, "the base " + full.id + " of the incremental backup " + incremental.id))
      << message;
  EXPECT_TRUE(HasText(message, "g was not touched")) << message;
  EXPECT_TRUE(agent_.calls_starting("receive_").empty());
}

}  // namespace
}  // namespace mdbop
