#include "controller/restore/restore_reconciler.h"

#include <algorithm>

#include <spdlog/spdlog.h>

#include "backup/artifact_catalog.h"
#include "backup/incremental_chain.h"
#include "backup/restore_artifact.h"
#include "controller/conditions.h"
#include "controller/event_log.h"
#include "controller/field_warnings.h"
#include "store/root_access.h"
#include "store/secrets.h"
#include "store/storage_access.h"
#include "util/terminal_sinks.h"

namespace mdbop {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

// A MariaDB's status.restore that some Restore handed over and the MariaDB has not finished.
bool hand_over_in_flight(const json& handed) {
  const std::string phase = handed.value("phase", "");
  return !handed.empty() && phase != "Done" && phase != "Failed";
}

// status.startedAt: when the restore first left Pending (its duration is timed from there).
void note_started(json& status) {
  if (!status.contains("startedAt")) status["startedAt"] = rfc3339_now();
}

std::string backup_kind_of(Store& store, const std::string& namespace_, const RestoreSpec& spec) {
  if (!spec.source.backup_ref_kind.empty()) return spec.source.backup_ref_kind;
  return store.exists({"Backup", namespace_, spec.source.backup_ref}) ? "Backup" : "PhysicalBackup";
}

}  // namespace

RestoreReconciler::RestoreReconciler(Store& store, NodeAgent& agent, fs::path home, ObjectKey key)
    : ObjectReconciler(store, std::move(key), agent.nodes_are_pods()),
      agent_(agent),
      home_(std::move(home)) {}

ReceivedBackup RestoreReconciler::received() const {
  ReceivedBackup received{key_.namespace_, key_.name};
  const std::string mariadb = restore_spec_from(object_).mariadb;
  const std::string recorded =
      object_.value("status", json::object()).value("receivingPod", std::string());
  if (auto node = node_id_from_pod(key_.namespace_, recorded); node && node->mariadb == mariadb) {
    received.node = *node;
    return received;
  }
  auto target = store_.get({"MariaDB", key_.namespace_, mariadb});
  received.node = {key_.namespace_, mariadb,
                   target ? primary_pod_index_within_replicas(mariadb_spec_from(*target)) : 0};
  return received;
}

void RestoreReconciler::clean_up_deleted() {
  // The MariaDB withdraws a hand-over it has not started on once this Restore is gone; one
  // under way keeps the prepared data, which the MariaDB removes when it is done.
  auto mariadb = store_.get({"MariaDB", key_.namespace_, restore_spec_from(object_).mariadb});
  const json handed =
      mariadb ? mariadb->value("status", json::object()).value("restore", json::object())
              : json::object();
  const std::string phase = handed.value("phase", "");
  const bool in_use = handed.value("uid", "") == object_["metadata"].value("uid", "") &&
                      (phase == "Replacing" || phase == "Starting");
  if (!in_use) agent_.discard_received(received());
}

std::chrono::milliseconds RestoreReconciler::reconcile_object() {
  const json status = object_.value("status", json::object());
  const std::string phase = status.value("phase", "");
  if (phase == "Complete" || phase == "Failed") return 60s;

  const RestoreSpec spec = restore_spec_from(object_);
  if (!store_.exists({"MariaDB", key_.namespace_, spec.mariadb})) {
    set_phase("Pending", "waiting for MariaDB " + spec.mariadb + " to exist");
    return 2s;
  }
  auto source = open_source(spec);
  if (!source) {
    failed("SourceUnavailable", source.error().what());
    return 60s;
  }
  auto artifact = choose(spec, *source);
  if (!artifact) {
    failed("NoArtifact", artifact.error().message);
    return 60s;
  }
  return artifact->method == "logical" ? restore_logical(spec, *source, *artifact)
                                       : restore_physical(spec, *source, *artifact);
}

Result<RestoreReconciler::Source> RestoreReconciler::open_source(const RestoreSpec& spec) {
  if (!spec.source.point_in_time_recovery.empty()) return open_point_in_time_source(spec);
  Source source;
  if (!spec.source.backup_ref.empty()) {
    const std::string kind = backup_kind_of(store_, key_.namespace_, spec);
    auto backup = store_.get({kind, key_.namespace_, spec.source.backup_ref});
    if (!backup) {
      return fail_field("spec.backupRef", kind + " " + spec.source.backup_ref +
                                              " not found in namespace " + key_.namespace_);
    }
    auto artifacts = open_backup_artifacts(store_, *backup, home_);
    if (!artifacts) return tl::unexpected(artifacts.error());
    source.storage = std::move(artifacts->storage);
    source.base_storage = std::move(artifacts->base_storage);
    source.location = artifacts->location;
    source.encryption_secret = artifacts->encryption_secret;
    source.backup = key_.namespace_ + "/" + spec.source.backup_ref;
    return source;
  }
  auto opened = open_storage(store_, key_.namespace_, *spec.source.storage, home_, "spec");
  if (!opened) return tl::unexpected(opened.error());
  source.storage = std::move(*opened);
  source.location = describe_storage(*spec.source.storage, home_);
  if (spec.source.encryption_key) {
    auto secret =
        resolve_secret_value(store_, key_.namespace_, *spec.source.encryption_key, json::object());
    if (!secret) return fail_field("spec.encryption.keySecretKeyRef", secret.error().message);
    source.encryption_secret = *secret;
  }
  return source;
}

Result<ArtifactManifest> RestoreReconciler::choose(const RestoreSpec& spec, Source& source) {
  auto catalog = read_catalog(*source.storage, source.backup);
  if (!catalog) return fail("listing " + source.location + ": " + catalog.error().message);
  // Once chosen, the artifact is fixed: a newer backup must not change a restore midway.
  const std::string chosen =
      object_.value("status", json::object()).value("artifact", json::object()).value("id", "");
  std::optional<SysSeconds> target;
  if (spec.source.target_recovery_time) {
    target = std::chrono::floor<std::chrono::seconds>(*spec.source.target_recovery_time);
  }
  // bootstrapFrom.backupContentType / backupRef.kind narrow the choice to one method; a restore
  // to a moment replays the archive on a physical base.
  const bool to_moment = !spec.source.point_in_time_recovery.empty();
  // Bases whose data turned out to hold transactions after the target (pass_over).
  const json passed_over =
      object_.value("status", json::object()).value("passedOverBases", json::array());
  std::vector<ArtifactManifest> candidates;
  for (const ArtifactManifest& a : catalog->artifacts) {
    if (std::find(passed_over.begin(), passed_over.end(), a.id) != passed_over.end()) continue;
    const bool physical = a.method == "physical";
    if (to_moment
            ? physical
            : !spec.source.method || physical == (*spec.source.method == BackupMethod::kPhysical)) {
      candidates.push_back(a);
    }
  }
  auto artifact =
      to_moment && chosen.empty()
          ? choose_base(spec, candidates)
          : choose_artifact(candidates, target, chosen.empty() ? spec.source.artifact : chosen);
  if (!artifact) {
    std::string passed;
    for (const json& id : passed_over) {
      passed += (passed.empty() ? "" : ", ") + (id.is_string() ? id.get<std::string>() : id.dump());
    }
    return fail(source.location + ": " + artifact.error().message +
                (passed.empty() ? std::string()
                                : " (passed over, their data holding transactions after the "
                                  "target: " +
                                      passed + ")"));
  }
  if (chosen.empty()) {
    event("Normal", "ArtifactChosen",
          artifact->method + " artifact " + artifact->id + " finished " +
              format_rfc3339(artifact->finished) + " from " + artifact->pod);
    auto updated = store_.update_status(key_, [&](json& status) {
      status["artifact"] = artifact_status(*artifact, source.storage->location(artifact->data_key));
    });
    if (updated) object_ = *updated;
  }
  return artifact;
}

std::chrono::milliseconds RestoreReconciler::restore_logical(const RestoreSpec& spec,
                                                             Source& source,
                                                             const ArtifactManifest& artifact) {
  if (!spec.prepare_args.empty()) {
    object_ = warn_about_field_once(
        store_, key_, object_, "spec.mariabackup.extraArgs", "FieldIgnored",
        "spec.mariabackup.extraArgs is kept but not used: " + artifact.id +
            " is a logical backup, which is replayed, not prepared by mariadb-backup");
  }
  // Replays run inside one pass: a recorded Replaying phase means an operator died mid-replay.
  if (object_.value("status", json::object()).value("phase", "") == "Replaying") {
    failed("ReplayInterrupted",
           "the operator stopped while replaying " + artifact.id + "; " + spec.mariadb +
               " may be partially restored. Create a new Restore to replay it again");
    return 60s;
  }
  auto mariadb = store_.get({"MariaDB", key_.namespace_, spec.mariadb});
  if (!mariadb || !condition_is_true(*mariadb, "Ready")) {
    set_phase("WaitingForMariaDB", "waiting for MariaDB " + spec.mariadb + " to be Ready");
    return 2s;
  }
  auto access = root_access(store_, *mariadb);
  if (!access) {
    set_phase("WaitingForMariaDB",
              "cannot reach " + spec.mariadb + " as root yet: " + access.error().message);
    return 2s;
  }
  const std::string primary = access->node.pod();
  auto progress = [&](const BackupProgress& p) { report_progress(p, artifact.stored_bytes); };
  const auto started = std::chrono::steady_clock::now();

  // First a whole read that checks digest and decryption: the target is untouched so far.
  set_phase("Verifying", "checking the SHA-256 and decryption of " + artifact.id);
  NullSink discard;
  if (auto verified =
          read_artifact(*source.storage, artifact, source.encryption_secret, discard, progress);
      !verified) {
    failed("ArtifactRejected", verified.error().message + "; " + spec.mariadb + " was not touched");
    return 60s;
  }

  set_phase("Replaying", "replaying " + artifact.id + " into " + primary);
  auto replay = agent_.replay_sql(access->node, access->password, spec.database);
  if (!replay) {
    failed("ReplayFailed", replay.error().message + "; " + spec.mariadb + " was not touched");
    return 60s;
  }
  Result<void> replayed =
      read_artifact(*source.storage, artifact, source.encryption_secret, **replay, progress);
  replay->reset();
  if (!replayed) {
    failed("ReplayFailed", replayed.error().message + "; " + spec.mariadb +
                               " is partially restored: the statements before the failure were "
                               "applied. Fix the cause and create a new Restore to replay it "
                               "again");
    return 60s;
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  complete(fmt::format("replayed {} ({:.1f} MB) into {} through {} in {:.1f}s", artifact.id,
                       static_cast<double>(artifact.source_bytes) / 1e6, spec.mariadb, primary,
                       seconds));
  return 60s;
}

std::chrono::milliseconds RestoreReconciler::stopped_while(const std::string& doing) {
  set_phase("Pending", "the operator stopped while " + doing +
                           "; the next operator starts again from the artifact");
  return 1s;
}

std::optional<std::chrono::milliseconds> RestoreReconciler::try_again_later(
    const std::string& doing, const Error& error) {
  constexpr int kAttempts = 3;
  if (error.code != ErrorCode::kUnavailable || !agent_.nodes_are_pods()) return std::nullopt;
  const int attempts = object_.value("status", json::object()).value("receiveAttempts", 1);
  if (attempts >= kAttempts) return std::nullopt;
  auto counted =
      store_.update_status(key_, [&](json& status) { status["receiveAttempts"] = attempts + 1; });
  if (counted) object_ = *counted;
  set_phase("Pending",
            fmt::format("{} in {} failed ({}); trying again from the artifact (attempt "
                        "{} of {})",
                        doing, received().node.pod(), error.message, attempts + 1, kAttempts));
  return 10s;
}

std::chrono::milliseconds RestoreReconciler::restore_physical(const RestoreSpec& spec,
                                                              Source& source,
                                                              const ArtifactManifest& artifact) {
  const ObjectKey mariadb_key{"MariaDB", key_.namespace_, spec.mariadb};
  auto mariadb = store_.get(mariadb_key);
  if (!mariadb) return 2s;
  const json handed = mariadb->value("status", json::object()).value("restore", json::object());
  if (handed.value("name", "") == key_.name &&
      handed.value("uid", "") == object_["metadata"].value("uid", "")) {
    const std::string phase = handed.value("phase", "");
    if (phase == "Done") {
      agent_.discard_received(received());
      const json moment =
          object_.value("status", json::object()).value("pointInTime", json::object());
      complete("every node of " + spec.mariadb + " now runs the data of " + artifact.id +
               (moment.contains("recoveredGtid")
                    ? " with the archived transactions up to GTID " +
                          moment.value("recoveredGtid", "") + " (committed " +
                          moment.value("recoveredTime", "") + ")"
                    : std::string()));
      return 60s;
    }
    if (phase == "Failed") {
      agent_.discard_received(received());
      failed("RestoreFailed", spec.mariadb + " did not take the restored data: " +
                                  handed.value("message", std::string("gave up")));
      return 60s;
    }
    set_phase("Restoring", spec.mariadb + " is replacing its nodes' data (" + phase + ")");
    return 1s;
  }
  if (object_.value("status", json::object()).contains("handOver")) {
    set_phase("Restoring",
              artifact.id + " is prepared; waiting for " + spec.mariadb + " to take it up" +
                  (hand_over_in_flight(handed) ? " after restore " + handed.value("name", "")
                                               : std::string()));
    return 1s;
  }
  if (hand_over_in_flight(handed)) {
    set_phase("Pending", "waiting for restore " + handed.value("name", "") + " of " + spec.mariadb +
                             " to finish");
    return 5s;
  }

  // A restore to a moment plans its replay first: a target it cannot reach is refused (strict)
  // or said (not strict) before anything is received.
  std::optional<ArchiveReplay> archive;
  if (!spec.source.point_in_time_recovery.empty()) {
    auto planned = plan_archive_replay(spec, artifact);
    if (!planned) {
      failed(planned.error().code == ErrorCode::kNotFound ||
                     planned.error().code == ErrorCode::kInvalid
                 ? "TargetUnreachable"
                 : "ArchiveUnreadable",
             planned.error().message + "; " + spec.mariadb + " was not touched");
      return 60s;
    }
    if (refuse_beyond_archive(spec, *planned)) return 60s;
    if (planned->beyond_archive) {
      event("Warning", "TargetBeyondArchive",
            fmt::format("the target {} is beyond the archive: it ends at sequence {} (committed "
                        "{}); restoring to the newest archived transaction instead (strictMode "
                        "would refuse)",
                        planned->target, planned->plan.last_sequence,
                        format_unix_seconds(planned->plan.last_commit_time)));
    }
    archive = std::move(*planned);
  }

  // Unpack (checking digest and decryption on the way in) and prepare, away from the target.
  // An incremental artifact: its chain, full first, each applied on the prepared data.
  auto chain = read_chain(artifact, *source.storage, source.base_storage.get());
  if (!chain) {
    const bool artifacts_fault =
        chain.error().code == ErrorCode::kNotFound || chain.error().code == ErrorCode::kCorrupt;
    failed(artifacts_fault ? "ArtifactRejected" : "SourceUnavailable",
           chain.error().message + "; " + spec.mariadb + " was not touched");
    return 60s;
  }
  // Where it is received stays fixed from here on: the MariaDB installs it there.
  if (!object_.value("status", json::object()).contains("receivingPod")) {
    const std::string pod = received().node.pod();
    auto recorded = store_.update_status(key_, [&](json& status) { status["receivingPod"] = pod; });
    if (!recorded) return 2s;
    object_ = *recorded;
  }
  set_phase(
      "Preparing",
      "unpacking and preparing " + artifact.id +
          (chain->size() > 1 ? " on the full backup " + chain->front().manifest.id + " and the " +
                                   std::to_string(chain->size() - 2) + " incremental ones between"
                             : std::string()) +
          " in " + agent_.describe_received(received()));
  for (std::size_t i = 0; i < chain->size(); ++i) {
    const ArtifactManifest& link = (*chain)[i].manifest;
    BackupStorage& storage = *(*chain)[i].storage;
    auto progress = [&](const BackupProgress& p) { report_progress(p, link.stored_bytes); };
    auto extractor =
        i == 0 ? agent_.receive_backup(received()) : agent_.receive_incremental(received());
    if (!extractor && (extractor.error().code == ErrorCode::kUnavailable ||
                       extractor.error().code == ErrorCode::kNotFound)) {
      // Its place cannot receive yet (a pod not made yet, or whose agent does not serve): not
      // the artifact's fault.
      agent_.discard_received(received());
      set_phase("Pending", "waiting to receive " + link.id + " in " + received().node.pod() + ": " +
                               extractor.error().message);
      return 5s;
    }
    Result<void> unpacked = extractor ? Result<void>() : tl::unexpected(extractor.error());
    if (unpacked) {
      unpacked = read_artifact(storage, link, source.encryption_secret, **extractor, progress);
      extractor->reset();
      // mbstream giving up on a damaged byte is reported as the damage it is.
      if (!unpacked) unpacked = tl::unexpected(judge_failed_read(unpacked.error(), storage, link));
    }
    if (!unpacked) {
      agent_.discard_received(received());
      if (auto later = try_again_later("receiving " + link.id, unpacked.error())) return *later;
      failed("ArtifactRejected",
             unpacked.error().message + "; " + spec.mariadb + " was not touched");
      return 60s;
    }
    const auto should_stop = [this] { return stopping_.load(); };
    auto prepared =
        i == 0 ? agent_.prepare_received(received(), spec.prepare_args, should_stop)
               : agent_.apply_received_incremental(received(), spec.prepare_args, should_stop);
    if (!prepared) {
      agent_.discard_received(received());
      if (stopping_) return stopped_while("preparing " + link.id);
      if (auto later = try_again_later("preparing " + link.id, prepared.error())) return *later;
      failed("PrepareFailed", (chain->size() > 1 ? link.id + ": " : std::string()) +
                                  prepared.error().message + "; " + spec.mariadb +
                                  " was not touched");
      return 60s;
    }
  }
  std::string replay_summary;
  if (archive) {
    // The replay continues from the data itself, not from what mariadb-backup recorded.
    auto recovered = agent_.recover_received_position(received());
    if (!recovered) {
      agent_.discard_received(received());
      failed("PrepareFailed", "reading the position of " + artifact.id +
                                  "'s prepared data: " + recovered.error().message + "; " +
                                  spec.mariadb + " was not touched");
      return 60s;
    }
    auto corrected = plan_from_the_prepared_data(*archive, artifact, *recovered);
    if (!corrected) {
      agent_.discard_received(received());
      if (corrected.error().code == ErrorCode::kConflict) {
        pass_over(artifact, corrected.error().message);
        set_phase("Pending", "choosing a base backup older than " + artifact.id);
        return 1s;
      }
      const ErrorCode code = corrected.error().code;
      failed(code == ErrorCode::kCorrupt                                   ? "ArtifactRejected"
             : code == ErrorCode::kNotFound || code == ErrorCode::kInvalid ? "TargetUnreachable"
                                                                           : "ArchiveUnreadable",
             corrected.error().message + "; " + spec.mariadb + " was not touched");
      return 60s;
    }
    if (!corrected->message.empty()) event(corrected->type, corrected->reason, corrected->message);
    if (refuse_beyond_archive(spec, *archive)) {
      agent_.discard_received(received());
      return 60s;
    }
    set_phase("Replaying",
              fmt::format("replaying {} archived segment(s) on {} up to {}",
                          archive->plan.segments.size(), artifact.id, archive->target));
    auto replayed = replay_archive(*archive);
    if (!replayed) {
      agent_.discard_received(received());
      if (stopping_) return stopped_while("replaying the archive on " + artifact.id);
      if (auto later =
              try_again_later("replaying the archive on " + artifact.id, replayed.error())) {
        return *later;
      }
      failed("ReplayFailed", replayed.error().message + "; " + spec.mariadb + " was not touched");
      return 60s;
    }
    replay_summary = describe_replayed(*replayed, artifact);
    auto noted = store_.update_status(key_, [&](json& status) {
      status["pointInTime"] = {{"target", archive->target},
                               {"beyondArchive", archive->beyond_archive},
                               {"baseGtid", archive->plan.range.start_after.text()},
                               {"transactions", replayed->transactions}};
      if (!replayed->last_gtid.empty()) {
        status["pointInTime"]["recoveredGtid"] = replayed->last_gtid;
        status["pointInTime"]["recoveredTime"] = format_unix_seconds(replayed->commit_time);
      }
    });
    if (noted) object_ = *noted;
    event("Normal", "ArchiveReplayed", replay_summary);
  }

  // The offer, in this Restore's own status: the MariaDB's reconciler takes it up into its
  // status.restore (which only it writes) and replaces its nodes' data.
  auto offered = store_.update_status(key_, [&](json& status) {
    status["handOver"] = {{"artifact", artifact.id}, {"preparedAt", rfc3339_now()}};
  });
  if (!offered) {
    agent_.discard_received(received());
    failed("RestoreFailed", "offering the data to " + spec.mariadb + ": " +
                                offered.error().message + "; it was not touched");
    return 60s;
  }
  object_ = *offered;
  event("Normal", "DataPrepared",
        artifact.id + " verified and prepared" +
            (replay_summary.empty() ? "" : " (" + replay_summary + ")") + "; " + spec.mariadb +
            " replaces its nodes' data next");
  set_phase("Restoring",
            artifact.id + " is prepared; waiting for " + spec.mariadb + " to take it up");
  return 1s;
}

void RestoreReconciler::report_progress(const BackupProgress& progress, std::uint64_t total_bytes) {
  const auto rate = progress.seconds > 0
                        ? static_cast<std::uint64_t>(progress.stored_bytes / progress.seconds)
                        : 0;
  store_.update_status(key_, [&](json& status) {
    status["progress"] = {
        {"bytes", progress.stored_bytes}, {"totalBytes", total_bytes}, {"bytesPerSecond", rate}};
  });
}

void RestoreReconciler::set_phase(const std::string& phase, const std::string& message) {
  auto updated = store_.update_status(key_, [&](json& status) {
    if (status.value("phase", "") != phase) status["phaseSince"] = rfc3339_now();
    if (phase != "Pending") note_started(status);
    status["phase"] = phase;
    status["message"] = message;
    status["observedGeneration"] = object_["metadata"].value("generation", 0LL);
    set_condition(status, "Complete", false, phase, message,
                  object_["metadata"].value("generation", 0LL));
  });
  if (updated) object_ = *updated;
}

void RestoreReconciler::complete(const std::string& message) {
  event("Normal", "RestoreComplete", message);
  auto updated = store_.update_status(key_, [&](json& status) {
    note_started(status);
    status["phase"] = "Complete";
    status["message"] = message;
    status["finishedAt"] = rfc3339_now();
    set_condition(status, "Complete", true, "Restored", message,
                  object_["metadata"].value("generation", 0LL));
  });
  if (updated) object_ = *updated;
}

void RestoreReconciler::failed(const std::string& reason, const std::string& message) {
  event("Warning", reason, message);
  auto updated = store_.update_status(key_, [&](json& status) {
    note_started(status);
    status["phase"] = "Failed";
    status["message"] = message;
    status["finishedAt"] = rfc3339_now();
    set_condition(status, "Complete", false, reason, message,
                  object_["metadata"].value("generation", 0LL));
  });
  if (updated) object_ = *updated;
}

}  // namespace mdbop
