// Restores to a moment on a real 3-node cluster through the operator: a physical base backup,
// acknowledged writes with their GTIDs and the second they were stamped in, then the table
// dropped; a Restore to a GTID and one to a time (writes paused across that second, so the rows
// it must hold are certain) each bring every node exactly the rows committed up to the target,
// and archiving goes on from the restored data in a history of its own.
#include <gtest/gtest.h>

#include <iostream>
#include <map>
#include <thread>

#include "binlog_capture.h"
#include "harness.h"
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

// The ids in test.t on every node of g, joined by ','; they must agree.
std::string ids_on_every_node(Installation& mdbop) {
  std::string first;
  for (int index = 0; index < 3; ++index) {
    SqlConnection node = mdbop.connect("g", index, kPassword);
    const std::string ids =
        text_of(node, "SELECT IFNULL(GROUP_CONCAT(id ORDER BY id), '') FROM test.t");
    if (index == 0) first = ids;
    EXPECT_EQ(ids, first) << "g-" << index << " differs from g-0";
  }
  return first;
}

std::string ids(int from, int to) {
  std::string text;
  for (int id = from; id <= to; ++id) text += (text.empty() ? "" : ",") + std::to_string(id);
  return text;
}

json restore_status(Installation& mdbop, const std::string& name) {
  return json::parse(mdbop.must({"get", "restore", name, "-o", "json"}))["status"];
}

// Waits for the Restore to end; true when it completed (a failure's message is printed).
bool restored(Installation& mdbop, const std::string& name) {
  std::string phase;
  eventually(
      [&] {
        phase = restore_status(mdbop, name).value("phase", "");
        return phase == "Complete" || phase == "Failed";
      },
      300s);
  EXPECT_EQ(phase, "Complete") << restore_status(mdbop, name).dump(2);
  return phase == "Complete";
}

TEST(PointInTimeRestore, BringsEveryNodeToAGtidAndToASecondAndArchivingGoesOn) {
  Installation mdbop;
  const fs::path archive = mdbop.home() / "archive";
  mdbop.start_operator();
  mdbop.apply(archive_manifests(archive, "default"));
  mdbop.apply(galera_manifest("g", 3, kPassword, "  pointInTimeRecoveryRef: {name: pitr}\n"));
  mdbop.wait_ready("g");
  auto archiving = [&] {
    return mdbop.mariadb("g")["status"].value("pointInTimeRecovery", json::object());
  };
  SqlConnection writer = mdbop.connect("g", 0, kPassword);
  ASSERT_TRUE(writer.execute(
      "CREATE DATABASE IF NOT EXISTS test; CREATE TABLE test.t (id INT PRIMARY KEY)"));
  std::map<int, std::string> gtid_of_row;
  auto insert = [&](int id) {
    gtid_of_row[id] = text_of(
        writer, "INSERT INTO test.t VALUES (" + std::to_string(id) + "); SELECT @@last_gtid");
  };
  for (int id = 1; id <= 5; ++id) insert(id);
  mdbop.apply(
      "apiVersion: k8s.mariadb.com/v1alpha1\nkind: PhysicalBackup\nmetadata: {name: nightly}\n"
      "spec:\n  mariaDbRef: {name: g}\n  storage: {volume: {hostPath: {path: " +
      (mdbop.home() / "backups").string() + "}}}\n");
  mdbop.must({"wait", "physicalbackup/nightly", "--for=condition=Complete", "--timeout=120s"});

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
  ASSERT_TRUE(eventually([&] { return archiving().value("lastArchivedGtid", "") == drop; }, 60s))
      << mdbop.mdbop({"describe", "mariadb", "g"}).out;

  // To a GTID: row 15's transaction and everything before it.
  mdbop.apply(
      "apiVersion: k8s.mariadb.com/v1alpha1\nkind: Restore\nmetadata: {name: to-gtid}\n"
      "spec:\n  mariaDbRef: {name: g}\n  pointInTimeRecoveryRef: {name: pitr}\n"
      "  targetRecoveryGtid: \"" +
      gtid_of_row[15] + "\"\n");
  ASSERT_TRUE(restored(mdbop, "to-gtid"));
  mdbop.wait_ready("g");
  EXPECT_EQ(ids_on_every_node(mdbop), ids(1, 15));
  EXPECT_EQ(restore_status(mdbop, "to-gtid")["pointInTime"].value("recoveredGtid", ""),
            gtid_of_row[15]);

  // To a second: every row stamped at or before it, from the same base and archive history.
  mdbop.apply(
      "apiVersion: k8s.mariadb.com/v1alpha1\nkind: Restore\nmetadata: {name: to-time}\n"
      "spec:\n  mariaDbRef: {name: g}\n  pointInTimeRecoveryRef: {name: pitr}\n"
      "  targetRecoveryTime: \"" +
      format_rfc3339(SysSeconds(std::chrono::seconds(target_second))) + "\"\n");
  ASSERT_TRUE(restored(mdbop, "to-time"));
  mdbop.wait_ready("g");
  EXPECT_EQ(ids_on_every_node(mdbop), ids(1, 25));
  const json moment = restore_status(mdbop, "to-time")["pointInTime"];
  EXPECT_EQ(moment.value("recoveredGtid", ""), gtid_of_row[25]) << moment.dump();
  EXPECT_FALSE(moment.value("beyondArchive", true));

  // The restored cluster writes on from the replayed GTIDs, and that is archived in the
  // Restore's own history.
  const std::string restore_uid =
      json::parse(mdbop.must({"get", "restore", "to-time", "-o", "json"}))["metadata"]["uid"];
  SqlConnection restored = mdbop.connect("g", 1, kPassword);
  const std::string next =
      text_of(restored, "INSERT INTO test.t VALUES (1000); SELECT @@last_gtid");
  const Gtid next_gtid = cluster_gtid(next);
  EXPECT_GT(next_gtid.sequence, cluster_gtid(gtid_of_row[25]).sequence);
  ASSERT_TRUE(eventually(
      [&] {
        return archiving().value("history", "") == restore_uid &&
               archiving().value("lastArchivedGtid", "") == next;
      },
      90s))
      << mdbop.mdbop({"describe", "mariadb", "g"}).out << mdbop.mdbop({"events"}).out;
  std::cout << "restored to " << gtid_of_row[15] << " and to second " << target_second << " ("
            << gtid_of_row[25] << "); the restored cluster wrote " << next << "\n";
}

}  // namespace
}  // namespace mdbop::testing
