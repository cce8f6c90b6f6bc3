// Continuous archiving on a real 3-node cluster through the operator: a MariaDB with
// spec.pointInTimeRecoveryRef has its binary log archived into a volume, encrypted and
// compressed; the followed node is SIGKILLed under writes; every acknowledged GTID is then read
// back from the stored segments (decrypted, decompressed, each segment checked by
// mariadb-binlog) exactly once and in order. Archived into MinIO instead, archiving survives the
// S3 server going away under writes and coming back (read back with s3cmd, a standard client),
// and a base backup's retention then removes the segments no kept base needs, and only those.
#include <gtest/gtest.h>
#include <signal.h>

#include <filesystem>
#include <fstream>
#include <iostream>

#include "backup/binlog_archive.h"
#include "backup/binlog_segment_name.h"
#include "binlog_capture.h"
#include "harness.h"
#include "s3_server.h"
#include "storage/filesystem_storage.h"
#include "util/subprocess.h"

namespace mdbop::testing {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

constexpr const char* kPassword = "Integration-Secret-42";

// Every archived GTID sequence, segment after segment in name order, each segment decrypted and
// decompressed as a restore will, and read by mariadb-binlog as well as by mdbop.
std::vector<std::uint64_t> read_archive(const fs::path& archive, const std::string& history,
                                        const fs::path& scratch, std::size_t& segment_count) {
  std::vector<std::uint64_t> sequences;
  auto storage = FilesystemStorage::open(archive);
  if (!storage) throw std::runtime_error(storage.error().what());
  auto folder = binlog_history_folder("default/g", history);
  auto segments = list_binlog_segments(**storage, *folder);
  if (!segments) throw std::runtime_error(segments.error().what());
  segment_count = segments->size();
  fs::create_directories(scratch);
  for (const BinlogSegmentName& name : *segments) {
    const std::string key = *binlog_segment_key("default/g", name);
    auto stored = (*storage)->read_all(key);
    if (!stored) throw std::runtime_error(stored.error().what());
    EXPECT_NE(stored->find("MDBOPAE"), std::string::npos) << key << " is not encrypted";
    auto segment = unpack_binlog_segment(*stored, std::string(kArchiveKey));
    if (!segment) throw std::runtime_error(key + ": " + segment.error().what());
    auto gtids = gtids_of_segment(*segment);
    if (!gtids || gtids->empty()) throw std::runtime_error(key + ": no GTID");
    const fs::path file = scratch / "segment.bin";
    std::ofstream(file, std::ios::binary | std::ios::trunc) << *segment;
    std::vector<std::uint64_t> mine;
    for (const Gtid& gtid : *gtids) mine.push_back(gtid.sequence);
    EXPECT_EQ(gtids_read_by_mariadb_binlog(file), mine) << key;
    EXPECT_EQ(mine.front(), name.first_sequence) << key;
    EXPECT_EQ(mine.back(), name.last_sequence) << key;
    sequences.insert(sequences.end(), mine.begin(), mine.end());
  }
  return sequences;
}

// The operator, and a Ready 3-node cluster "g" archived into <home>/archive; returns that path.
fs::path start_archived_cluster(Installation& mdbop) {
  const fs::path archive = mdbop.home() / "archive";
  mdbop.start_operator();
  mdbop.apply(archive_manifests(archive, "default"));
  mdbop.apply(galera_manifest("g", 3, kPassword, "  pointInTimeRecoveryRef: {name: pitr}\n"));
  mdbop.wait_ready("g");
  return archive;
}

json archive_status(Installation& mdbop) {
  return mdbop.mariadb("g")["status"].value("pointInTimeRecovery", json::object());
}

TEST(BinlogArchive, ArchivesEveryAcknowledgedTransactionOnceAcrossTheFollowedNodesDeath) {
  Installation mdbop;
  const fs::path archive = start_archived_cluster(mdbop);
  auto archiving = [&] { return archive_status(mdbop); };
  const std::string primary = mdbop.mariadb("g")["status"].value("currentPrimary", "");
  const int writer_index = std::stoi(primary.substr(primary.rfind('-') + 1));
  SqlConnection writer = mdbop.connect("g", writer_index, kPassword);
  // Archiving begins at the cluster's position once it has a transaction (this one at least).
  ASSERT_TRUE(writer.execute(
      "CREATE DATABASE IF NOT EXISTS test; CREATE TABLE test.archived (id INT PRIMARY KEY)"));
  const std::string history =
      writer.status("wsrep_cluster_state_uuid")->at("wsrep_cluster_state_uuid");
  // A replica is followed (a stream begun on the primary while the cluster was made moves).
  ASSERT_TRUE(eventually(
      [&] {
        const std::string node = archiving().value("node", "");
        return !node.empty() && node != primary;
      },
      60s))
      << mdbop.mdbop({"describe", "mariadb", "g"}).out;
  const std::string followed = archiving()["node"];

  // 400 single-row transactions, each acknowledged with its GTID; the followed node is killed
  // after the 150th.
  pid_t followed_pid = 0;
  for (const json& pod : mdbop.pods("g")) {
    if (pod["metadata"]["name"] == followed) followed_pid = pod["status"]["pid"].get<pid_t>();
  }
  ASSERT_GT(followed_pid, 0);
  std::vector<std::uint64_t> acknowledged;
  for (int i = 0; i < 400; ++i) {
    auto inserted = writer.query("INSERT INTO test.archived VALUES (" + std::to_string(i) +
                                 "); SELECT @@last_gtid");
    ASSERT_TRUE(inserted && !inserted->rows.empty())
        << (inserted ? "no GTID" : inserted.error().what());
    auto gtid = parse_gtid(*inserted->rows[0][0]);
    ASSERT_TRUE(gtid);
    acknowledged.push_back(gtid->sequence);
    if (i == 150) {
      ASSERT_EQ(kill(followed_pid, SIGKILL), 0);
    }
  }
  const std::string last = "0-1-" + std::to_string(acknowledged.back());
  ASSERT_TRUE(eventually([&] { return archiving().value("lastArchivedGtid", "") == last; }, 90s))
      << mdbop.mdbop({"describe", "mariadb", "g"}).out << mdbop.mdbop({"events"}).out;
  EXPECT_NE(archiving().value("node", ""), followed) << "another node took over";

  std::size_t segments = 0;
  const std::vector<std::uint64_t> archived =
      read_archive(archive, history, mdbop.home() / "scratch", segments);
  ASSERT_FALSE(archived.empty());
  // The archive is one run of consecutive GTIDs (no gap, no duplicate, in order) ...
  for (std::size_t i = 1; i < archived.size(); ++i) {
    ASSERT_EQ(archived[i], archived[i - 1] + 1) << "at position " << i;
  }
  // ... holding every acknowledged one.
  EXPECT_LE(archived.front(), acknowledged.front());
  EXPECT_EQ(archived.back(), acknowledged.back());
  EXPECT_LT(segments, acknowledged.size()) << "segments close by age, not per transaction";

  const json pitr = json::parse(mdbop.must({"get", "pointintimerecovery", "pitr", "-o", "json"}));
  EXPECT_EQ(pitr["status"].value("lastArchivedGtid", ""), last);
  const std::string table = mdbop.must({"get", "pitr"});
  EXPECT_NE(table.find(last), std::string::npos) << table;
  std::cout << "archived " << archived.front() << ".." << archived.back() << " in " << segments
            << " segments; followed " << followed << ", then " << archiving().value("node", "")
            << "\n";
}

// A physical restore takes the data back to the backup: the archive's transactions after it are
// not in the restored data, so what the restored cluster writes next goes to a history of its
// own, the Restore's uid, and the history before it is left as it was.
TEST(BinlogArchive, TheDataOfAPhysicalRestoreIsArchivedUnderAHistoryOfItsOwn) {
  Installation mdbop;
  const fs::path archive = start_archived_cluster(mdbop);
  auto archiving = [&] { return archive_status(mdbop); };
  SqlConnection writer = mdbop.connect("g", 0, kPassword);
  ASSERT_TRUE(writer.execute(
      "CREATE DATABASE IF NOT EXISTS test; CREATE TABLE test.t (id INT PRIMARY KEY)"));
  const std::string history =
      writer.status("wsrep_cluster_state_uuid")->at("wsrep_cluster_state_uuid");
  auto insert = [&](SqlConnection& connection, int id) {
    auto inserted = connection.query("INSERT INTO test.t VALUES (" + std::to_string(id) +
                                     "); SELECT @@last_gtid");
    EXPECT_TRUE(inserted && !inserted->rows.empty());
    return inserted && !inserted->rows.empty() ? parse_gtid(*inserted->rows[0][0])->sequence : 0;
  };
  for (int id = 1; id <= 5; ++id) insert(writer, id);

  mdbop.apply(
      "apiVersion: k8s.mariadb.com/v1alpha1\nkind: PhysicalBackup\nmetadata: {name: nightly}\n"
      "spec:\n  mariaDbRef: {name: g}\n  storage: {volume: {hostPath: {path: " +
      (mdbop.home() / "backups").string() + "}}}\n");
  mdbop.must({"wait", "physicalbackup/nightly", "--for=condition=Complete", "--timeout=120s"});
  std::uint64_t last_before = 0;
  for (int id = 6; id <= 10; ++id) last_before = insert(writer, id);
  const std::string last = "0-1-" + std::to_string(last_before);
  ASSERT_TRUE(eventually([&] { return archiving().value("lastArchivedGtid", "") == last; }, 60s))
      << mdbop.mdbop({"describe", "mariadb", "g"}).out;
  std::size_t segments = 0;
  const auto before_restore = read_archive(archive, history, mdbop.home() / "scratch", segments);

  mdbop.apply(
      "apiVersion: k8s.mariadb.com/v1alpha1\nkind: Restore\nmetadata: {name: back}\n"
      "spec:\n  mariaDbRef: {name: g}\n  backupRef: {name: nightly}\n");
  mdbop.must({"wait", "restore/back", "--for=condition=Complete", "--timeout=180s"});
  mdbop.wait_ready("g");
  const std::string restore_uid =
      json::parse(mdbop.must({"get", "restore", "back", "-o", "json"}))["metadata"]["uid"];
  EXPECT_EQ(mdbop.mariadb("g")["status"].value("binlogHistory", ""), restore_uid);

  // Archiving goes on, in the new history, from where the restored data stood when its seed
  // started (binlogHistoryStart), so that what the cluster wrote before archiving resumed (its
  // root accounts) is in it.
  ASSERT_TRUE(eventually(
      [&] {
        return archiving().value("history", "") == restore_uid &&
               !archiving().value("node", "").empty();
      },
      60s))
      << mdbop.mdbop({"describe", "mariadb", "g"}).out;
  const std::string history_start = mdbop.mariadb("g")["status"].value("binlogHistoryStart", "");

  // The restored data lacks what the archive holds after the backup: continuing that history
  // would splice its next transactions onto ones it never had.
  SqlConnection restored = mdbop.connect("g", 0, kPassword);
  auto count = restored.query("SELECT COUNT(*) FROM test.t");
  ASSERT_TRUE(count && !count->rows.empty());
  EXPECT_EQ(*count->rows[0][0], "5");
  std::uint64_t first_after = 0;
  std::uint64_t last_after = 0;
  for (int id = 106; id <= 110; ++id) {
    last_after = insert(restored, id);
    if (first_after == 0) first_after = last_after;
  }
  std::cout << "archived up to " << last_before << " before the restore; the restored data wrote "
            << first_after << ".." << last_after << "\n";
  const std::string last_restored = "0-1-" + std::to_string(last_after);
  ASSERT_TRUE(eventually(
      [&] {
        return archiving().value("history", "") == restore_uid &&
               archiving().value("lastArchivedGtid", "") == last_restored;
      },
      90s))
      << mdbop.mdbop({"describe", "mariadb", "g"}).out << mdbop.mdbop({"events"}).out;

  const auto after_restore = read_archive(archive, restore_uid, mdbop.home() / "scratch", segments);
  ASSERT_FALSE(after_restore.empty());
  std::cout << "the restored data's history starts at \"" << history_start
            << "\"; its archive begins at " << after_restore.front() << "\n";
  if (!history_start.empty()) {
    EXPECT_EQ(after_restore.front(), cluster_gtid(history_start).sequence + 1);
  }
  EXPECT_EQ(after_restore.back(), last_after);
  for (std::size_t i = 1; i < after_restore.size(); ++i) {
    ASSERT_EQ(after_restore[i], after_restore[i - 1] + 1) << "at position " << i;
  }
  EXPECT_EQ(read_archive(archive, history, mdbop.home() / "scratch", segments), before_restore)
      << "the history before the restore is left as it was";
}

TEST(BinlogArchive, SurvivesTheS3ServerGoingAwayAndComingBackAndRetentionKeepsWhatBasesNeed) {
  S3Server s3;
  Installation mdbop;
  mdbop.start_operator();
  mdbop.apply("apiVersion: v1\nkind: Secret\nmetadata: {name: s3}\nstringData:\n  id: " +
              s3.access_key() + "\n  secret: " + s3.secret_key() +
              "\n---\napiVersion: v1\nkind: Secret\nmetadata: {name: archive-key}\n"
              "stringData: {key: " +
              std::string(kArchiveKey) +
              "}\n---\napiVersion: k8s.mariadb.com/v1alpha1\nkind: PointInTimeRecovery\n"
              "metadata: {name: pitr}\n"
              "spec:\n  physicalBackupRef: {name: nightly}\n"
              "  storage:\n    s3:\n      bucket: backups\n      endpoint: " +
              s3.endpoint() +
              "\n      prefix: archive\n"
              "      accessKeyIdSecretKeyRef: {name: s3, key: id}\n"
              "      secretAccessKeySecretKeyRef: {name: s3, key: secret}\n"
              "  encryption: {keySecretKeyRef: {name: archive-key, key: key}}\n");
  mdbop.apply(galera_manifest("g", 3, kPassword, "  pointInTimeRecoveryRef: {name: pitr}\n"));
  mdbop.wait_ready("g");
  auto archiving = [&] { return archive_status(mdbop); };
  auto archiving_condition = [&] {
    const json pitr = json::parse(mdbop.must({"get", "pointintimerecovery", "pitr", "-o", "json"}));
    for (const json& condition : pitr["status"].value("conditions", json::array())) {
      if (condition.value("type", "") == "Archiving") return condition;
    }
    return json::object();
  };
  SqlConnection writer = mdbop.connect("g", 0, kPassword);
  ASSERT_TRUE(writer.execute(
      "CREATE DATABASE IF NOT EXISTS test; CREATE TABLE test.t (id INT PRIMARY KEY)"));
  const std::string history =
      writer.status("wsrep_cluster_state_uuid")->at("wsrep_cluster_state_uuid");
  std::vector<std::uint64_t> acknowledged;
  auto insert = [&](int from, int to) {
    for (int id = from; id <= to; ++id) {
      auto inserted = writer.query("INSERT INTO test.t VALUES (" + std::to_string(id) +
                                   "); SELECT @@last_gtid");
      ASSERT_TRUE(inserted && !inserted->rows.empty())
          << (inserted ? "no GTID" : inserted.error().what());
      acknowledged.push_back(cluster_gtid(*inserted->rows[0][0]).sequence);
    }
  };
  auto archived_through_last = [&] {
    const std::string last = "0-1-" + std::to_string(acknowledged.back());
    return eventually([&] { return archiving().value("lastArchivedGtid", "") == last; }, 90s);
  };
  ASSERT_NO_FATAL_FAILURE(insert(1, 50));
  ASSERT_TRUE(archived_through_last()) << mdbop.mdbop({"describe", "mariadb", "g"}).out;

  // The S3 server goes away under writes: the cluster goes on, segments wait, status says so.
  s3.stop();
  ASSERT_NO_FATAL_FAILURE(insert(51, 250));
  ASSERT_TRUE(eventually(
      [&] {
        return archiving_condition().value("reason", "") == "StorageUnavailable" &&
               archiving().value("pendingSegments", 0) > 0;
      },
      60s))
      << mdbop.mdbop({"describe", "pointintimerecovery", "pitr"}).out;
  EXPECT_EQ(archiving_condition().value("status", ""), "False");

  // It comes back: everything written meanwhile is stored, and archiving goes on.
  s3.start();
  ASSERT_NO_FATAL_FAILURE(insert(251, 300));
  ASSERT_TRUE(archived_through_last())
      << mdbop.mdbop({"describe", "mariadb", "g"}).out << mdbop.mdbop({"events"}).out;
  ASSERT_TRUE(eventually([&] { return archiving_condition().value("status", "") == "True"; }, 30s));

  const fs::path copy = mdbop.home() / "s3-copy";
  fs::create_directories(copy);
  s3.s3cmd({"get", "--recursive", "s3://backups/archive/", copy.string() + "/"});
  std::size_t segments = 0;
  const std::vector<std::uint64_t> archived =
      read_archive(copy, history, mdbop.home() / "scratch", segments);
  ASSERT_FALSE(archived.empty());
  for (std::size_t i = 1; i < archived.size(); ++i) {
    ASSERT_EQ(archived[i], archived[i - 1] + 1) << "at position " << i;
  }
  EXPECT_LE(archived.front(), acknowledged.front());
  EXPECT_EQ(archived.back(), acknowledged.back());

  // A base backup: what is archived wholly before it is no longer needed, the rest is.
  mdbop.apply(
      "apiVersion: k8s.mariadb.com/v1alpha1\nkind: PhysicalBackup\nmetadata: {name: nightly}\n"
      "spec:\n  mariaDbRef: {name: g}\n  retentionPolicy: {keepLast: 1}\n"
      "  storage: {volume: {hostPath: {path: " +
      (mdbop.home() / "backups").string() + "}}}\n");
  mdbop.must({"wait", "physicalbackup/nightly", "--for=condition=Complete", "--timeout=120s"});
  const json artifacts = json::parse(
      mdbop.must({"get", "physicalbackup", "nightly", "-o", "json"}))["status"]["artifacts"];
  ASSERT_EQ(artifacts.size(), 1u);
  const std::uint64_t base = cluster_gtid(artifacts[0].value("gtid", "")).sequence;
  ASSERT_GT(base, archived.front()) << "the backup came after archived transactions";
  ASSERT_NO_FATAL_FAILURE(insert(301, 350));
  ASSERT_TRUE(archived_through_last()) << mdbop.mdbop({"describe", "mariadb", "g"}).out;
  fs::remove_all(copy);
  fs::create_directories(copy);
  s3.s3cmd({"get", "--recursive", "s3://backups/archive/", copy.string() + "/"});
  const std::vector<std::uint64_t> kept =
      read_archive(copy, history, mdbop.home() / "scratch", segments);
  ASSERT_FALSE(kept.empty());
  // From the segment holding the base's next transaction on, all of it; nothing wholly before.
  EXPECT_LE(kept.front(), base + 1);
  EXPECT_GT(kept.front(), archived.front());
  for (std::size_t i = 1; i < kept.size(); ++i) {
    ASSERT_EQ(kept[i], kept[i - 1] + 1) << "at position " << i;
  }
  EXPECT_EQ(kept.back(), acknowledged.back());
  bool pruned = false;
  for (const json& event : mdbop.events("pitr"))
    pruned |= event.value("reason", "") == "ArchivePruned";
  EXPECT_TRUE(pruned);
  std::cout << "archived " << archived.front() << ".." << archived.back()
            << " across the outage; after the base at " << base << " the archive keeps "
            << kept.front() << ".." << kept.back() << " in " << segments << " segments\n";
}

}  // namespace
}  // namespace mdbop::testing
