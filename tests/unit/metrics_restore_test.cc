// The restore metrics from known status: running, completed and failed restores, and one that
// has not started.
#include <gtest/gtest.h>

#include "manifest_test_util.h"
#include "metrics/restore_metrics.h"
#include "metrics_test_util.h"

namespace mdbop {
namespace {

using Lines = std::vector<std::string>;

json restore(const std::string& name, const json& status) {
  json object =
      valid("apiVersion: k8s.mariadb.com/v1alpha1\nkind: Restore\nmetadata: {name: " + name +
            ", namespace: prod}\nspec:\n  mariaDbRef: {name: g}\n  backupRef: {name: nightly}\n");
  object["status"] = status;
  return object;
}

const auto kNow = instant("2026-11-22T02:10:00Z");

// The five restore metrics of `status`, one line each, in the order of the contract.
Lines lines_of(const json& status) {
  const std::string text = exposition(restore_metrics({restore("r", status)}, kNow));
  Lines all;
  for (const char* name :
       {"mariadb_restore_running", "mariadb_restore_succeeded", "mariadb_restore_failed",
        "mariadb_restore_duration_seconds", "mariadb_restore_finished_timestamp_seconds"}) {
    for (const std::string& line : samples(text, name)) all.push_back(line);
  }
  return all;
}

const std::string kLabels = R"({namespace="prod",mariadb="g",restore="r"})";

Lines expected(int running, int succeeded, int failed, const std::string& duration,
               const std::string& finished) {
  return {"mariadb_restore_running" + kLabels + " " + std::to_string(running),
          "mariadb_restore_succeeded" + kLabels + " " + std::to_string(succeeded),
          "mariadb_restore_failed" + kLabels + " " + std::to_string(failed),
          "mariadb_restore_duration_seconds" + kLabels + " " + duration,
          "mariadb_restore_finished_timestamp_seconds" + kLabels + " " + finished};
}

TEST(RestoreMetrics, ARestoreUnderWayIsRunningAndTimedFromItsStart) {
  EXPECT_EQ(lines_of({{"phase", "Preparing"}, {"startedAt", "2026-11-22T02:00:00Z"}}),
            expected(1, 0, 0, "600", "0"));
}

TEST(RestoreMetrics, ACompletedRestoreShowsItsDurationAndEnd) {
  EXPECT_EQ(lines_of({{"phase", "Complete"},
                      {"startedAt", "2026-11-22T01:00:00Z"},
                      {"finishedAt", "2026-11-22T02:00:00Z"}}),
            expected(0, 1, 0, "3600", "1795312800"));
}

TEST(RestoreMetrics, AFailedRestoreIsNeitherRunningNorSucceeded) {
  EXPECT_EQ(lines_of({{"phase", "Failed"},
                      {"startedAt", "2026-11-22T02:00:00Z"},
                      {"finishedAt", "2026-11-22T02:00:00Z"}}),
            expected(0, 0, 1, "0", "1795312800"));
}

TEST(RestoreMetrics, APendingRestoreIsRunningWithAnUnknownDuration) {
  EXPECT_EQ(lines_of({{"phase", "Pending"}}), expected(1, 0, 0, "0", "0"));
  EXPECT_EQ(lines_of(json::object()), expected(1, 0, 0, "0", "0"));
}

}  // namespace
}  // namespace mdbop
