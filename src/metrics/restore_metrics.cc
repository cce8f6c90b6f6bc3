#include "metrics/restore_metrics.h"

#include "api/backup_spec.h"
#include "metrics/families.h"

namespace mdbop {

using nlohmann::json;

std::vector<prometheus::MetricFamily> restore_metrics(const std::vector<json>& restores,
                                                      std::chrono::system_clock::time_point now) {
  auto running = gauge_family("mariadb_restore_running", "1 while the restore is under way");
  auto succeeded = gauge_family("mariadb_restore_succeeded", "1 when the restore completed");
  auto failed = gauge_family("mariadb_restore_failed", "1 when the restore failed");
  auto duration = gauge_family("mariadb_restore_duration_seconds",
                               "Seconds the restore has taken so far, or took; 0 when unknown");
  auto finished_at = gauge_family("mariadb_restore_finished_timestamp_seconds",
                                  "Unix time the restore finished; 0 while it has not");

  const double now_seconds = std::chrono::duration<double>(now.time_since_epoch()).count();
  for (const json& restore : restores) {
    const json& metadata = restore["metadata"];
    const json status = status_of(restore);
    const SampleLabels labels = {{"namespace", metadata.value("namespace", "")},
                                 {"mariadb", restore_spec_from(restore).mariadb},
                                 {"restore", metadata.value("name", "")}};
    const std::string phase = status.value("phase", "");
    const bool finished = phase == "Complete" || phase == "Failed";
    const double started = unix_seconds(status, "startedAt");
    const double finished_seconds = unix_seconds(status, "finishedAt");
    double took = 0;
    if (started > 0) {
      took = finished ? (finished_seconds > 0 ? finished_seconds - started : 0)
                      : now_seconds - started;
    }
    add_sample(running, labels, finished ? 0 : 1);
    add_sample(succeeded, labels, phase == "Complete" ? 1 : 0);
    add_sample(failed, labels, phase == "Failed" ? 1 : 0);
    add_sample(duration, labels, std::max(0.0, took));
    add_sample(finished_at, labels, finished_seconds);
  }
  return {running, succeeded, failed, duration, finished_at};
}

}  // namespace mdbop
