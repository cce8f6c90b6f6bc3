// Retention of archived binary logs (BackupReconciler): after a PhysicalBackup's own retention,
// the archives of the PointInTimeRecoveries whose base backups it takes keep what its kept
// artifacts need (backup/binlog_retention.h) and lose the rest.
#include <fmt/format.h>

#include "backup/binlog_archive.h"
#include "backup/binlog_replay_plan.h"
#include "backup/binlog_retention.h"
#include "controller/backup/backup_reconciler.h"
#include "controller/event_log.h"
#include "store/storage_access.h"

namespace mdbop {

namespace {

// Removals are one request each: a run of a busy cluster's backup does this many at most, so
// that it ends in minutes; what is left goes at the next run.
constexpr std::size_t kMaxSegmentRemovalsPerRun = 20000;

}  // namespace

void BackupReconciler::prune_binlog_archives(BackupStorage& backups) {
  if (key_.kind != "PhysicalBackup") return;
  std::vector<json> pitrs;
  for (json& pitr : store_.list("PointInTimeRecovery", key_.namespace_)) {
    if (point_in_time_recovery_spec_from(pitr).physical_backup == key_.name) {
      pitrs.push_back(std::move(pitr));
    }
  }
  if (pitrs.empty()) return;
  auto catalog = read_catalog(backups, key_.namespace_ + "/" + key_.name);
  if (!catalog) return;  // refresh_artifacts shows why; the next run prunes
  const std::string archived =
      key_.namespace_ + "/" + object_["spec"].value("mariaDbRef", json::object()).value("name", "");
  for (const json& pitr : pitrs) {
    const std::string name = pitr["metadata"].value("name", "");
    // Only the archive this PointInTimeRecovery keeps of the backup's own MariaDB: a base of
    // one cluster says nothing of another's archive.
    const std::string archiving_mariadb =
        pitr.value("status", json::object()).value("mariaDbRef", json::object()).value("name", "");
    if (archived != key_.namespace_ + "/" + archiving_mariadb) continue;
    const auto report = [&](const std::string& type, const std::string& reason,
                            const std::string& message) {
      store_.record_event(pitr, type, reason, message);
      log_event({"PointInTimeRecovery", key_.namespace_, name}, type, reason, message);
    };
    auto storage =
        open_storage(store_, key_.namespace_, point_in_time_recovery_spec_from(pitr).storage, home_,
                     "PointInTimeRecovery " + name + " spec.storage");
    if (!storage) {
      report("Warning", "ArchiveRetentionFailed", storage.error().message);
      continue;
    }
    // Listed before the histories being archived are read: a history that begins meanwhile is
    // then among them, or not listed.
    // Every history's segments at once: their names say which history each belongs to.
    auto segments = list_binlog_segments(**storage, archived + "/binlog/");
    if (!segments) {
      report("Warning", "ArchiveRetentionFailed",
             "listing " + (*storage)->location(archived + "/binlog/") + ": " +
                 segments.error().message);
      continue;
    }
    auto mariadb =
        store_.get({"MariaDB", key_.namespace_, archived.substr(archived.find('/') + 1)});
    // Without the MariaDB nothing says which history it archives, nor its GTID domain.
    if (!mariadb) continue;
    const json status = mariadb->value("status", json::object());
    const json archiving = status.value("pointInTimeRecovery", json::object());
    const std::vector<std::string> current = {status.value("binlogHistory", ""),
                                              archiving.value("history", "")};
    auto last_archived = parse_gtid(archiving.value("lastArchivedGtid", ""));
    if (!last_archived) continue;  // nothing archived yet: no domain known, nothing to prune
    std::vector<ArchiveBase> bases;
    for (const ArtifactManifest& artifact : catalog->artifacts) {
      if (artifact.method != "physical" || artifact.mariadb != archived) continue;
      auto base = base_gtid_in_domain(artifact.gtid, last_archived->domain_id);
      // A base whose position cannot be read keeps its whole history.
      bases.push_back({artifact.binlog_history, base ? base->sequence : 0});
    }
    const BinlogPrune prune = binlog_segments_beyond_retention(*segments, bases, current);
    std::size_t removed = 0;
    std::string failure;
    for (const BinlogSegmentName& segment : prune.segments) {
      if (stopping_ || removed == kMaxSegmentRemovalsPerRun) break;
      auto key = binlog_segment_key(archived, segment);
      auto gone = key ? (*storage)->remove(*key) : Result<void>(tl::unexpected(key.error()));
      if (!gone) {
        failure = gone.error().message;
        break;
      }
      ++removed;
    }
    const bool all_segments = removed == prune.segments.size();
    for (const std::string& history : prune.histories) {
      if (!failure.empty() || stopping_) break;
      auto folder = binlog_history_folder(archived, history);  // "<...>/<history>/"
      auto gone = folder ? (*storage)->remove_folder(folder->substr(0, folder->size() - 1))
                         : Result<void>(tl::unexpected(folder.error()));
      if (!gone) failure = gone.error().message;
    }
    if (removed > 0 || (!prune.histories.empty() && failure.empty())) {
      std::string histories;
      for (const std::string& history : prune.histories) {
        histories += (histories.empty() ? "" : ", ") + history;
      }
      report("Normal", "ArchivePruned",
             fmt::format("{} segment(s) that no kept base backup of {} needs were removed{}{}",
                         removed, key_.name,
                         histories.empty() || !failure.empty() || stopping_
                             ? std::string()
                             : " and the histories no kept base belongs to (" + histories + ")",
                         all_segments ? std::string()
                                      : fmt::format("; {} more at the next run",
                                                    prune.segments.size() - removed)));
    }
    if (!failure.empty()) {
      report("Warning", "ArchiveRetentionFailed",
             "removing from " + (*storage)->location(archived + "/binlog/") + ": " + failure);
    }
  }
}

}  // namespace mdbop
