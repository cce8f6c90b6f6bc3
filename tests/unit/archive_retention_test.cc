// Retention of archived binary logs, through the BackupReconciler of a PointInTimeRecovery's
// PhysicalBackup (keepLast 1) against a FakeNodeAgent, a MemoryStore and archive directories
// written here: after each backup, the segments wholly before the oldest kept base go, the ones
// after it stay, a history no kept base belongs to goes whole, the history being archived stays.
#include <gtest/gtest.h>

#include "backup/binlog_archive.h"
#include "backup/binlog_segment_name.h"
#include "binlog_test_events.h"
#include "controller/backup/backup_reconciler.h"
#include "controller/mariadb/reconciler.h"
#include "fake_node_agent.h"
#include "reconciler_test_util.h"
#include "storage/filesystem_storage.h"
#include "store/memory_store.h"
#include "temp_dir_test.h"

namespace mdbop {
namespace {

const ObjectKey kMariaDB{"MariaDB", "default", "g"};
const ObjectKey kPitr{"PointInTimeRecovery", "default", "pitr"};
const std::string kAbandoned = "33333333-3333-3333-3333-333333333333";

class ArchiveRetentionTest : public TempDirTest {
 protected:
  void SetUp() override {
    TempDirTest::SetUp();
    make_ready_cluster(store_, mariadb_);
    history_ = agent_.observe({"default", "g", 0}, "").wsrep.cluster_state_uuid;
    apply_yaml(store_,
               "apiVersion: k8s.mariadb.com/v1alpha1\nkind: PointInTimeRecovery\n"
               "metadata: {name: pitr, namespace: default}\n"
               "spec:\n  physicalBackupRef: {name: nightly}\n"
               "  storage: {volume: {hostPath: {path: " +
                   (dir_ / "archive").string() + "}}}\n");
    // What the archiver says of g: the history it archives and its last GTID.
    ASSERT_TRUE(store_.update_status(kMariaDB, [&](json& status) {
      status["pointInTimeRecovery"] = {{"history", history_}, {"lastArchivedGtid", "0-1-20"}};
    }));
    ASSERT_TRUE(store_.update_status(kPitr, [&](json& status) {
      status["mariaDbRef"] = {{"name", "g"}};
    }));
    for (auto [first, last] : {std::pair{1, 3}, {4, 5}, {6, 8}, {9, 12}, {13, 20}}) {
      archive(history_, first, last);
    }
    archive(kAbandoned, 1, 7);
  }

  void archive(const std::string& history, std::uint64_t first, std::uint64_t last) {
    std::vector<std::pair<std::uint64_t, std::uint32_t>> transactions;
    for (std::uint64_t sequence = first; sequence <= last; ++sequence) {
      transactions.emplace_back(sequence, 1800000000 + static_cast<std::uint32_t>(sequence));
    }
    auto storage = FilesystemStorage::open(dir_ / "archive");
    ASSERT_TRUE(storage);
    const BinlogSegmentName name{history, first, last, transactions.front().second,
                                 transactions.back().second};
    ASSERT_TRUE(upload_binlog_segment(**storage, *binlog_segment_key("default/g", name),
                                      binlog_test::segment_of(transactions), Compression::kNone,
                                      std::nullopt));
  }

  // A backup of g after its `committed` transactions (the fake's base GTID is 0-1-<committed>).
  void back_up(int committed, const std::string& run) {
    agent_.commit("default", "g", committed - agent_.committed({"default", "g", 0}));
    apply_yaml(store_,
               "apiVersion: k8s.mariadb.com/v1alpha1\nkind: PhysicalBackup\n"
               "metadata: {name: nightly, namespace: default, annotations: {mdbop.io/run-now: " +
                   run +
                   "}}\n"
                   "spec:\n  mariaDbRef: {name: g}\n  compression: none\n"
                   "  retentionPolicy: {keepLast: 1}\n"
                   "  storage: {volume: {hostPath: {path: " +
                   (dir_ / "backups").string() + "}}}\n");
    BackupReconciler(store_, agent_, dir_, {"PhysicalBackup", "default", "nightly"}).reconcile();
  }

  // "<history's first 8>:<first>-<last>" of every archived segment, in order.
  std::vector<std::string> archived() const {
    auto storage = FilesystemStorage::open(dir_ / "archive");
    EXPECT_TRUE(storage);
    if (!storage) return {};
    auto listed = (*storage)->list("default/g/binlog/");
    EXPECT_TRUE(listed);
    std::vector<std::string> names;
    for (const StoredObject& object : listed ? *listed : std::vector<StoredObject>{}) {
      auto name = parse_binlog_segment_key(object.key);
      if (!name) continue;
      names.push_back(name->history.substr(0, 8) + ":" + std::to_string(name->first_sequence) +
                      "-" + std::to_string(name->last_sequence));
    }
    std::sort(names.begin(), names.end());
    return names;
  }

  std::string ours(const std::string& range) const { return history_.substr(0, 8) + ":" + range; }

  MemoryStore store_;
  FakeNodeAgent agent_;
  MariaDBReconciler mariadb_{store_, agent_, kMariaDB};
  std::string history_;
};

TEST_F(ArchiveRetentionTest, EachBackupLeavesWhatItsKeptBasesNeedAndNothingOlder) {
  back_up(5, "first");
  // The base at 5 needs 6 on; the history without a base is gone.
  EXPECT_EQ(archived(), (std::vector<std::string>{ours("13-20"), ours("6-8"), ours("9-12")}));
  EXPECT_EQ(event_messages(store_, kPitr, "ArchivePruned").size(), 1u);

  back_up(10, "second");  // keepLast 1: the base at 5 goes, and what only it needed
  EXPECT_EQ(archived(), (std::vector<std::string>{ours("13-20"), ours("9-12")}));
  const std::vector<std::string> pruned = event_messages(store_, kPitr, "ArchivePruned");
  ASSERT_EQ(pruned.size(), 2u);
  EXPECT_NE(pruned[1].find("1 segment(s)"), std::string::npos) << pruned[1];
}

TEST_F(ArchiveRetentionTest, AnArchiveOfAnotherMariaDBIsLeftAlone) {
  ASSERT_TRUE(store_.update_status(kPitr, [&](json& status) {
    status["mariaDbRef"] = {{"name", "other"}};
  }));
  back_up(5, "first");
  EXPECT_EQ(archived().size(), 6u);
}

TEST_F(ArchiveRetentionTest, NothingIsRemovedBeforeTheArchiverSaysWhatItArchives) {
  ASSERT_TRUE(
      store_.update_status(kMariaDB, [](json& status) { status.erase("pointInTimeRecovery"); }));
  back_up(5, "first");
  EXPECT_EQ(archived().size(), 6u);
  EXPECT_TRUE(event_messages(store_, kPitr, "ArchivePruned").empty());
}

}  // namespace
}  // namespace mdbop
