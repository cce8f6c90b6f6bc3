// BinlogArchiver against a FakeNodeAgent (every commit N is GTID 0-1-N in every member's binary
// log), a MemoryStore and a storage directory: where archiving starts and continues after a
// restart, failover without a gap or a duplicate, a gap reported, the storage failing.
#include "controller/archive/binlog_archiver.h"

#include <gtest/gtest.h>

#include <atomic>
#include <functional>
#include <thread>

#include "backup/binlog_archive.h"
#include "backup/binlog_segment_name.h"
#include "fake_node_agent.h"
#include "reconciler_test_util.h"
#include "storage/filesystem_storage.h"
#include "store/memory_store.h"
#include "temp_dir_test.h"
#include "util/time_text.h"

namespace mdbop {
namespace {

using namespace std::chrono_literals;

const ObjectKey kMariaDB{"MariaDB", "default", "g"};
const ObjectKey kPitr{"PointInTimeRecovery", "default", "pitr"};
const char* kEncryptionKey = "archive-key-0123456789";

// The archive's directory, failing every new object while `failing` is set.
class SwitchableStorage : public BackupStorage {
 public:
  SwitchableStorage(std::unique_ptr<BackupStorage> storage, const std::atomic<bool>& failing)
      : storage_(std::move(storage)), failing_(failing) {}
  Result<std::unique_ptr<ObjectWriter>> create(const std::string& key, ObjectUse use) override {
    if (failing_) return fail(ErrorCode::kUnavailable, "the storage is down (test)");
    return storage_->create(key, use);
  }
  Result<void> read(const std::string& key, ByteSink& sink) override {
    return storage_->read(key, sink);
  }
  Result<std::vector<StoredObject>> list(const std::string& prefix) override {
    return storage_->list(prefix);
  }
  Result<void> remove(const std::string& key) override { return storage_->remove(key); }
  std::string location(const std::string& key) const override { return storage_->location(key); }

 private:
  std::unique_ptr<BackupStorage> storage_;
  const std::atomic<bool>& failing_;
};

// Waits (up to a minute: the archiver's thread is slow only under a loaded machine) for `done`.
bool eventually(const std::function<bool()>& done) {
  const auto deadline = std::chrono::steady_clock::now() + 60s;
  while (std::chrono::steady_clock::now() < deadline) {
    if (done()) return true;
    std::this_thread::sleep_for(5ms);
  }
  return done();
}

class BinlogArchiverTest : public TempDirTest {
 protected:
  void SetUp() override {
    TempDirTest::SetUp();
    {
      MariaDBReconciler mariadb(store_, agent_, kMariaDB);
      make_ready_cluster(store_, mariadb);
    }
    apply_yaml(store_, R"(apiVersion: v1
kind: Secret
metadata: {name: archive-key, namespace: default}
stringData: {key: ")" + std::string(kEncryptionKey) +
                           R"("}
)");
    apply_yaml(store_, R"(apiVersion: k8s.mariadb.com/v1alpha1
kind: PointInTimeRecovery
metadata: {name: pitr, namespace: default}
spec:
  physicalBackupRef: {name: nightly}
  storage: {volume: {hostPath: {path: )" +
                           (dir_ / "archive").string() + R"(}}}
  encryption: {keySecretKeyRef: {name: archive-key, key: key}}
)");
    // The MariaDB as made, now archived by "pitr" (no reconciler runs: the test drives nodes).
    json mariadb = *store_.get(kMariaDB);
    mariadb["spec"]["pointInTimeRecoveryRef"] = {{"name", "pitr"}};
    mariadb.erase("status");
    ASSERT_TRUE(store_.apply(mariadb));
    agent_.commit("default", "g", 1);  // archiving begins after the cluster's first transaction
    options_.limits.max_age = 20ms;
    options_.retry = 20ms;
    options_.heartbeat = 10ms;
    options_.node_check = 20ms;
    options_.status_interval = 0ms;
  }

  std::unique_ptr<BinlogArchiver> start() {
    return std::make_unique<BinlogArchiver>(
        store_, agent_, kMariaDB,
        [this](const PointInTimeRecoverySpec& spec,
               const std::string&) -> Result<std::unique_ptr<BackupStorage>> {
          auto storage = FilesystemStorage::open(*spec.storage.directory);
          if (!storage) return tl::unexpected(storage.error());
          return std::unique_ptr<BackupStorage>(
              std::make_unique<SwitchableStorage>(std::move(*storage), storage_failing_));
        },
        options_);
  }

  std::string history() {
    return agent_.observe({"default", "g", 0}, "Root-Pass-1").wsrep.cluster_state_uuid;
  }

  // Every archived transaction's sequence number, segment after segment in name order, read
  // back as a restore would (decrypted, decompressed), checked against its segment's name.
  std::vector<std::uint64_t> archived(const std::string& in_history = "") {
    std::vector<std::uint64_t> sequences;
    auto storage = FilesystemStorage::open(dir_ / "archive");
    EXPECT_TRUE(storage);
    auto folder = binlog_history_folder("default/g", in_history.empty() ? history() : in_history);
    auto segments = list_binlog_segments(**storage, *folder);
    EXPECT_TRUE(segments);
    for (const BinlogSegmentName& name : *segments) {
      auto stored = (*storage)->read_all(*binlog_segment_key("default/g", name));
      EXPECT_TRUE(stored);
      auto segment = unpack_binlog_segment(*stored, std::string(kEncryptionKey));
      EXPECT_TRUE(segment) << segment.error().message;
      if (!segment) continue;
      auto gtids = gtids_of_segment(*segment);
      EXPECT_TRUE(gtids && !gtids->empty());
      EXPECT_EQ(gtids->front().sequence, name.first_sequence);
      EXPECT_EQ(gtids->back().sequence, name.last_sequence);
      for (const Gtid& gtid : *gtids) sequences.push_back(gtid.sequence);
    }
    return sequences;
  }

  static std::vector<std::uint64_t> range(std::int64_t first, std::int64_t last) {
    std::vector<std::uint64_t> all;
    for (std::int64_t s = first; s <= last; ++s) all.push_back(static_cast<std::uint64_t>(s));
    return all;
  }

  json archive_status() {
    return store_.get(kMariaDB)
        ->value("status", json::object())
        .value("pointInTimeRecovery", json::object());
  }
  json pitr_status() { return store_.get(kPitr)->value("status", json::object()); }
  std::string followed() { return archive_status().value("node", ""); }
  std::int64_t committed() { return agent_.committed({"default", "g", 0}); }
  bool archived_through(std::int64_t last) {
    return archive_status().value("lastArchivedGtid", "") == "0-1-" + std::to_string(last);
  }

  MemoryStore store_;
  FakeNodeAgent agent_;
  BinlogArchiverOptions options_;
  std::atomic<bool> storage_failing_{false};
};

TEST_F(BinlogArchiverTest, ArchivesFromAReplicaAndContinuesAfterARestartFromTheListing) {
  const std::int64_t before = committed();
  auto archiver = start();
  // The archive begins at the cluster's position when archiving starts.
  ASSERT_TRUE(eventually([&] { return !followed().empty(); }));
  EXPECT_NE(followed(), store_.get(kMariaDB)->at("status").value("currentPrimary", ""));
  agent_.commit("default", "g", 10);
  ASSERT_TRUE(eventually([&] { return archived_through(before + 10); }));
  archiver.reset();

  // Written while nothing archives: the next archiver finds where to go on in the names alone.
  agent_.commit("default", "g", 7);
  archiver = start();
  agent_.commit("default", "g", 5);
  ASSERT_TRUE(eventually([&] { return archived_through(before + 22); }));
  EXPECT_EQ(archived(), range(before + 1, before + 22));

  const json status = archive_status();
  EXPECT_EQ(status.value("lastArchivedTime", ""),
            format_rfc3339(
                SysSeconds(std::chrono::seconds(FakeNodeAgent::kFakeBinlogEpoch + before + 22))));
  // No recoverable time is claimed: the archiver does not know whether a base backup of this
  // history exists.
  EXPECT_FALSE(status.contains("lastRecoverableTime"));
  // physicalBackupRef and strictMode are a restore's to act on (controller/restore), not ignored.
  EXPECT_TRUE(event_messages(store_, kPitr, "FieldIgnored").empty());
  EXPECT_EQ(status.value("pointInTimeRecoveryRef", ""), "pitr");
  EXPECT_TRUE(condition_is_true(*store_.get(kPitr), "ArchiveContinuous"));
  EXPECT_TRUE(condition_is_true(*store_.get(kPitr), "Archiving"));
  EXPECT_EQ(pitr_status().value("lastArchivedGtid", ""), "0-1-" + std::to_string(before + 22));
}

// lastRecoverableTime is claimed only while a physical base backup of the history (the
// PointInTimeRecovery's physicalBackupRef, as its status lists it) and the archive after it
// reach the archive's end.
TEST_F(BinlogArchiverTest, TheLastRecoverableTimeNeedsABaseBackupTheArchiveContinues) {
  const std::int64_t before = committed();
  auto archiver = start();
  // The archive begins at the cluster's position once a stream is open.
  ASSERT_TRUE(eventually([&] { return !followed().empty(); }));
  agent_.commit("default", "g", 3);
  ASSERT_TRUE(eventually([&] { return archived_through(before + 3); }));
  EXPECT_FALSE(archive_status().contains("lastRecoverableTime")) << "no base backup yet";

  apply_yaml(store_,
             "apiVersion: k8s.mariadb.com/v1alpha1\nkind: PhysicalBackup\n"
             "metadata: {name: nightly, namespace: default}\n"
             "spec:\n  mariaDbRef: {name: g}\n"
             "  storage: {volume: {hostPath: {path: /backups}}}\n");
  const auto list_bases = [&](const std::vector<std::pair<std::string, std::string>>& bases) {
    ASSERT_TRUE(store_.update_status({"PhysicalBackup", "default", "nightly"}, [&](json& status) {
      status["artifacts"] = json::array();
      for (const auto& [id, gtid] : bases) {
        status["artifacts"].push_back(
            {{"id", id}, {"method", "physical"}, {"gtid", gtid}, {"binlogHistory", history()}});
      }
    }));
  };
  // A base older than the archive's beginning (archiving began after commit `before`).
  ASSERT_NO_FATAL_FAILURE(list_bases({{"old", "0-1-0"}}));
  agent_.commit("default", "g", 2);
  ASSERT_TRUE(eventually([&] { return archived_through(before + 5); }));
  EXPECT_FALSE(archive_status().contains("lastRecoverableTime"));

  // One the archive continues.
  ASSERT_NO_FATAL_FAILURE(
      list_bases({{"old", "0-1-0"}, {"new", "0-1-" + std::to_string(before + 1) + ",1000-1-4"}}));
  agent_.commit("default", "g", 2);
  ASSERT_TRUE(eventually([&] {
    return archived_through(before + 7) && archive_status().contains("lastRecoverableTime");
  }));
  EXPECT_EQ(archive_status()["lastRecoverableTime"], archive_status()["lastArchivedTime"]);
  EXPECT_TRUE(eventually([&] { return pitr_status().value("lastRecoverableTime", "") != ""; }));
}

// While a cluster is made its first node is the only Synced one, and the primary: archiving may
// begin there, and moves to a replica once one is Synced, without a gap or a duplicate.
TEST_F(BinlogArchiverTest, AStreamOnThePrimaryMovesToAReplicaOnceOneIsSynced) {
  const std::int64_t before = committed();
  const std::string primary = store_.get(kMariaDB)->at("status").value("currentPrimary", "");
  ASSERT_FALSE(primary.empty());
  auto set_replicas_state = [&](const std::string& state) {
    ASSERT_TRUE(store_.update_status(kMariaDB, [&](json& status) {
      for (json& node : status["nodes"]) {
        if (node.value("pod", "") != primary) node["state"] = state;
      }
    }));
  };
  ASSERT_NO_FATAL_FAILURE(set_replicas_state("Joiner"));
  auto archiver = start();
  ASSERT_TRUE(eventually([&] { return followed() == primary; }));
  agent_.commit("default", "g", 3);
  ASSERT_TRUE(eventually([&] { return archived_through(before + 3); }));

  ASSERT_NO_FATAL_FAILURE(set_replicas_state("Synced"));
  ASSERT_TRUE(eventually([&] { return !followed().empty() && followed() != primary; }));
  agent_.commit("default", "g", 4);
  ASSERT_TRUE(eventually([&] { return archived_through(before + 7); }));
  archiver.reset();
  EXPECT_EQ(archived(), range(before + 1, before + 7));
}

TEST_F(BinlogArchiverTest, ALostNodeIsReplacedAtTheNextGtidWithoutGapOrDuplicate) {
  options_.limits.max_age = 1h;  // segments close on size only: one is under way at the crash
  options_.limits.max_bytes = 300;
  const std::int64_t before = committed();
  auto archiver = start();
  ASSERT_TRUE(eventually([&] { return !followed().empty(); }));
  const std::string first = followed();
  agent_.commit("default", "g", 13);
  ASSERT_TRUE(eventually([&] { return archive_status().contains("lastArchivedGtid"); }));
  agent_.crash(*node_id_from_pod("default", first));
  agent_.commit("default", "g", 20);
  // The last segment closes once enough follows it.
  ASSERT_TRUE(eventually([&] {
    agent_.commit("default", "g", 1);
    return archive_status().value("node", "") != first &&
           archived().size() >= static_cast<std::size_t>(34);
  }));
  archiver.reset();
  const std::vector<std::uint64_t> sequences = archived();
  EXPECT_EQ(sequences, range(before + 1, before + static_cast<std::int64_t>(sequences.size())));
}

TEST_F(BinlogArchiverTest, AGapIsReportedNamingTheLastArchivedGtidAndArchivingGoesOn) {
  options_.gap_after_rounds = 2;
  const std::int64_t before = committed();
  auto archiver = start();
  ASSERT_TRUE(eventually([&] { return !followed().empty(); }));
  agent_.commit("default", "g", 3);
  ASSERT_TRUE(eventually([&] { return archived_through(before + 3); }));
  archiver.reset();

  // While nothing archived, every node lost what comes next.
  agent_.commit("default", "g", 5);
  for (int i = 0; i < 3; ++i) agent_.purge_binlog({"default", "g", i}, before + 8);
  archiver = start();
  ASSERT_TRUE(eventually([&] {
    return condition(pitr_status(), "ArchiveContinuous").value("status", "") == "False";
  }));
  const json gap = condition(pitr_status(), "ArchiveContinuous");
  EXPECT_EQ(gap.value("reason", ""), "Gap");
  EXPECT_TRUE(HasText(gap.value("message", ""), "after 0-1-" + std::to_string(before + 3)));
  // The event follows the condition.
  EXPECT_TRUE(eventually([&] { return !event_messages(store_, kPitr, "ArchiveGap").empty(); }));
  EXPECT_EQ(event_messages(store_, kPitr, "ArchiveGap").size(), 1u);

  // A new range begins at the cluster's position; the condition stays False.
  ASSERT_TRUE(eventually([&] { return condition_is_true(*store_.get(kPitr), "Archiving"); }));
  agent_.commit("default", "g", 2);
  ASSERT_TRUE(eventually([&] { return archived_through(before + 10); }));
  std::vector<std::uint64_t> expected = range(before + 1, before + 3);
  for (std::uint64_t s : range(before + 9, before + 10)) expected.push_back(s);
  EXPECT_EQ(archived(), expected);
  EXPECT_EQ(condition(pitr_status(), "ArchiveContinuous").value("status", ""), "False");
}

// Restored data numbers its transactions again from the backup's GTID, and Galera may keep the
// cluster's UUID: what follows a restore must never be stored beside what preceded it.
TEST_F(BinlogArchiverTest, APhysicalRestorePausesArchivingAndItsDataGoesOnInAHistoryOfItsOwn) {
  const std::int64_t before = committed();
  auto archiver = start();
  ASSERT_TRUE(eventually([&] { return !followed().empty(); }));
  EXPECT_TRUE(condition_is_true(*store_.get(kPitr), "Archiving"));
  agent_.commit("default", "g", 4);
  ASSERT_TRUE(eventually([&] { return archived_through(before + 4); }));

  const std::string restore_uid = "1b4e28ba-2fa1-11d2-883f-0016d3cca427";
  store_.update_status(kMariaDB, [&](json& status) {
    status["restore"] = {{"name", "r"}, {"uid", restore_uid}, {"phase", "Replacing"}};
  });
  ASSERT_TRUE(eventually(
      [&] { return condition(pitr_status(), "Archiving").value("reason", "") == "Restoring"; }));
  EXPECT_EQ(condition(pitr_status(), "Archiving").value("status", ""), "False");
  EXPECT_EQ(followed(), "");

  // Done: the restored data's transactions are archived under the Restore's uid.
  store_.update_status(kMariaDB, [&](json& status) {
    status["restore"]["phase"] = "Done";
    status["binlogHistory"] = restore_uid;
  });
  ASSERT_TRUE(eventually([&] { return condition_is_true(*store_.get(kPitr), "Archiving"); }));
  EXPECT_EQ(pitr_status().value("history", ""), restore_uid);
  agent_.commit("default", "g", 3);
  ASSERT_TRUE(eventually([&] { return archived_through(before + 7); }));
  archiver.reset();
  EXPECT_EQ(archived(restore_uid), range(before + 5, before + 7));
  EXPECT_EQ(archived(), range(before + 1, before + 4));
}

// Archiving is True only while a stream is open: once the followed node has left the Synced
// nodes (its stream ends cleanly) and the others, still listed, do not answer, it says False
// and why, and names no node.
TEST_F(BinlogArchiverTest, ArchivingIsFalseOnceNoStreamIsOpen) {
  auto archiver = start();
  ASSERT_TRUE(eventually([&] { return condition_is_true(*store_.get(kPitr), "Archiving"); }));
  const std::string first = followed();
  for (int i = 0; i < 3; ++i) {
    if (NodeId{"default", "g", i}.pod() != first) agent_.crash({"default", "g", i});
  }
  auto set_state = [&](const std::string& state) {
    store_.update_status(kMariaDB, [&](json& status) {
      for (json& node : status["nodes"]) {
        if (node.value("pod", "") == first) node["state"] = state;
      }
    });
  };
  set_state("Donor/Desynced");
  ASSERT_TRUE(eventually(
      [&] { return condition(pitr_status(), "Archiving").value("reason", "") == "NoSyncedNode"; }));
  EXPECT_EQ(condition(pitr_status(), "Archiving").value("status", ""), "False");
  EXPECT_EQ(followed(), "");
  EXPECT_EQ(pitr_status().value("node", ""), "");

  set_state("Synced");
  ASSERT_TRUE(eventually([&] { return condition_is_true(*store_.get(kPitr), "Archiving"); }));
  EXPECT_EQ(followed(), first);
}

TEST_F(BinlogArchiverTest, SegmentsWaitInBoundedMemoryWhileTheStorageFailsAndAreStoredInOrder) {
  options_.max_pending_bytes = 1;  // one waiting segment closes the stream
  const std::int64_t before = committed();
  auto archiver = start();
  ASSERT_TRUE(eventually([&] { return !followed().empty(); }));
  storage_failing_ = true;
  agent_.commit("default", "g", 4);
  ASSERT_TRUE(eventually([&] {
    return condition(pitr_status(), "Archiving").value("reason", "") == "StorageUnavailable" &&
           archive_status().value("pendingSegments", 0) > 0;
  }));
  EXPECT_TRUE(HasText(archive_status().value("error", ""), "the storage is down"));
  EXPECT_EQ(archive_status().value("pendingSegments", 0), 1) << "the bound closed the stream";
  EXPECT_TRUE(archived().empty());
  agent_.commit("default", "g", 6);

  storage_failing_ = false;
  ASSERT_TRUE(eventually([&] { return archived_through(before + 10); }));
  EXPECT_EQ(archived(), range(before + 1, before + 10));
  // The later commits were not held in memory: a new stream read them from the node, starting
  // after the segment that waited.
  const std::vector<std::string> streams = agent_.calls_starting("follow_binlog ");
  ASSERT_GE(streams.size(), 2u);
  const std::string last_start = streams.back().substr(streams.back().rfind(' ') + 1);
  auto start = parse_gtid(last_start);
  ASSERT_TRUE(start) << streams.back();
  EXPECT_GE(start->sequence, static_cast<std::uint64_t>(before + 1));
  EXPECT_LE(start->sequence, static_cast<std::uint64_t>(before + 4));
  EXPECT_TRUE(eventually([&] { return condition_is_true(*store_.get(kPitr), "Archiving"); }));
  EXPECT_FALSE(archive_status().contains("error"));
}

// A PointInTimeRecovery given another storage while its stream is healthy: the stream ends and
// the next segments go to the new storage, without a restart.
TEST_F(BinlogArchiverTest, AnotherStorageIsTakenWhileTheStreamRuns) {
  const std::int64_t before = committed();
  auto archiver = start();
  ASSERT_TRUE(eventually([&] { return !followed().empty(); }));
  agent_.commit("default", "g", 3);
  ASSERT_TRUE(eventually([&] { return archived_through(before + 3); }));

  json pitr = *store_.get(kPitr);
  pitr["spec"]["storage"]["volume"]["hostPath"]["path"] = (dir_ / "archive2").string();
  ASSERT_TRUE(store_.apply(pitr));
  agent_.commit("default", "g", 2);
  auto in_new_storage = [&] {
    auto storage = FilesystemStorage::open(dir_ / "archive2");
    if (!storage) return false;
    auto folder = binlog_history_folder("default/g", history());
    auto segments = list_binlog_segments(**storage, *folder);
    return segments && !segments->empty() &&
           segments->back().last_sequence == static_cast<std::uint64_t>(before + 5);
  };
  EXPECT_TRUE(eventually(in_new_storage));
}

// The MariaDB's reconciler keeps the archiver; a reference removed stops it, and the
// PointInTimeRecovery says it archives no more instead of claiming Archiving for good.
TEST_F(BinlogArchiverTest, RemovingTheReferenceStopsArchivingAndThePointInTimeRecoverySaysSo) {
  MariaDBReconciler reconciler(store_, agent_, kMariaDB, dir_);
  ASSERT_TRUE(eventually([&] {
    reconciler.reconcile();
    return condition_is_true(*store_.get(kPitr), "Archiving");
  }));
  json mariadb = *store_.get(kMariaDB);
  mariadb["spec"].erase("pointInTimeRecoveryRef");
  ASSERT_TRUE(store_.apply(mariadb));
  reconciler.reconcile();
  const json pitr = *store_.get(kPitr);
  EXPECT_EQ(condition(pitr["status"], "Archiving").value("reason", ""), "NotReferenced");
  EXPECT_FALSE(pitr["status"].contains("node"));
  EXPECT_FALSE(
      store_.get(kMariaDB)->value("status", json::object()).contains("pointInTimeRecovery"));
}

}  // namespace
}  // namespace mdbop
