// Incremental physical backups on a real cluster with real mariadb-backup: the tutorial's
// weekly full Backup and daily incremental Backup (--incremental, incrementalBasePath naming
// the full's directory), each daily one checked on its chain after it is taken; a restore of
// the newest daily one holds exactly the rows of its day on every node; and once the restore
// has replaced the nodes' data (the seed's installed, the others' by a state transfer of each
// SST method), the next daily one is a full backup saying why, and the one after continues it.
#include <gtest/gtest.h>

#include <map>
#include <string>

#include "harness.h"
#include "util/files.h"

namespace mdbop::testing {
namespace {

using namespace std::chrono_literals;

constexpr const char* kPassword = "Incremental-Secret-42";

json status_of(Installation& mdbop, const std::string& kind, const std::string& name) {
  return json::parse(mdbop.must({"get", kind, name, "-o", "json"})).value("status", json::object());
}

// "rows/checksum" of shop.items on one node.
std::string fingerprint(Installation& mdbop, int index) {
  SqlConnection connection = mdbop.connect("g", index, kPassword);
  auto count = connection.query("SELECT COUNT(*) FROM shop.items");
  auto checksum = connection.query("CHECKSUM TABLE shop.items");
  EXPECT_TRUE(count && checksum);
  if (!count || !checksum) return "unreadable";
  return *count->rows[0][0] + "/" + checksum->rows[0][1].value_or("NULL");
}

// One day of changes: new rows, and older rows changed (pages an incremental must carry).
void write_day(Installation& mdbop, int day) {
  SqlConnection connection = mdbop.connect("g", 0, kPassword);
  std::string insert = "INSERT INTO shop.items (day, body) VALUES ";
  for (int i = 0; i < 2000; ++i) {
    insert += (i > 0 ? ",(" : "(") + std::to_string(day) + ", REPEAT(MD5(" +
              std::to_string(day * 10000 + i) + "), 8))";
  }
  auto written =
      connection.execute(insert + "; UPDATE shop.items SET body = CONCAT('day " +
                         std::to_string(day) + "', body) WHERE id % 7 = " + std::to_string(day) +
                         "; DELETE FROM shop.items WHERE id % 13 = " + std::to_string(day));
  ASSERT_TRUE(written) << written.error().what();
}

std::string backup(const std::string& name, const std::string& directory, const std::string& body) {
  return "apiVersion: k8s.mariadb.com/v1alpha1\nkind: Backup\nmetadata: {name: " + name +
         "}\nspec:\n  mariaDbRef: {name: g}\n  backupType: physical\n" + body +
         "  storage: {volume: {hostPath: {path: " + directory + "}}}\n";
}

// The newest artifact of the Backup, after `mdbop backup run` made one newer than `last`.
json run_again(Installation& mdbop, const std::string& name, const std::string& last) {
  mdbop.must({"backup", "run", name});
  json status;
  EXPECT_TRUE(eventually(
      [&] {
        status = status_of(mdbop, "backup", name);
        return status.value("lastArtifact", "") != last && status.value("phase", "") == "Complete";
      },
      120s))
      << status.dump();
  return status["artifacts"][0];
}

// The manifest of artifact `id` in `directory`.
json manifest(const std::filesystem::path& directory, const std::string& id) {
  auto text = read_file(directory / id / "manifest.json");
  EXPECT_TRUE(text) << id;
  return text ? json::parse(*text) : json::object();
}

// The nodes' state transfers (after the restore) by each SST method: a mariabackup SST
// empties the joiner's data directory, an rsync SST sends each schema directory with --delete.
class IncrementalBackup : public ::testing::TestWithParam<std::string> {};

TEST_P(IncrementalBackup,
       AWeeklyFullAndDailyIncrementalsRestoreTheDaysRowsAndReplacedDataBeginsAFull) {
  Installation mdbop;
  mdbop.start_operator();
  mdbop.apply(galera_manifest("g", 3, kPassword, "    sst: " + GetParam() + "\n"));
  mdbop.wait_ready("g");
  {
    SqlConnection connection = mdbop.connect("g", 0, kPassword);
    ASSERT_TRUE(connection.execute(
        "CREATE DATABASE shop; CREATE TABLE shop.items (id INT PRIMARY KEY AUTO_INCREMENT, "
        "day INT, body TEXT)"));
  }
  ASSERT_NO_FATAL_FAILURE(write_day(mdbop, 0));
  const std::filesystem::path weekly_dir = mdbop.home() / "weekly";
  const std::filesystem::path daily_dir = mdbop.home() / "daily";
  mdbop.apply(backup("weekly", weekly_dir.string(), ""));
  mdbop.must({"wait", "backup/weekly", "--for=condition=Complete", "--timeout=180s"});
  const json full = status_of(mdbop, "backup", "weekly")["artifacts"][0];

  // Monday: the first daily backup continues the weekly full one, on its node.
  ASSERT_NO_FATAL_FAILURE(write_day(mdbop, 1));
  mdbop.apply(backup("daily", daily_dir.string(),
                     "  verifyAfterBackup: true\n"
                     "  mariabackup:\n    extraArgs: [--incremental]\n"
                     "    incrementalBasePath: " +
                         weekly_dir.string() + "\n"));
  mdbop.must({"wait", "backup/daily", "--for=condition=Complete", "--timeout=180s"});
  const json monday = status_of(mdbop, "backup", "daily")["artifacts"][0];
  EXPECT_EQ(monday.value("incrementalBase", ""), full["id"]) << monday.dump();
  EXPECT_EQ(monday["pod"], full["pod"]);
  EXPECT_TRUE(monday["verification"].value("verified", false)) << monday.dump();
  EXPECT_EQ(manifest(daily_dir, monday["id"])["fromLsn"],
            manifest(weekly_dir, full["id"])["toLsn"]);
  EXPECT_LT(monday["sourceBytes"].get<std::uint64_t>(), full["sourceBytes"].get<std::uint64_t>())
      << "an incremental copies the changed pages only";

  // Tuesday: the second continues the first.
  ASSERT_NO_FATAL_FAILURE(write_day(mdbop, 2));
  const std::string tuesday_rows = fingerprint(mdbop, 0);
  const json tuesday = run_again(mdbop, "daily", monday["id"]);
  EXPECT_EQ(tuesday.value("incrementalBase", ""), monday["id"]) << tuesday.dump();
  EXPECT_TRUE(tuesday["verification"].value("verified", false)) << tuesday.dump();
  std::cout << "full " << full["sourceBytes"] << " bytes, incrementals " << monday["sourceBytes"]
            << " and " << tuesday["sourceBytes"] << "\n";

  // Wednesday's mistake, undone by restoring Tuesday: the weekly full prepared, both applied.
  {
    SqlConnection connection = mdbop.connect("g", 1, kPassword);
    ASSERT_TRUE(connection.execute("DELETE FROM shop.items WHERE day < 2"));
  }
  mdbop.apply(
      "apiVersion: k8s.mariadb.com/v1alpha1\nkind: Restore\nmetadata: {name: tuesday}\n"
      "spec:\n  mariaDbRef: {name: g}\n  backupRef: {name: daily}\n");
  mdbop.must({"wait", "restore/tuesday", "--for=condition=Complete", "--timeout=300s"});
  mdbop.wait_ready("g");
  EXPECT_EQ(status_of(mdbop, "restore", "tuesday")["artifact"].value("id", ""), tuesday["id"]);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(fingerprint(mdbop, i), tuesday_rows) << "on g-" << i;

  // The restore replaced every node's data: the chain cannot continue, the next is a full one.
  const json after_restore = run_again(mdbop, "daily", tuesday["id"]);
  EXPECT_FALSE(after_restore.contains("incrementalBase")) << after_restore.dump();
  EXPECT_EQ(manifest(daily_dir, after_restore["id"]).value("fromLsn", 1), 0);
  EXPECT_NE(manifest(daily_dir, after_restore["id"])["lineage"],
            manifest(daily_dir, tuesday["id"])["lineage"]);
  const std::string events = mdbop.must({"events"});
  EXPECT_NE(events.find("IncrementalBecameFull"), std::string::npos) << events;
  EXPECT_NE(events.find("was replaced"), std::string::npos) << events;
  // ... which the next one continues.
  const json thursday = run_again(mdbop, "daily", after_restore["id"]);
  EXPECT_EQ(thursday.value("incrementalBase", ""), after_restore["id"]) << thursday.dump();
  EXPECT_TRUE(thursday["verification"].value("verified", false)) << thursday.dump();
}

INSTANTIATE_TEST_SUITE_P(SstMethods, IncrementalBackup, ::testing::Values("mariabackup", "rsync"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace mdbop::testing
