#include "metrics/backup_metrics.h"

#include <array>

#include "api/backup_spec.h"
#include "metrics/families.h"

namespace mdbop {

using nlohmann::json;

namespace {

// Every phase a Backup may show, so that `mariadb_backup_info{status="Failed"} == 1` has a
// series to compare from the start.
constexpr std::array<const char*, 6> kPhases = {"Pending", "Running",   "Complete",
                                                "Failed",  "Scheduled", "Suspended"};

// Stored bytes of the artifact status.lastArtifact names, as status.artifacts lists it.
double last_artifact_bytes(const json& status) {
  const std::string last = status.value("lastArtifact", "");
  for (const json& artifact : status.value("artifacts", json::array())) {
    if (!last.empty() && artifact.value("id", "") == last) {
      return number_or_zero(artifact, "storedBytes");
    }
  }
  return 0;
}

double run_seconds(const json& status, std::chrono::system_clock::time_point now) {
  if (!status.contains("currentRun")) return number_or_zero(status, "lastRunSeconds");
  const double started = unix_seconds(status["currentRun"], "startedAt");
  if (started == 0) return 0;
  return std::max(0.0, std::chrono::duration<double>(now.time_since_epoch()).count() - started);
}

}  // namespace

std::vector<prometheus::MetricFamily> backup_metrics(const std::vector<json>& backups,
                                                     std::chrono::system_clock::time_point now) {
  auto last_success = gauge_family("mariadb_backup_last_success_timestamp_seconds",
                                   "Unix time of the last successful backup; 0 if none");
  auto last_failure = gauge_family("mariadb_backup_last_failure_timestamp_seconds",
                                   "Unix time of the last failed backup; 0 if none");
  auto duration = gauge_family("mariadb_backup_duration_seconds",
                               "Seconds the running backup has taken so far, else the last one");
  auto size = gauge_family("mariadb_backup_size_bytes",
                           "Stored bytes of the last successful backup's artifact");
  auto successes =
      counter_family("mariadb_backup_success_total", "Backup runs that completed successfully");
  auto failures = counter_family("mariadb_backup_failures_total",
                                 "Backup runs that failed, interrupted ones included");
  auto attempts = counter_family("mariadb_backup_attempts_total", "Backup runs started");
  auto retention =
      gauge_family("mariadb_backup_retention_count", "Artifacts kept in the backup's storage");
  auto running = gauge_family("mariadb_backup_running", "1 while a backup run is under way");
  auto last_failed =
      gauge_family("mariadb_backup_last_failed", "1 when the last finished backup run failed");
  auto info = gauge_family("mariadb_backup_info", "The backup's phase: 1 for its status");

  for (const json& backup : backups) {
    const json& metadata = backup["metadata"];
    const json status = status_of(backup);
    const SampleLabels labels = {{"namespace", metadata.value("namespace", "")},
                                 {"mariadb", backup_spec_from(backup).mariadb},
                                 {"backup", metadata.value("name", "")},
                                 {"kind", backup.value("kind", "")}};
    const double succeeded_at = unix_seconds(status, "lastSuccessTime");
    const double failed_at = unix_seconds(status, "lastFailureTime");
    const json totals = status.value("totals", json::object());
    add_sample(last_success, labels, succeeded_at);
    add_sample(last_failure, labels, failed_at);
    add_sample(duration, labels, run_seconds(status, now));
    add_sample(size, labels, last_artifact_bytes(status));
    add_sample(successes, labels, number_or_zero(totals, "successes"));
    add_sample(failures, labels, number_or_zero(totals, "failures"));
    add_sample(attempts, labels, number_or_zero(totals, "attempts"));
    add_sample(retention, labels,
               static_cast<double>(status.value("artifacts", json::array()).size()));
    add_sample(running, labels, status.contains("currentRun") ? 1 : 0);
    add_sample(last_failed, labels, failed_at > succeeded_at ? 1 : 0);
    const std::string phase = status.value("phase", "Pending");
    for (const char* each : kPhases) {
      SampleLabels with_status = labels;
      with_status.emplace_back("status", each);
      add_sample(info, with_status, phase == each ? 1 : 0);
    }
  }
  return {last_success, last_failure, duration, size,        successes, failures,
          attempts,     retention,    running,  last_failed, info};
}

}  // namespace mdbop
