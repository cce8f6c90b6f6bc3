// The backup metrics from known status: every metric's value and labels, for a Backup that ran,
// one running, one whose last run failed and one that never ran.
#include <gtest/gtest.h>

#include "manifest_test_util.h"
#include "metrics/backup_metrics.h"
#include "metrics_test_util.h"

namespace mdbop {
namespace {

using Lines = std::vector<std::string>;

// A Backup (or PhysicalBackup) `name` of MariaDB "g", validated as `apply` stores it, with
// `status`.
json backup(const std::string& kind, const std::string& name, const json& status) {
  json object =
      valid("apiVersion: k8s.mariadb.com/v1alpha1\nkind: " + kind + "\nmetadata: {name: " + name +
            ", namespace: prod}\n"
            "spec:\n  mariaDbRef: {name: g}\n  storage: {volume: {hostPath: {path: "
            "/backups}}}\n");
  object["status"] = status;
  return object;
}

const auto kNow = instant("2026-11-22T02:10:00Z");
const std::string kNightly = R"({namespace="prod",mariadb="g",backup="nightly",kind="Backup")";

TEST(BackupMetrics, ABackupThatRanShowsItsTimesSizeTotalsAndPhase) {
  const json status = json::parse(R"({
    "phase": "Scheduled",
    "lastSuccessTime": "2026-11-22T01:00:00Z",
    "lastFailureTime": "2026-11-21T01:00:00Z",
    "lastRunSeconds": 12.5,
    "lastArtifact": "nightly-b",
    "artifacts": [{"id": "nightly-a", "storedBytes": 1000}, {"id": "nightly-b", "storedBytes": 2048}],
    "totals": {"attempts": 4, "successes": 3, "failures": 1}
  })");
  const std::string text = exposition(backup_metrics({backup("Backup", "nightly", status)}, kNow));
  auto line = [&](const std::string& name, const std::string& value) {
    return Lines{name + kNightly + "} " + value};
  };
  EXPECT_EQ(samples(text, "mariadb_backup_last_success_timestamp_seconds"),
            line("mariadb_backup_last_success_timestamp_seconds", "1795309200"));
  EXPECT_EQ(samples(text, "mariadb_backup_last_failure_timestamp_seconds"),
            line("mariadb_backup_last_failure_timestamp_seconds", "1795222800"));
  EXPECT_EQ(samples(text, "mariadb_backup_duration_seconds"),
            line("mariadb_backup_duration_seconds", "12.5"));
  EXPECT_EQ(samples(text, "mariadb_backup_size_bytes"), line("mariadb_backup_size_bytes", "2048"));
  EXPECT_EQ(samples(text, "mariadb_backup_success_total"),
            line("mariadb_backup_success_total", "3"));
  EXPECT_EQ(samples(text, "mariadb_backup_failures_total"),
            line("mariadb_backup_failures_total", "1"));
  EXPECT_EQ(samples(text, "mariadb_backup_attempts_total"),
            line("mariadb_backup_attempts_total", "4"));
  EXPECT_EQ(samples(text, "mariadb_backup_retention_count"),
            line("mariadb_backup_retention_count", "2"));
  EXPECT_EQ(samples(text, "mariadb_backup_running"), line("mariadb_backup_running", "0"));
  EXPECT_EQ(samples(text, "mariadb_backup_last_failed"), line("mariadb_backup_last_failed", "0"));
  Lines info;
  for (const char* phase : {"Pending", "Running", "Complete", "Failed", "Scheduled", "Suspended"}) {
    info.push_back("mariadb_backup_info" + kNightly + ",status=\"" + phase + "\"} " +
                   (std::string(phase) == "Scheduled" ? "1" : "0"));
  }
  EXPECT_EQ(samples(text, "mariadb_backup_info"), info);
  // Counters are typed as such (rate() and increase() need it).
  EXPECT_NE(text.find("# TYPE mariadb_backup_success_total counter"), std::string::npos);
  EXPECT_NE(text.find("# TYPE mariadb_backup_size_bytes gauge"), std::string::npos);
}

TEST(BackupMetrics, ARunUnderWayIsTimedFromItsStart) {
  const json status = json::parse(R"({
    "phase": "Running",
    "lastRunSeconds": 12.5,
    "currentRun": {"id": "weekly-c", "startedAt": "2026-11-22T02:00:00Z", "storedBytes": 10},
    "totals": {"attempts": 1}
  })");
  const std::string text =
      exposition(backup_metrics({backup("PhysicalBackup", "weekly", status)}, kNow));
  const std::string labels =
      R"({namespace="prod",mariadb="g",backup="weekly",kind="PhysicalBackup"})";
  EXPECT_EQ(samples(text, "mariadb_backup_duration_seconds"),
            Lines{"mariadb_backup_duration_seconds" + labels + " 600"});
  EXPECT_EQ(samples(text, "mariadb_backup_running"),
            Lines{"mariadb_backup_running" + labels + " 1"});
  EXPECT_EQ(samples(text, "mariadb_backup_attempts_total"),
            Lines{"mariadb_backup_attempts_total" + labels + " 1"});
  EXPECT_EQ(samples(text, "mariadb_backup_size_bytes"),
            Lines{"mariadb_backup_size_bytes" + labels + " 0"});
  EXPECT_EQ(samples(text, "mariadb_backup_info")[1],
            "mariadb_backup_info" + labels.substr(0, labels.size() - 1) + ",status=\"Running\"} 1");
}

TEST(BackupMetrics, TheLastRunFailedWhenItsFailureIsNewerThanTheLastSuccess) {
  const json status = json::parse(R"({
    "phase": "Failed",
    "lastSuccessTime": "2026-11-22T01:00:00Z",
    "lastFailureTime": "2026-11-23T01:00:00Z",
    "totals": {"attempts": 5, "successes": 3, "failures": 2}
  })");
  const std::string text = exposition(backup_metrics({backup("Backup", "nightly", status)}, kNow));
  EXPECT_EQ(samples(text, "mariadb_backup_last_failed"),
            Lines{"mariadb_backup_last_failed" + kNightly + "} 1"});
  EXPECT_EQ(samples(text, "mariadb_backup_info")[3],
            "mariadb_backup_info" + kNightly + ",status=\"Failed\"} 1");
}

TEST(BackupMetrics, EverySeriesOfABackupThatNeverRanIsThereAtZero) {
  const std::string text =
      exposition(backup_metrics({backup("Backup", "nightly", json::object())}, kNow));
  for (const char* name :
       {"mariadb_backup_last_success_timestamp_seconds",
        "mariadb_backup_last_failure_timestamp_seconds", "mariadb_backup_duration_seconds",
        "mariadb_backup_size_bytes", "mariadb_backup_success_total",
        "mariadb_backup_failures_total", "mariadb_backup_attempts_total",
        "mariadb_backup_retention_count", "mariadb_backup_running", "mariadb_backup_last_failed"}) {
    EXPECT_EQ(samples(text, name), Lines{std::string(name) + kNightly + "} 0"}) << name;
  }
  // Pending until a phase is set.
  EXPECT_EQ(samples(text, "mariadb_backup_info")[0],
            "mariadb_backup_info" + kNightly + ",status=\"Pending\"} 1");
}

TEST(BackupMetrics, NoBackupsGiveEveryFamilyWithoutSamples) {
  const auto families = backup_metrics({}, kNow);
  EXPECT_EQ(families.size(), 11u);
  for (const auto& family : families) EXPECT_TRUE(family.metric.empty()) << family.name;
}

}  // namespace
}  // namespace mdbop
