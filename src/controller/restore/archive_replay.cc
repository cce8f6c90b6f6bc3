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
  source.base_storage = std::move(artifacts->base_storage);
  source.location = artifacts->location;
  source.encryption_secret = artifacts->encryption_secret;
  source.backup = key_.namespace_ + "/" + pitr_spec.physical_backup;
  return source;
}

std::vector<ArtifactManifest> RestoreReconciler::bases_of_the_targets_history(
    const RestoreSpec& spec, const std::vector<ArtifactManifest>& physical) {
  if (physical.empty()) return physical;
  // The archived MariaDB, as its newest base names it ("<namespace>/<name>").
  const std::string& source =
      std::max_element(physical.begin(), physical.end(), [](const auto& a, const auto& b) {
        return a.finished < b.finished;
      })->mariadb;
  const std::size_t slash = source.find('/');
  auto mariadb = store_.get({"MariaDB", source.substr(0, slash), source.substr(slash + 1)});
  const json status = mariadb ? mariadb->value("status", json::object()) : json::object();
  const std::string current = status.value("binlogHistory", "");
  const auto since = parse_rfc3339_seconds(status.value("binlogHistorySince", ""));
  // Never restored (or gone): one history, every base's.
  if (current.empty() || !since) return physical;
  // A restore began the current history at `since`: a target after it (or latest, or a GTID,
  // which names a transaction of the current history) is on it; one before it is on an older
  // timeline, whose transactions the restore undid.
  const bool on_current =
      !spec.source.target_recovery_time ||
      std::chrono::floor<std::chrono::seconds>(*spec.source.target_recovery_time) >= *since;
  std::vector<ArtifactManifest> bases;
  for (const ArtifactManifest& artifact : physical) {
    if ((artifact.binlog_history == current) == on_current) bases.push_back(artifact);
  }
  return bases;
}

Result<ArtifactManifest> RestoreReconciler::choose_base(
    const RestoreSpec& spec, const std::vector<ArtifactManifest>& all_physical) {
  const std::vector<ArtifactManifest> physical = bases_of_the_targets_history(spec, all_physical);
  if (physical.empty() && !all_physical.empty()) {
    return fail(ErrorCode::kNotFound,
                "no physical backup was taken on the history the target is on (a restore began "
                "a new one; its transactions are not those of the backups before it): take a "
                "backup after that restore to restore to a moment after it");
  }
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
  replay.where = replay.storage->location(replay.folder);
  const std::string& where = replay.where;
  auto segments = list_binlog_segments(*replay.storage, replay.folder);
  if (!segments) return fail("listing " + where + ": " + segments.error().message);
  if (segments->empty()) {
    return fail(ErrorCode::kNotFound, "nothing is archived in " + where + " for the history of " +
                                          base.id + " (taken " + format_rfc3339(base.finished) +
                                          ")");
  }
  replay.segments = std::move(*segments);
  ReplayTarget& target = replay.wanted;
  // The archive's domain, from its newest segment: a GTID target must be of it.
  auto newest = read_segment(replay, replay.segments.back());
  if (!newest) return tl::unexpected(newest.error());
  auto newest_gtids = gtids_of_segment(*newest);
  if (!newest_gtids || newest_gtids->empty()) {
    return fail(ErrorCode::kCorrupt, "the newest segment in " + where + " holds no transaction");
  }
  const std::uint32_t domain = newest_gtids->front().domain_id;
  replay.domain = domain;
  if (!spec.source.target_recovery_gtid.empty()) {
    auto gtid = parse_gtid(spec.source.target_recovery_gtid);
    if (!gtid) return fail_field("spec.targetRecoveryGtid", gtid.error().message);
    if (gtid->domain_id != domain) {
      return fail_field("spec.targetRecoveryGtid",
                        gtid->text() + " is of GTID domain " + std::to_string(gtid->domain_id) +
                            ", but the archive holds the cluster's transactions of domain " +
                            std::to_string(domain));
    }
    target = GtidReplayTarget{*gtid};
    replay.target = "GTID " + gtid->text();
    replay.target_gtid = gtid->text();
  } else {
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
  if (auto planned = plan_from(replay, *base_position); !planned) {
    return tl::unexpected(planned.error());
  }
  return replay;
}

Result<void> RestoreReconciler::plan_from(ArchiveReplay& replay, const Gtid& start_after) {
  auto plan = plan_binlog_replay(replay.segments, start_after, replay.wanted);
  // A GTID the archive has not reached: like a time beyond it, the nearest point is its end.
  const auto* gtid = std::get_if<GtidReplayTarget>(&replay.wanted);
  const bool gtid_beyond = gtid && gtid->gtid.sequence > replay.segments.back().last_sequence;
  if (!plan && gtid_beyond)
    plan = plan_binlog_replay(replay.segments, start_after, LatestReplayTarget{});
  if (!plan) return fail(plan.error().code, replay.where + ": " + plan.error().message);
  replay.beyond_archive = gtid_beyond || plan->time_target_beyond_archive;
  replay.plan = std::move(*plan);
  return {};
}

Result<RestoreReconciler::BaseCorrection> RestoreReconciler::plan_from_the_prepared_data(
    ArchiveReplay& replay, const ArtifactManifest& base, const GaleraPosition& recovered) {
  const Gtid recorded = replay.plan.range.start_after;
  if (recovered.gtid.empty()) {
    return BaseCorrection{"Warning", "BasePositionUnknown",
                          "the prepared data of " + base.id +
                              " records no GTID (its cluster ran without wsrep_gtid_mode?): the "
                              "replay starts after its manifest's " +
                              recorded.text() + ", which on Galera can lag the data"};
  }
  auto held = base_gtid_in_domain(recovered.gtid, replay.domain);
  if (!held) {
    return fail(ErrorCode::kCorrupt, "the prepared data of " + base.id +
                                         " records the GTID position \"" + recovered.gtid +
                                         "\", which is not one");
  }
  if (held->sequence == recorded.sequence) return BaseCorrection{};
  if (held->sequence == 0) {
    return fail(ErrorCode::kCorrupt,
                fmt::format("the prepared data of {} holds no transaction of the cluster's GTID "
                            "domain {} (its position is \"{}\"), but its manifest records {}",
                            base.id, replay.domain, recovered.gtid, recorded.text()));
  }
  const auto* gtid = std::get_if<GtidReplayTarget>(&replay.wanted);
  if (gtid && held->sequence > gtid->gtid.sequence) {
    return fail(ErrorCode::kConflict, "the data of " + base.id + " already holds GTID " +
                                          held->text() + ", after the target " + gtid->gtid.text() +
                                          " (its manifest records " + recorded.text() + ")");
  }
  if (auto planned = plan_from(replay, *held); !planned) return tl::unexpected(planned.error());
  // Data behind its manifest has never been seen: the data is what a replay continues, but it
  // is said loudly.
  const bool behind = held->sequence < recorded.sequence;
  return BaseCorrection{behind ? "Warning" : "Normal", "BasePositionCorrected",
                        "the data of " + base.id + " holds GTID " + held->text() +
                            " where its manifest records " + recorded.text() +
                            ": the replay continues after " + held->text()};
}

bool RestoreReconciler::refuse_beyond_archive(const RestoreSpec& spec,
                                              const ArchiveReplay& replay) {
  if (!replay.beyond_archive || !replay.strict) return false;
  failed("TargetUnreachable",
         fmt::format("the target {} is beyond the archive: it ends at sequence {} (committed "
                     "{}), and the PointInTimeRecovery's strictMode refuses a nearer point; {} "
                     "was not touched",
                     replay.target, replay.plan.last_sequence,
                     format_unix_seconds(replay.plan.last_commit_time), spec.mariadb));
  return true;
}

void RestoreReconciler::pass_over(const ArtifactManifest& base, const std::string& why) {
  auto updated = store_.update_status(key_, [&](json& status) {
    status.erase("artifact");
    status["passedOverBases"].push_back(base.id);
  });
  if (updated) object_ = *updated;
  event("Normal", "BasePassedOver", why + "; an older base backup is chosen");
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
      const BinlogSegmentName& name = replay.plan.segments[next++];
      auto bytes = read_segment(replay, name);
      if (!bytes) return tl::unexpected(bytes.error());
      auto trimmed = trim_binlog_segment(*bytes, replay.plan.range);
      if (!trimmed) return tl::unexpected(trimmed.error());
      reached_stop = trimmed->reached_stop;
      // Each transaction the next of the one before, whatever the names say: none twice, none
      // skipped.
      auto gtids = gtids_of_segment(trimmed->bytes);
      if (!gtids) return tl::unexpected(gtids.error());
      for (const Gtid& gtid : *gtids) {
        if (gtid.sequence != replayed.sequence + 1) {
          return fail(ErrorCode::kCorrupt,
                      fmt::format("segment {}-{} holds GTID {} where sequence number {} was due",
                                  name.first_sequence, name.last_sequence, gtid.text(),
                                  replayed.sequence + 1));
        }
        replayed.sequence = gtid.sequence;
      }
      if (trimmed->transactions == 0) continue;
      replayed.last_gtid = trimmed->last_gtid->text();
      replayed.commit_time = trimmed->last_commit_time;
      replayed.transactions += trimmed->transactions;
      return std::optional<std::string>(std::move(trimmed->bytes));
    }
    return std::optional<std::string>();
  };
  auto position = agent_.replay_binlog_into_received(received(), next_file,
                                                     [this] { return stopping_.load(); });
  if (!position) return tl::unexpected(position.error());
  // A GTID target names one transaction: the archive's at that sequence number (or the base's
  // last, when the base holds it already) must be it.
  const std::string reached =
      replayed.last_gtid.empty() ? replay.plan.range.start_after.text() : replayed.last_gtid;
  if (!replay.target_gtid.empty() && !replay.beyond_archive && reached != replay.target_gtid) {
    return fail(ErrorCode::kInvalid, "the transaction at the target's sequence number is " +
                                         reached + ", not " + replay.target_gtid +
                                         " (check targetRecoveryGtid's server id)");
  }
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
                     format_unix_seconds(replayed.commit_time));
}

}  // namespace mdbop
