// The restore to a moment's own steps (RestoreReconciler): its base backup, chosen from the
// PointInTimeRecovery's PhysicalBackup by the target; the plan of archived segments from the
// base's GTID to the target, made before anything is received (a strict restore that cannot
// reach its target is refused there); and the replay of the planned segments, trimmed, into the
// prepared base before it is offered to the MariaDB.
#include <fmt/format.h>

#include "backup/artifact_catalog.h"
#include "backup/binlog_archive.h"
#include "controller/restore/restore_reconciler.h"
#include "store/secrets.h"
#include "store/storage_access.h"

namespace mdbop {

namespace {

std::string commit_time_text(std::uint32_t unix_seconds) {
  return format_rfc3339(SysSeconds(std::chrono::seconds(unix_seconds)));
}

// The base backup's GTID in `domain` (sequence 0 when its data holds no transaction of it).
Result<Gtid> base_gtid(const ArtifactManifest& base, std::uint32_t domain) {
  auto gtid = base_gtid_in_domain(base.gtid, domain);
  if (!gtid) {
    return fail(ErrorCode::kCorrupt, "artifact " + base.id + " records the GTID position \"" +
                                         base.gtid + "\", which is not one");
  }
  return gtid;
}

Result<json> find_point_in_time_recovery(Store& store, const std::string& namespace_,
                                         const std::string& name) {
  auto pitr = store.get({"PointInTimeRecovery", namespace_, name});
  if (!pitr) {
    return fail_field("spec.pointInTimeRecoveryRef",
                      "PointInTimeRecovery " + name + " not found in namespace " + namespace_);
  }
  return *pitr;
}

}  // namespace

Result<RestoreReconciler::Source> RestoreReconciler::open_point_in_time_source(
    const RestoreSpec& spec) {
  const std::string& name = spec.source.point_in_time_recovery;
  auto pitr = find_point_in_time_recovery(store_, key_.namespace_, name);
  if (!pitr) return tl::unexpected(pitr.error());
  const PointInTimeRecoverySpec pitr_spec = point_in_time_recovery_spec_from(*pitr);
  if (pitr_spec.physical_backup.empty()) {
    return fail_field("spec.pointInTimeRecoveryRef",
                      "PointInTimeRecovery " + name +
                          " has no spec.physicalBackupRef: the base backups of a restore to a "
                          "moment are a PhysicalBackup's; add physicalBackupRef to it");
  }
  auto backup = store_.get({"PhysicalBackup", key_.namespace_, pitr_spec.physical_backup});
  if (!backup) {
    return fail_field("spec.pointInTimeRecoveryRef", "PhysicalBackup " + pitr_spec.physical_backup +
                                                         " (the physicalBackupRef of " + name +
                                                         ") not found in namespace " +
                                                         key_.namespace_);
  }
  auto artifacts = open_backup_artifacts(store_, *backup, home_);
  if (!artifacts) return tl::unexpected(artifacts.error());
  Source source;
  source.storage = std::move(artifacts->storage);
  source.location = artifacts->location;
  source.encryption_secret = artifacts->encryption_secret;
  source.backup = key_.namespace_ + "/" + pitr_spec.physical_backup;
  return source;
}

Result<ArtifactManifest> RestoreReconciler::choose_base(
    const RestoreSpec& spec, const std::vector<ArtifactManifest>& physical) {
  if (spec.source.target_recovery_gtid.empty()) {
    std::optional<SysSeconds> target;
    if (spec.source.target_recovery_time) {
      target = std::chrono::floor<std::chrono::seconds>(*spec.source.target_recovery_time);
    }
    return choose_artifact(physical, target, "");
  }
  auto target = parse_gtid(spec.source.target_recovery_gtid);
  if (!target) return fail_field("spec.targetRecoveryGtid", target.error().message);
  // The newest base that holds no transaction after the target.
  std::vector<ArtifactManifest> before;
  for (const ArtifactManifest& artifact : physical) {
    auto base = base_gtid(artifact, target->domain_id);
    if (base && base->sequence <= target->sequence) before.push_back(artifact);
  }
  if (before.empty()) {
    return fail(ErrorCode::kNotFound,
                "no physical backup was taken at or before GTID " + target->text());
  }
  return choose_artifact(before, std::nullopt, "");
}

Result<RestoreReconciler::ArchiveReplay> RestoreReconciler::plan_archive_replay(
    const RestoreSpec& spec, const ArtifactManifest& base) {
  const std::string& name = spec.source.point_in_time_recovery;
  auto pitr = find_point_in_time_recovery(store_, key_.namespace_, name);
  if (!pitr) return tl::unexpected(pitr.error());
  const PointInTimeRecoverySpec pitr_spec = point_in_time_recovery_spec_from(*pitr);
  ArchiveReplay replay;
  replay.strict = pitr_spec.strict_mode;
  auto storage = open_storage(store_, key_.namespace_, pitr_spec.storage, home_,
                              "PointInTimeRecovery " + name + " spec.storage");
  if (!storage) return tl::unexpected(storage.error());
  replay.storage = std::move(*storage);
  if (pitr_spec.encryption_key) {
    auto secret = resolve_secret_value(store_, key_.namespace_, *pitr_spec.encryption_key, *pitr);
    if (!secret) {
      return fail("PointInTimeRecovery " + name +
                  " spec.encryption.keySecretKeyRef: " + secret.error().message);
    }
    replay.encryption_secret = *secret;
  }
  // The archive of the base's cluster, under the history its data belongs to.
  auto folder = binlog_history_folder(base.mariadb, base.binlog_history);
  if (!folder) {
    return fail(ErrorCode::kCorrupt, "artifact " + base.id + " names no archive history (" +
                                         folder.error().message + ")");
  }
  replay.folder = *folder;
  replay.prefix = base.mariadb;
  const std::string where = replay.storage->location(replay.folder);
  auto segments = list_binlog_segments(*replay.storage, replay.folder);
  if (!segments) return fail("listing " + where + ": " + segments.error().message);
  if (segments->empty()) {
    return fail(ErrorCode::kNotFound, "nothing is archived in " + where + " for the history of " +
                                          base.id + " (taken " + format_rfc3339(base.finished) +
                                          ")");
  }
  // The cluster's GTID domain: the GTID target's, else the archive's own.
  ReplayTarget target = LatestReplayTarget{};
  std::uint32_t domain = 0;
  if (!spec.source.target_recovery_gtid.empty()) {
    auto gtid = parse_gtid(spec.source.target_recovery_gtid);
    if (!gtid) return fail_field("spec.targetRecoveryGtid", gtid.error().message);
    target = GtidReplayTarget{*gtid};
    domain = gtid->domain_id;
    replay.target = "GTID " + gtid->text();
  } else {
    auto newest = read_segment(replay, segments->back());
    if (!newest) return tl::unexpected(newest.error());
    auto gtids = gtids_of_segment(*newest);
    if (!gtids || gtids->empty()) {
      return fail(ErrorCode::kCorrupt, "the newest segment in " + where + " holds no transaction");
    }
    domain = gtids->front().domain_id;
    if (spec.source.target_recovery_time) {
      const auto seconds = std::chrono::floor<std::chrono::seconds>(
          spec.source.target_recovery_time->time_since_epoch());
      target = TimeReplayTarget{static_cast<std::uint32_t>(seconds.count())};
      replay.target = format_rfc3339(
          std::chrono::floor<std::chrono::seconds>(*spec.source.target_recovery_time));
    } else {
      replay.target = "the newest archived transaction";
    }
  }
  auto base_position = base_gtid(base, domain);
  if (!base_position) return tl::unexpected(base_position.error());
  auto plan = plan_binlog_replay(*segments, *base_position, target);
  // A GTID the archive has not reached: like a time beyond it, the nearest point is its end.
  if (!plan && std::holds_alternative<GtidReplayTarget>(target) &&
      std::get<GtidReplayTarget>(target).gtid.sequence > segments->back().last_sequence) {
    replay.beyond_archive = true;
    plan = plan_binlog_replay(*segments, *base_position, LatestReplayTarget{});
  }
  if (!plan) return fail(plan.error().code, where + ": " + plan.error().message);
  replay.beyond_archive = replay.beyond_archive || plan->time_target_beyond_archive;
  replay.plan = std::move(*plan);
  return replay;
}

Result<std::string> RestoreReconciler::read_segment(const ArchiveReplay& replay,
                                                    const BinlogSegmentName& name) {
  auto key = binlog_segment_key(replay.prefix, name);
  if (!key) return tl::unexpected(key.error());
  auto stored = replay.storage->read_all(*key, kMaxSegmentBytes);
  if (!stored)
    return fail("reading " + replay.storage->location(*key) + ": " + stored.error().message);
  auto bytes = unpack_binlog_segment(*stored, replay.encryption_secret);
  if (!bytes) {
    return fail(bytes.error().code, replay.storage->location(*key) + ": " + bytes.error().message);
  }
  return bytes;
}

Result<RestoreReconciler::Replayed> RestoreReconciler::replay_archive(const ArchiveReplay& replay) {
  Replayed replayed;
  replayed.sequence = replay.plan.range.start_after.sequence;
  std::size_t next = 0;
  bool reached_stop = false;
  auto next_file = [&]() -> Result<std::optional<std::string>> {
    while (!reached_stop && next < replay.plan.segments.size()) {
      auto bytes = read_segment(replay, replay.plan.segments[next++]);
      if (!bytes) return tl::unexpected(bytes.error());
      auto trimmed = trim_binlog_segment(*bytes, replay.plan.range);
      if (!trimmed) return tl::unexpected(trimmed.error());
      reached_stop = trimmed->reached_stop;
      if (trimmed->transactions == 0) continue;
      replayed.sequence = trimmed->last_gtid->sequence;
      replayed.last_gtid = trimmed->last_gtid->text();
      replayed.commit_time = trimmed->last_commit_time;
      replayed.transactions += trimmed->transactions;
      return std::optional<std::string>(std::move(trimmed->bytes));
    }
    return std::optional<std::string>();
  };
  auto position = agent_.replay_binlog_into_received(received(), next_file, {});
  if (!position) return tl::unexpected(position.error());
  // The server's own word on what it holds: the last replayed GTID, exactly.
  if (!replayed.last_gtid.empty()) {
    auto gtids = parse_gtid_position(*position);
    const auto domain = replay.plan.range.start_after.domain_id;
    bool holds = false;
    for (const Gtid& gtid : gtids ? *gtids : std::vector<Gtid>{}) {
      holds = holds || (gtid.domain_id == domain && gtid.text() == replayed.last_gtid);
    }
    if (!holds) {
      return fail(ErrorCode::kCorrupt, "after the replay the data's binary log ends at \"" +
                                           *position + "\", not at the last replayed GTID " +
                                           replayed.last_gtid);
    }
  }
  return replayed;
}

std::string RestoreReconciler::describe_replayed(const Replayed& replayed,
                                                 const ArtifactManifest& base) {
  if (replayed.transactions == 0) {
    return "no archived transaction after the base backup " + base.id + " was within the target";
  }
  return fmt::format("{} archived transaction(s) replayed on {}, up to GTID {} (committed {})",
                     replayed.transactions, base.id, replayed.last_gtid,
                     commit_time_text(replayed.commit_time));
}

}  // namespace mdbop
