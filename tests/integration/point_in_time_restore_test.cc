// Restores to a moment on real 3-node clusters through the operator, on a physical base backup
// and the archive of acknowledged writes (each with its GTID and the second it was stamped in):
//  - to a GTID in the same MariaDB, after the table was dropped, and to a time into a new one
//    (bootstrapFrom; writes paused across that second, so the rows it must hold are certain):
//    every node holds exactly the rows committed up to the target, and the restored MariaDB's
//    writes are archived on from the replayed GTIDs in a history of its own;
//  - on a base backup taken while writes race it (mariadb-backup's recorded GTID can lag the data
//    it copied: the replay must continue from the data's own position, never apply a transaction
//    twice), after the followed node and then every node were SIGKILLed under writes (and the
//    operator stopped with them: everything lost), "latest" into a new MariaDB holds every
//    acknowledged row up to the archive's last GTID, which trails the last acknowledged write by
//    little; and across that failover, a second (writes paused across it) into another new
//    MariaDB and then a GTID in place hold exactly the rows up to them.
#include <gtest/gtest.h>
#include <signal.h>

#include <algorithm>
#include <atomic>
#include <iostream>
#include <map>
#include <thread>

#include "backup/binlog_archive.h"
#include "backup/binlog_segment_name.h"
#include "binlog_capture.h"
#include "harness.h"
#include "storage/filesystem_storage.h"
#include "util/time_text.h"

namespace mdbop::testing {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

constexpr const char* kPassword = "Integration-Secret-42";

std::string text_of(SqlConnection& connection, const std::string& sql) {
  auto rows = connection.query(sql);
  if (!rows || rows->rows.empty() || !rows->rows[0][0]) {
    throw std::runtime_error(sql + ": " + (rows ? "no value" : rows.error().what()));
  }
  return *rows->rows[0][0];
}

// The ids in test.t on every node of `mariadb`, joined by ','; they must agree.
std::string ids_on_every_node(Installation& mdbop, const std::string& mariadb) {
  std::string first;
  for (int index = 0; index < 3; ++index) {
    SqlConnection node = mdbop.connect(mariadb, index, kPassword);
    const std::string ids =
        text_of(node, "SELECT IFNULL(GROUP_CONCAT(id ORDER BY id), '') FROM test.t");
    if (index == 0) first = ids;
    EXPECT_EQ(ids, first) << mariadb << "-" << index << " differs from " << mariadb << "-0";
  }
  return first;
}

std::string ids(int from, int to) {
  std::string text;
  for (int id = from; id <= to; ++id) text += (text.empty() ? "" : ",") + std::to_string(id);
  return text;
}

std::string rfc3339(long unix_seconds) {
  return format_rfc3339(SysSeconds(std::chrono::seconds(unix_seconds)));
}

// The operator, the archive's PointInTimeRecovery "pitr" and the archived cluster g, Ready, with
// test.t created.
void start_archived_cluster(Installation& mdbop) {
  mdbop.start_operator();
  mdbop.apply(archive_manifests(mdbop.home() / "archive", "default"));
  mdbop.apply(galera_manifest("g", 3, kPassword, "  pointInTimeRecoveryRef: {name: pitr}\n"));
  mdbop.wait_ready("g");
  SqlConnection writer = mdbop.connect("g", 0, kPassword);
  ASSERT_TRUE(writer.execute(
      "CREATE DATABASE IF NOT EXISTS test; CREATE TABLE test.t (id INT PRIMARY KEY)"));
}

// The PhysicalBackup "nightly" of g (the PointInTimeRecovery's physicalBackupRef), taken once.
void take_base_backup(Installation& mdbop) {
  mdbop.apply(
      "apiVersion: k8s.mariadb.com/v1alpha1\nkind: PhysicalBackup\nmetadata: {name: nightly}\n"
      "spec:\n  mariaDbRef: {name: g}\n  storage: {volume: {hostPath: {path: " +
      (mdbop.home() / "backups").string() + "}}}\n");
  mdbop.must({"wait", "physicalbackup/nightly", "--for=condition=Complete", "--timeout=120s"});
}

json archiving(Installation& mdbop) {
  return mdbop.mariadb("g")["status"].value("pointInTimeRecovery", json::object());
}

json restore_status(Installation& mdbop, const std::string& name) {
  return json::parse(mdbop.must({"get", "restore", name, "-o", "json"}))["status"];
}

// A Restore `name` of `mariadb` in place, to `gtid`, from the PointInTimeRecovery "pitr".
std::string restore_to_gtid(const std::string& name, const std::string& mariadb,
                            const std::string& gtid) {
  return "apiVersion: k8s.mariadb.com/v1alpha1\nkind: Restore\nmetadata: {name: " + name +
         "}\nspec:\n  mariaDbRef: {name: " + mariadb +
         "}\n  pointInTimeRecoveryRef: {name: pitr}\n  targetRecoveryGtid: \"" + gtid + "\"\n";
}

// Waits for the Restore (which a bootstrapFrom creates a moment after the apply) to end; true
// when it completed (a failure's status is printed).
bool restored(Installation& mdbop, const std::string& name) {
  std::string phase;
  eventually(
      [&] {
        const CommandResult got = mdbop.mdbop({"get", "restore", name, "-o", "json"});
        if (got.exit_code != 0) return false;
        // A Restore just created has no status yet.
        phase = json::parse(got.out).value("status", json::object()).value("phase", "");
        return phase == "Complete" || phase == "Failed";
      },
      300s);
  EXPECT_EQ(phase, "Complete") << restore_status(mdbop, name).dump(2);
  return phase == "Complete";
}

// A new 3-node MariaDB `name` bootstrapped from the archive of "pitr" to `second`, Ready.
bool bootstrapped_to_second(Installation& mdbop, const std::string& name, long second) {
  mdbop.apply(galera_manifest(name, 3, kPassword,
                              "  bootstrapFrom:\n    pointInTimeRecoveryRef: {name: pitr}\n"
                              "    targetRecoveryTime: \"" +
                                  rfc3339(second) + "\"\n"));
  if (!restored(mdbop, name + "-bootstrap")) return false;
  mdbop.wait_ready(name);
  return true;
}

TEST(PointInTimeRestore, ToAGtidInPlaceAndToASecondIntoANewClusterOnEveryNode) {
  Installation mdbop;
  ASSERT_NO_FATAL_FAILURE(start_archived_cluster(mdbop));
  SqlConnection writer = mdbop.connect("g", 0, kPassword);
  std::map<int, std::string> gtid_of_row;
  auto insert = [&](int id) {
    gtid_of_row[id] = text_of(
        writer, "INSERT INTO test.t VALUES (" + std::to_string(id) + "); SELECT @@last_gtid");
  };
  for (int id = 1; id <= 5; ++id) insert(id);
  ASSERT_NO_FATAL_FAILURE(take_base_backup(mdbop));

  for (int id = 6; id <= 25; ++id) insert(id);
  // Rows up to 25 are stamped at or before `target_second`; none after it is: writes wait until
  // the clock is past it.
  const long target_second = std::stol(text_of(writer, "SELECT UNIX_TIMESTAMP()"));
  while (std::stol(text_of(writer, "SELECT UNIX_TIMESTAMP()")) <= target_second) {
    std::this_thread::sleep_for(100ms);
  }
  for (int id = 26; id <= 30; ++id) insert(id);
  // The mistake a restore to a moment undoes.
  const std::string drop = text_of(writer, "DROP TABLE test.t; SELECT @@last_gtid");
  ASSERT_TRUE(
      eventually([&] { return archiving(mdbop).value("lastArchivedGtid", "") == drop; }, 60s))
      << mdbop.mdbop({"describe", "mariadb", "g"}).out;

  // To a GTID, in place: row 15's transaction and everything before it.
  mdbop.apply(restore_to_gtid("to-gtid", "g", gtid_of_row[15]));
  ASSERT_TRUE(restored(mdbop, "to-gtid"));
  mdbop.wait_ready("g");
  EXPECT_EQ(ids_on_every_node(mdbop, "g"), ids(1, 15));
  EXPECT_EQ(restore_status(mdbop, "to-gtid")["pointInTime"].value("recoveredGtid", ""),
            gtid_of_row[15]);

  // The restored cluster writes on from the replayed GTIDs, and that is archived in the
  // Restore's own history.
  const std::string restore_uid =
      json::parse(mdbop.must({"get", "restore", "to-gtid", "-o", "json"}))["metadata"]["uid"];
  SqlConnection restored_writer = mdbop.connect("g", 1, kPassword);
  const std::string next =
      text_of(restored_writer, "INSERT INTO test.t VALUES (1000); SELECT @@last_gtid");
  EXPECT_GT(cluster_gtid(next).sequence, cluster_gtid(gtid_of_row[15]).sequence);
  ASSERT_TRUE(eventually(
      [&] {
        return archiving(mdbop).value("history", "") == restore_uid &&
               archiving(mdbop).value("lastArchivedGtid", "") == next;
      },
      90s))
      << mdbop.mdbop({"describe", "mariadb", "g"}).out << mdbop.mdbop({"events"}).out;
  // The new history's archive begins right after the replayed target: what the restored cluster
  // wrote before archiving resumed (its root accounts at least) is in it.
  {
    auto storage = FilesystemStorage::open(mdbop.home() / "archive");
    ASSERT_TRUE(storage);
    auto segments =
        list_binlog_segments(**storage, *binlog_history_folder("default/g", restore_uid));
    ASSERT_TRUE(segments && !segments->empty());
    EXPECT_EQ(segments->front().first_sequence, cluster_gtid(gtid_of_row[15]).sequence + 1);
  }

  // To a second, into a new MariaDB: every row stamped at or before it, from the same base and
  // the archive of g's first history.
  ASSERT_TRUE(bootstrapped_to_second(mdbop, "h", target_second));
  EXPECT_EQ(ids_on_every_node(mdbop, "h"), ids(1, 25));
  const json moment = restore_status(mdbop, "h-bootstrap")["pointInTime"];
  EXPECT_EQ(moment.value("recoveredGtid", ""), gtid_of_row[25]) << moment.dump();
  EXPECT_FALSE(moment.value("beyondArchive", true));
  std::cout << "restored g to " << gtid_of_row[15] << " (it wrote " << next
            << " next) and h to second " << target_second << " (" << gtid_of_row[25] << ")\n";
}

TEST(PointInTimeRestore, AfterEveryNodeWasKilledLatestATimeAndAGtidAcrossTheFailoverHoldTheirRows) {
  Installation mdbop;
  ASSERT_NO_FATAL_FAILURE(start_archived_cluster(mdbop));
  // Acknowledged single-row writes, each with its GTID and when it was acknowledged.
  struct Acknowledged {
    int id;
    std::uint64_t sequence;
    std::chrono::system_clock::time_point at;
  };
  std::vector<Acknowledged> acknowledged;
  // Writes race the base backup, on a node of their own (ids from 100001).
  {
    std::atomic<bool> backed_up = false;
    std::atomic<std::size_t> raced = 0;
    std::atomic<bool> racing_failed = false;
    std::string racing_failure;
    std::thread racing([&] {
      SqlConnection racer = mdbop.connect("g", 2, kPassword);
      for (int id = 100001; !backed_up; ++id) {
        auto inserted = racer.query("INSERT INTO test.t VALUES (" + std::to_string(id) +
                                    "); SELECT @@last_gtid");
        if (!inserted || inserted->rows.empty() || !inserted->rows[0][0]) {
          racing_failure = inserted ? "no GTID" : inserted.error().what();
          racing_failed = true;
          return;
        }
        acknowledged.push_back(
            {id, cluster_gtid(*inserted->rows[0][0]).sequence, std::chrono::system_clock::now()});
        raced = acknowledged.size();
      }
    });
    // The backup starts once writes are flowing, so that its copy ends amid them.
    eventually([&] { return raced >= 100 || racing_failed; }, 60s);
    take_base_backup(mdbop);
    backed_up = true;
    racing.join();
    ASSERT_EQ(racing_failure, "");
    ASSERT_FALSE(::testing::Test::HasFatalFailure());
  }
  std::cout << acknowledged.size() << " writes raced the base backup\n";
  ASSERT_TRUE(eventually([&] { return !archiving(mdbop).value("node", "").empty(); }, 60s));
  const std::string followed = archiving(mdbop)["node"];
  const std::string history = archiving(mdbop)["history"];
  std::map<std::string, pid_t> pids;
  for (const json& pod : mdbop.pods("g")) {
    pids[pod["metadata"]["name"]] = pod["status"]["pid"].get<pid_t>();
  }
  const std::string writer_pod = followed == "g-0" ? "g-1" : "g-0";
  SqlConnection writer =
      mdbop.connect("g", std::stoi(writer_pod.substr(writer_pod.rfind('-') + 1)), kPassword);

  // The followed node is killed after 300 more writes (archiving fails over), every node
  // after 600. After 450 the writes wait until the server's clock is past the second they are
  // in, so that every row up to 450, and none after it, is stamped at or before `target_second`.
  long target_second = 0;
  for (int id = 1; id <= 600; ++id) {
    if (id == 451) {
      target_second = std::stol(text_of(writer, "SELECT UNIX_TIMESTAMP()"));
      while (std::stol(text_of(writer, "SELECT UNIX_TIMESTAMP()")) <= target_second) {
        std::this_thread::sleep_for(100ms);
      }
    }
    auto inserted =
        writer.query("INSERT INTO test.t VALUES (" + std::to_string(id) + "); SELECT @@last_gtid");
    ASSERT_TRUE(inserted && !inserted->rows.empty() && inserted->rows[0][0]);
    acknowledged.push_back(
        {id, cluster_gtid(*inserted->rows[0][0]).sequence, std::chrono::system_clock::now()});
    if (id == 300) {
      ASSERT_EQ(kill(pids[followed], SIGKILL), 0);
    }
  }
  for (const auto& [pod, pid] : pids) {
    if (pod != followed) kill(pid, SIGKILL);
  }
  // The followed node too, which the operator has restarted since.
  for (pid_t pid : mdbop.node_processes()) kill(pid, SIGKILL);
  const auto killed_at = std::chrono::system_clock::now();
  // Everything lost: nothing recovers g or archives its data any more (and what the operator
  // started before it stopped goes as well).
  mdbop.stop_operator();
  for (pid_t pid : mdbop.node_processes()) kill(pid, SIGKILL);

  // What the archive holds now is what it held when the nodes died.
  std::uint64_t archived_through = 0;
  std::uint32_t archived_commit_time = 0;
  {
    auto storage = FilesystemStorage::open(mdbop.home() / "archive");
    ASSERT_TRUE(storage);
    auto segments = list_binlog_segments(**storage, *binlog_history_folder("default/g", history));
    ASSERT_TRUE(segments && !segments->empty());
    archived_through = segments->back().last_sequence;
    archived_commit_time = segments->back().last_commit_time;
  }
  // Deleted before the operator runs again: g's data is never recovered nor archived further.
  mdbop.must({"delete", "mariadb", "g"});
  mdbop.start_operator();
  mdbop.apply(galera_manifest("h", 3, kPassword,
                              "  bootstrapFrom:\n    pointInTimeRecoveryRef: {name: pitr}\n"));
  ASSERT_TRUE(restored(mdbop, "h-bootstrap"));
  mdbop.wait_ready("h");
  // The ids of the acknowledged rows up to `sequence`, ascending.
  const auto rows_through = [&](std::uint64_t sequence) {
    std::vector<int> kept;
    for (const Acknowledged& row : acknowledged) {
      if (row.sequence <= sequence) kept.push_back(row.id);
    }
    std::sort(kept.begin(), kept.end());
    std::string text;
    for (int id : kept) text += (text.empty() ? "" : ",") + std::to_string(id);
    return text;
  };
  const std::size_t lost =
      std::count_if(acknowledged.begin(), acknowledged.end(),
                    [&](const Acknowledged& row) { return row.sequence > archived_through; });
  EXPECT_EQ(ids_on_every_node(mdbop, "h"), rows_through(archived_through));
  const json bootstrap = restore_status(mdbop, "h-bootstrap");
  std::cout << "the base's manifest records GTID " << bootstrap["artifact"].value("gtid", "")
            << ", its data held " << bootstrap["pointInTime"].value("baseGtid", "") << "\n";
  EXPECT_EQ(restore_status(mdbop, "h-bootstrap")["pointInTime"].value("recoveredGtid", ""),
            "0-1-" + std::to_string(archived_through));
  // Reported, not asserted: how far the archive's end trailed the last acknowledged write.
  const Acknowledged& last = acknowledged.back();
  auto archived_end =
      std::find_if(acknowledged.begin(), acknowledged.end(),
                   [&](const Acknowledged& row) { return row.sequence == archived_through; });
  const auto ms = [](auto duration) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(duration).count();
  };
  std::cout << "archive ends at 0-1-" << archived_through << " (committed "
            << rfc3339(archived_commit_time) << "); the last acknowledged write was 0-1-"
            << last.sequence << " (" << lost << " acknowledged after the archive's end";
  if (archived_end != acknowledged.end()) {
    std::cout << ", acknowledged " << ms(last.at - archived_end->at) << " ms after it";
  }
  std::cout << "); the nodes were killed " << ms(killed_at - last.at)
            << " ms after the last acknowledgement\n";

  // Across the failover (the followed node died after row 300): a new MariaDB to the second
  // after row 450, then in place to row 400's GTID.
  const auto sequence_of = [&](int id) {
    return std::find_if(acknowledged.begin(), acknowledged.end(),
                        [&](const Acknowledged& row) { return row.id == id; })
        ->sequence;
  };
  ASSERT_LE(sequence_of(450), archived_through);
  mdbop.must({"delete", "mariadb", "h"});
  ASSERT_TRUE(bootstrapped_to_second(mdbop, "k", target_second));
  EXPECT_EQ(ids_on_every_node(mdbop, "k"), rows_through(sequence_of(450)));
  const std::string row_400 = "0-1-" + std::to_string(sequence_of(400));
  mdbop.apply(restore_to_gtid("k-to-gtid", "k", row_400));
  ASSERT_TRUE(restored(mdbop, "k-to-gtid"));
  mdbop.wait_ready("k");
  EXPECT_EQ(ids_on_every_node(mdbop, "k"), rows_through(sequence_of(400)));
  EXPECT_EQ(restore_status(mdbop, "k-to-gtid")["pointInTime"].value("recoveredGtid", ""), row_400);
}

}  // namespace
}  // namespace mdbop::testing
