#include "controller/backup/backup_reconciler.h"

#include <spdlog/spdlog.h>

#include "agent/verify_area.h"
#include "backup/incremental_chain.h"
#include "backup/retention.h"
#include "backup/take_backup.h"
#include "backup/verify_artifact.h"
#include "controller/backup/artifact_verification.h"
#include "controller/backup/backup_target.h"
#include "controller/conditions.h"
#include "controller/event_log.h"
#include "controller/field_warnings.h"
#include "controller/status_totals.h"
#include "schedule/cron_expression.h"
#include "schedule/next_run.h"
#include "schedule/time_zone.h"
#include "store/root_access.h"
#include "store/secrets.h"
#include "store/storage_access.h"

namespace mdbop {

using namespace std::chrono_literals;

namespace {

// Runs of one series (a one-shot Backup, or one schedule slot) before giving up.
constexpr int kMaxAttempts = 5;
constexpr auto kArtifactListingInterval = 60s;

std::optional<SysSeconds> time_at(const json& status, const char* field) {
  if (!status.contains(field) || !status[field].is_string()) return std::nullopt;
  auto parsed = parse_rfc3339_seconds(status[field].get<std::string>());
  return parsed ? std::optional(*parsed) : std::nullopt;
}

// How long a pass may wait for the next run due at `next` (none: only for changes).
std::chrono::milliseconds until_due(const std::optional<SysSeconds>& next, SysSeconds now) {
  if (!next) return 30s;
  return std::clamp<std::chrono::milliseconds>(
      std::chrono::duration_cast<std::chrono::milliseconds>(*next - now), 50ms, 30s);
}

std::string megabytes(std::uint64_t bytes) {
  return fmt::format("{:.1f} MB", static_cast<double>(bytes) / 1e6);
}

// Said in the Complete condition of a run whose artifact could not be checked.
const std::string kNotVerifiedYet =
    "not verified yet: its check could not be done (see the VerificationUnchecked event)";

}  // namespace

BackupReconciler::BackupReconciler(Store& store, NodeAgent& agent, std::filesystem::path home,
                                   ObjectKey key)
    : ObjectReconciler(store, std::move(key), agent.nodes_are_pods()),
      agent_(agent),
      home_(std::move(home)) {}

// mariadb-backup's --compress would make qpress output that nothing here can decompress, so a
// backup taken with it could not be restored: mdbop's compression stands in for it.
void BackupReconciler::warn_compress_translated(const BackupSpec& spec) {
  std::string options;
  for (const std::string& option : spec.translated_options) {
    options += (options.empty() ? "" : " ") + option;
  }
  const std::string threads = spec.compression_threads > 0 && spec.compression == "zstd"
                                  ? fmt::format(" on {} threads", spec.compression_threads)
                                  : "";
  object_ = warn_about_field_once(
      store_, key_, object_, "spec.mariabackup.extraArgs: --compress", "CompressionTranslated",
      options +
          " would make qpress output, which mdbop cannot restore: left out of the "
          "mariadb-backup command; mdbop compresses the backup with " +
          spec.compression + threads + " instead (spec.compression)");
}

void BackupReconciler::clean_up_deleted() {
  event("Normal", "Deleted", "backup schedule removed; stored artifacts are kept");
}

std::chrono::milliseconds BackupReconciler::reconcile_object() {
  const BackupSpec spec = backup_spec_from(object_);
  if (!spec.translated_options.empty()) warn_compress_translated(spec);
  const std::string location = describe_storage(spec.storage, home_);

  auto storage = open_storage(store_, key_.namespace_, spec.storage, home_, "spec.storage");
  if (!storage) {
    const SysSeconds now = now_seconds();
    const Due due_now = due(spec, now);
    if (due_now.reason.empty()) {
      // Shown, but not as a failed run: a retry's backoff counts from the last failed run's
      // lastFailureTime, which a refresh at every look would push back for as long as the
      // storage stays unavailable.
      set_failed("StorageUnavailable", storage.error().what(), false);
      return until_due(due_now.next, now);
    }
    // A run that was due fails before it can start: it counts, and is retried, as any failed
    // run.
    set_failed("StorageUnavailable", storage.error().what(), true);
    count_failed_run(spec, request_for(due_now.reason, now), false);
    return 1s;
  }
  if (!clean_interrupted_run(spec, storage->get())) return 10s;
  // Listing the artifacts is what tells an unavailable storage from one that answers again.
  const bool shown_unavailable = condition_reason(object_, "Complete") == "StorageUnavailable";
  if (shown_unavailable ||
      std::chrono::steady_clock::now() - artifacts_listed_ > kArtifactListingInterval) {
    if (refresh_artifacts(**storage, location) && shown_unavailable) {
      show_storage_answers(spec, location);
    }
  }
  if (spec.verify_after_backup) recheck_due_artifact(spec, **storage);

  const SysSeconds now = now_seconds();
  const Due due_now = due(spec, now);
  if (due_now.reason.empty()) {
    store_.update_status(key_, [&](json& status) {
      status["observedGeneration"] = generation();
      if (due_now.next) {
        status["nextScheduleTime"] = format_rfc3339(*due_now.next);
      } else {
        status.erase("nextScheduleTime");
      }
      // A failure stays in the phase until the next success, unless the schedule is suspended:
      // then nothing is due, and alerts on a stale backup must see that.
      if (spec.schedule && (spec.schedule->suspend || status.value("phase", "") != "Failed")) {
        status["phase"] = spec.schedule->suspend ? "Suspended" : "Scheduled";
      }
    });
    return until_due(due_now.next, now_seconds());
  }

  auto taken = run_backup(spec, **storage, due_now.reason);
  if (taken) return 0ms;  // pruned and listed before it was marked Complete
  refresh_artifacts(**storage, location);
  return 1s;
}

BackupReconciler::Due BackupReconciler::due(const BackupSpec& spec, SysSeconds now) {
  const json status = object_.value("status", json::object());
  const std::string run_now =
      object_["metadata"].value("annotations", json::object()).value(kRunNowAnnotation, "");
  if (!run_now.empty() && run_now != status.value("lastRunNow", "")) return {"RunNow", {}};

  if (!spec.schedule) {
    if (status.contains("lastSuccessTime")) return {};
    const int attempts = status.value("attempts", 0);
    if (attempts >= kMaxAttempts) return {};
    if (attempts == 0) return {"Once", {}};
    // Retries back off: 10 s, 20 s, 40 s, 80 s.
    const auto retry_at = time_at(status, "lastFailureTime").value_or(now) +
                          std::chrono::seconds(10 << (attempts - 1));
    if (now >= retry_at) return {"Retry", {}};
    return {"", retry_at};
  }

  // The operator's form of "run now": each new onDemand value takes one backup.
  if (!spec.schedule->on_demand.empty() &&
      spec.schedule->on_demand != status.value("lastScheduleOnDemand", "")) {
    return {"OnDemand", {}};
  }
  if (spec.schedule->suspend || spec.schedule->cron.empty()) return {};
  auto cron = parse_cron(spec.schedule->cron);
  auto zone = find_time_zone(spec.schedule->time_zone);
  if (!cron || !zone) return {};  // validation refused these already
  const auto last = time_at(status, "lastScheduleTime");
  if (!last && spec.schedule->immediate) return {"Scheduled", {}};
  const SysSeconds base =
      last.value_or(time_at(object_["metadata"], "creationTimestamp").value_or(now));
  // Missed runs (the operator was down) collapse into one.
  const auto next = next_run_after(*cron, *zone, base);
  if (next && *next <= now) return {"Scheduled", {}};
  // A failed run is retried like a one-shot Backup's (10 s, 20 s, ...) while its slot lasts:
  // a cluster that was briefly not Ready at 02:00 still gets that night's backup.
  const int attempts = status.value("attempts", 0);
  const auto failed_at = time_at(status, "lastFailureTime");
  if (attempts > 0 && attempts < kMaxAttempts && failed_at && last && *failed_at >= *last) {
    const auto retry_at = *failed_at + std::chrono::seconds(10 << (attempts - 1));
    if (!next || retry_at < *next) {
      if (now >= retry_at) return {"Retry", {}};
      return {"", retry_at};
    }
  }
  return {"", next};
}

bool BackupReconciler::clean_interrupted_run(const BackupSpec& spec, BackupStorage* storage) {
  const json status = object_.value("status", json::object());
  if (!status.contains("currentRun")) return true;
  // Runs happen inside a pass of this reconciler, so a run recorded now belongs to an operator
  // that died. Its scratch may hold the root password: it goes first, with a check's area.
  const std::string id = status["currentRun"].value("id", "");
  if (!id.empty()) {
    agent_.clean_backup_run(key_.namespace_, id);
    if (auto source = node_id_from_pod(key_.namespace_, status["currentRun"].value("pod", ""))) {
      VerifyArea(agent_, *source, id).discard();
    }
  }
  // It may have died after writing the manifest: then the artifact is complete and is kept.
  if (storage != nullptr && !id.empty()) {
    auto text = storage->read_all(manifest_key(id));
    if (!text && !is_not_found(text.error())) {
      // Unreadable is not absent: the artifact may be complete, and is not removed on a guess.
      set_failed("StorageUnavailable",
                 "reading the manifest of the interrupted run " + id + ": " + text.error().message +
                     "; the run stays in status.currentRun until it can be read",
                 false);
      return false;
    }
    auto manifest = text ? parse_manifest(*text) : Result<ArtifactManifest>(fail("absent"));
    if (manifest && manifest->id == id) {
      std::string summary = id + " was complete when the operator stopped; kept (" +
                            storage->location(manifest->data_key) + ")";
      if (spec.verify_after_backup) {
        // It may have died checking it: the check is done again.
        show_verifying(id);
        const ArtifactCheck check = check_artifact(*manifest, *storage, encryption_secret(spec));
        if (check.outcome == CheckOutcome::kFailed) {
          set_failed("VerificationFailed", check.message, true);
          count_failed_run(spec, RunRequest{}, true);
          return true;
        }
        if (check.outcome == CheckOutcome::kUnchecked && stopping_) return false;
        if (check.outcome == CheckOutcome::kUnchecked) summary += "; " + kNotVerifiedYet;
      }
      event("Normal", "BackupComplete", summary);
      // Its duration as the manifest records it: the run's own clock died with the operator.
      record_success(spec, *storage, *manifest,
                     std::chrono::duration<double>(manifest->finished - manifest->started).count(),
                     summary);
      return true;
    }
  }
  // Otherwise its data object (if any) is a half artifact without a manifest.
  std::string outcome = "; its partial data was removed";
  if (storage == nullptr || id.empty()) {
    outcome = "";
  } else if (auto removed = storage->remove_folder(id); !removed) {
    outcome = "; removing its partial data failed: " + removed.error().message;
  }
  const std::string message = "the run " + id + " was interrupted (the operator stopped)" + outcome;
  event("Warning", "BackupInterrupted", message);
  auto updated = store_.update_status(key_, [&](json& s) {
    s.erase("currentRun");
    // Counted like a failure, so that a run that kills the operator is not retried forever.
    s["attempts"] = s.value("attempts", 0) + 1;
    count_in_totals(s, "failures");
    s["lastFailureTime"] = rfc3339_now();
    s["lastFailureReason"] = message;
  });
  if (updated) object_ = *updated;
  return true;
}

Result<ArtifactManifest> BackupReconciler::run_backup(const BackupSpec& spec,
                                                      BackupStorage& storage,
                                                      const std::string& reason) {
  const auto started_at = std::chrono::system_clock::now();
  const SysSeconds started = std::chrono::floor<std::chrono::seconds>(started_at);
  const RunRequest run_request = request_for(reason, started);
  bool run_started = false;  // recorded in status.currentRun (and counted as an attempt)
  auto failed = [&](const std::string& why, const std::string& message) {
    set_failed(why, message, true);
    count_failed_run(spec, run_request, run_started);
    return fail(message);
  };

  auto mariadb = store_.get({"MariaDB", key_.namespace_, spec.mariadb});
  if (!mariadb) return failed("MariaDBNotFound", "MariaDB " + spec.mariadb + " not found");
  const std::string mariadb_name = key_.namespace_ + "/" + spec.mariadb;
  // An incremental backup continues the newest artifact of its chain, from that one's node.
  std::vector<ArtifactManifest> chain_candidates;
  std::optional<ArtifactManifest> newest;
  if (spec.method == BackupMethod::kPhysical && spec.incremental) {
    auto candidates = incremental_candidates(spec, storage);
    if (!candidates) {
      return failed("StorageUnavailable", "listing the backups an incremental one may continue: " +
                                              candidates.error().message);
    }
    chain_candidates = std::move(*candidates);
    newest = newest_chain_candidate(chain_candidates, mariadb_name);
  }
  auto pod = choose_backup_pod(mariadb->value("status", json::object()), spec.target,
                               newest ? newest->pod : "");
  if (!pod) return failed("NoNodeToBackUp", pod.error().message);
  auto access = root_access(store_, *mariadb, *pod);
  if (!access) return failed("CannotLogIn", access.error().message);
  BackupStreamRequest stream;
  std::string kind = spec.method == BackupMethod::kPhysical ? "physical" : "logical";
  TakeBackupRequest request;
  if (spec.method == BackupMethod::kPhysical && spec.incremental) {
    auto lineage = agent_.data_lineage(access->node);
    if (!lineage) {
      return failed("BackupFailed",
                    "reading the lineage of " + *pod + "'s data: " + lineage.error().message);
    }
    const IncrementalPlan plan =
        plan_incremental(chain_candidates, mariadb_name, *pod, *lineage,
                         failed_verifications(object_.value("status", json::object())));
    if (plan.base) {
      stream.incremental_from_lsn = plan.base->to_lsn;
      stream.lineage = *lineage;
      request.incremental_base = plan.base->id;
      request.incremental_from_lsn = plan.base->to_lsn;
      kind = "incremental physical";
    } else if (!plan.why_full.empty()) {
      event("Warning", "IncrementalBecameFull",
            "taking a full backup instead of an incremental one: " + plan.why_full);
    }
  }
  auto id = new_artifact_id(storage, key_.name, started_at);
  if (!id) return failed("BackupFailed", "choosing the artifact's folder: " + id.error().message);
  request.id = *id;
  request.method = spec.method == BackupMethod::kPhysical ? "physical" : "logical";
  request.backup = key_.namespace_ + "/" + key_.name;
  request.backup_uid = object_["metadata"].value("uid", "");
  request.mariadb = mariadb_name;
  request.pod = *pod;
  request.binlog_history =
      mariadb->value("status", json::object()).value("binlogHistory", std::string());
  request.compression = spec.compression;
  if (spec.compression_threads > 0) request.compression_threads = spec.compression_threads;
  stream.run = request.id;
  stream.method = request.method;
  stream.root_password = access->password;
  stream.extra_args = spec.extra_args;
  stream.databases = spec.databases;
  if (spec.timeout) stream.timeout = *spec.timeout;
  auto secret = encryption_secret(spec);
  if (!secret) return failed("EncryptionKeyMissing", secret.error().message);
  request.encryption_secret = *secret;

  // Recorded before anything is written: if this operator dies, the next one cleans up.
  auto recorded = store_.update_status(key_, [&](json& status) {
    use_up_request(status, spec, run_request);
    count_in_totals(status, "attempts");
    status["phase"] = "Running";
    status["currentRun"] = {{"id", request.id},   {"reason", reason},
                            {"pod", *pod},        {"startedAt", format_rfc3339(started)},
                            {"sourceBytes", 0},   {"storedBytes", 0},
                            {"bytesPerSecond", 0}};
    // Kept from retention while this run streams (bases_needed_elsewhere).
    if (!request.incremental_base.empty()) {
      status["currentRun"]["incrementalBase"] = request.incremental_base;
    }
    set_condition(status, "Complete", false, "Running",
                  "taking " + kind + " backup " + request.id + " from " + *pod, generation());
  });
  if (!recorded) return tl::unexpected(recorded.error());
  run_started = true;
  event("Normal", "BackupStarted",
        kind + " backup " + request.id + " from " + *pod +
            (request.incremental_base.empty() ? "" : " on " + request.incremental_base) + " (" +
            reason + ")");

  auto progress = [&](const BackupProgress& p) {
    store_.update_status(key_, [&](json& status) {
      if (!status.contains("currentRun")) return;
      status["currentRun"]["sourceBytes"] = p.source_bytes;
      status["currentRun"]["storedBytes"] = p.stored_bytes;
      status["currentRun"]["bytesPerSecond"] =
          p.seconds > 0
              ? static_cast<std::uint64_t>(static_cast<double>(p.source_bytes) / p.seconds)
              : 0;
    });
  };
  const auto clock_started = std::chrono::steady_clock::now();
  auto source = [&](ByteSink& out) {
    return agent_.stream_backup(access->node, stream, out, [this] { return stopping_.load(); });
  };
  auto taken = take_backup(request, storage, source, progress);
  if (!taken && stopping_) {
    // Not a failure of the backup: the next operator finds currentRun and cleans up.
    return tl::unexpected(taken.error());
  }
  if (!taken) return failed("BackupFailed", request.id + ": " + taken.error().message);

  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - clock_started).count();
  const std::string summary = fmt::format(
      "{} from {}: {} read, {} stored in {:.1f}s ({:.0f} MB/s) at {}", taken->id, taken->pod,
      megabytes(taken->source_bytes), megabytes(taken->stored_bytes), seconds,
      static_cast<double>(taken->source_bytes) / 1e6 / std::max(seconds, 0.001),
      storage.location(taken->data_key));
  std::string outcome = summary;
  if (spec.verify_after_backup) {
    show_verifying(taken->id);
    const ArtifactCheck check = check_artifact(*taken, storage, request.encryption_secret);
    if (check.outcome == CheckOutcome::kFailed) return failed("VerificationFailed", check.message);
    // As a stopped backup: the next operator finds currentRun and checks the artifact again.
    if (check.outcome == CheckOutcome::kUnchecked && stopping_) return fail(check.message);
    if (check.outcome == CheckOutcome::kUnchecked) outcome += "; " + kNotVerifiedYet;
  }
  event("Normal", "BackupComplete", summary);
  record_success(spec, storage, *taken, seconds, outcome);
  return taken;
}

void BackupReconciler::record_success(const BackupSpec& spec, BackupStorage& storage,
                                      const ArtifactManifest& artifact, double seconds,
                                      const std::string& summary) {
  // Whoever sees Complete also sees the new artifact in status.artifacts.
  prune(spec, storage);
  refresh_artifacts(storage, describe_storage(spec.storage, home_));
  auto done = store_.update_status(key_, [&](json& status) {
    status.erase("currentRun");
    status["attempts"] = 0;
    status["phase"] =
        spec.schedule ? (spec.schedule->suspend ? "Suspended" : "Scheduled") : "Complete";
    status["lastSuccessTime"] = format_rfc3339(artifact.finished);
    status["lastArtifact"] = artifact.id;
    status["lastRunSeconds"] = seconds;
    count_in_totals(status, "successes");
    set_condition(status, "Complete", true, "BackupComplete", summary, generation());
  });
  if (done) object_ = *done;
  // After Complete: removing many segments takes a while, and says nothing of this backup.
  prune_binlog_archives(storage);
}

BackupReconciler::RunRequest BackupReconciler::request_for(const std::string& reason,
                                                           SysSeconds started) const {
  return {reason,
          object_["metadata"].value("annotations", json::object()).value(kRunNowAnnotation, ""),
          started};
}

void BackupReconciler::use_up_request(json& status, const BackupSpec& spec,
                                      const RunRequest& request) {
  if (request.reason == "RunNow") status["lastRunNow"] = request.run_now;
  if (request.reason == "OnDemand") status["lastScheduleOnDemand"] = spec.schedule->on_demand;
  if (request.reason == "Scheduled") {
    status["lastScheduleTime"] = format_rfc3339(request.started);
    status["attempts"] = 0;
  }
}

void BackupReconciler::count_failed_run(const BackupSpec& spec, const RunRequest& request,
                                        bool run_started) {
  auto updated = store_.update_status(key_, [&](json& status) {
    use_up_request(status, spec, request);
    status.erase("currentRun");
    status["attempts"] = status.value("attempts", 0) + 1;
    if (!run_started) count_in_totals(status, "attempts");
    count_in_totals(status, "failures");
  });
  if (updated) object_ = *updated;
}

Result<std::unique_ptr<BackupStorage>> BackupReconciler::open_base_storage(const BackupSpec& spec) {
  if (!spec.incremental_base_storage) return std::unique_ptr<BackupStorage>();
  return open_storage(store_, key_.namespace_, *spec.incremental_base_storage, home_,
                      "spec.mariabackup.incrementalBasePath");
}

Result<std::vector<ArtifactManifest>> BackupReconciler::incremental_candidates(
    const BackupSpec& spec, BackupStorage& storage) {
  auto own = read_catalog(storage, key_.namespace_ + "/" + key_.name);
  if (!own) return tl::unexpected(own.error());
  std::vector<ArtifactManifest> candidates = std::move(own->artifacts);
  auto base_storage = open_base_storage(spec);
  if (!base_storage) return tl::unexpected(base_storage.error());
  if (*base_storage) {
    // Whichever Backup took them: the full backups of the tutorial's weekly Backup.
    auto base = read_catalog(**base_storage, "");
    if (!base) return fail("listing the incrementalBasePath: " + base.error().message);
    candidates.insert(candidates.end(), base->artifacts.begin(), base->artifacts.end());
  }
  return candidates;
}

Result<std::set<std::string>> BackupReconciler::bases_needed_elsewhere(const BackupSpec& spec) {
  std::set<std::string> bases;
  for (const char* kind : {"Backup", "PhysicalBackup"}) {
    for (const json& other : store_.list(kind, key_.namespace_)) {
      const std::string name = other["metadata"].value("name", "");
      if (kind == key_.kind && name == key_.name) continue;
      const BackupSpec other_spec = backup_spec_from(other);
      if (!other_spec.incremental_base_storage ||
          !same_storage(*other_spec.incremental_base_storage, spec.storage, home_)) {
        continue;
      }
      // A run streaming an incremental on one of these now names it in its status only.
      const std::string streaming = other.value("status", json::object())
                                        .value("currentRun", json::object())
                                        .value("incrementalBase", "");
      if (!streaming.empty()) bases.insert(streaming);
      auto storage = open_storage(store_, key_.namespace_, other_spec.storage, home_,
                                  std::string(kind) + " " + name + " spec.storage");
      if (!storage) return tl::unexpected(storage.error());
      auto catalog = read_catalog(**storage, "");
      if (!catalog) return fail(std::string(kind) + " " + name + ": " + catalog.error().message);
      for (const ArtifactManifest& a : catalog->artifacts) {
        if (!a.incremental_base.empty()) bases.insert(a.incremental_base);
      }
    }
  }
  return bases;
}

void BackupReconciler::prune(const BackupSpec& spec, BackupStorage& storage) {
  auto catalog = read_catalog(storage, key_.namespace_ + "/" + key_.name);
  if (!catalog) {
    event("Warning", "RetentionFailed", "listing artifacts: " + catalog.error().message);
    return;
  }
  std::set<std::string> in_use;
  for (const json& restore : store_.list("Restore", key_.namespace_)) {
    const json status = restore.value("status", json::object());
    const std::string phase = status.value("phase", "");
    if (phase != "Complete" && phase != "Failed" && status.contains("artifact")) {
      in_use.insert(status["artifact"].value("id", ""));
    }
  }
  const std::set<std::string> failed =
      failed_verifications(object_.value("status", json::object()));
  // A kept incremental keeps its chain: the bases of the kept artifacts here, and the
  // artifacts here that incremental Backups with this storage as incrementalBasePath need.
  auto elsewhere = bases_needed_elsewhere(spec);
  if (!elsewhere) {
    event("Warning", "RetentionFailed",
          "nothing removed: the incremental backups that may need these as bases could not be "
          "listed: " +
              elsewhere.error().message);
    return;
  }
  std::set<std::string> needed = in_use;
  needed.insert(elsewhere->begin(), elsewhere->end());
  const std::vector<std::string> beyond = spare_chain_bases(
      catalog->artifacts,
      artifacts_beyond_retention(catalog->artifacts, spec.retention, now_seconds(), in_use, failed),
      needed);
  for (const std::string& id : beyond) {
    // The manifest goes first: from then on the artifact no longer exists, even if removing
    // its data fails and is retried by hand.
    const auto manifest = std::find_if(catalog->artifacts.begin(), catalog->artifacts.end(),
                                       [&](const auto& a) { return a.id == id; });
    auto removed = storage.remove(manifest_key(id));
    if (removed) removed = storage.remove(manifest->data_key);
    if (!removed) {
      event("Warning", "RetentionFailed", "removing " + id + ": " + removed.error().message);
      continue;
    }
    event("Normal", "ArtifactPruned", id + " removed by the retention policy");
  }
}

bool BackupReconciler::refresh_artifacts(BackupStorage& storage, const std::string& location) {
  artifacts_listed_ = std::chrono::steady_clock::now();
  auto catalog = read_catalog(storage, key_.namespace_ + "/" + key_.name);
  if (!catalog) {
    auto shown = store_.update_status(key_, [&](json& status) {
      status["storage"] = {{"location", location}, {"error", catalog.error().message}};
    });
    if (shown) object_ = *shown;
    return false;
  }
  auto updated = store_.update_status(key_, [&](json& status) {
    status["storage"] = {{"location", location}};
    status["artifacts"] = artifacts_status(
        catalog->artifacts, [&](const std::string& key) { return storage.location(key); },
        status.value("artifacts", json::array()));
    if (catalog->incomplete.empty()) {
      status.erase("incompleteArtifacts");
    } else {
      status["incompleteArtifacts"] = catalog->incomplete;
    }
  });
  if (updated) object_ = *updated;
  return true;
}

void BackupReconciler::show_storage_answers(const BackupSpec& spec, const std::string& location) {
  const std::string answers = location + " answers again";
  event("Normal", "StorageAvailable", answers);
  auto updated = store_.update_status(key_, [&](json& status) {
    const auto succeeded = time_at(status, "lastSuccessTime");
    const auto failed = time_at(status, "lastFailureTime");
    if (failed && (!succeeded || *failed > *succeeded)) {
      set_condition(
          status, "Complete", false, "LastRunFailed",
          "the last run failed: " + status.value("lastFailureReason", "") + "; " + answers,
          generation());
      return;
    }
    if (spec.schedule) {
      status["phase"] = spec.schedule->suspend ? "Suspended" : "Scheduled";
    } else if (succeeded) {
      status["phase"] = "Complete";
    }
    if (succeeded) {
      set_condition(status, "Complete", true, "BackupComplete",
                    answers + "; the last backup, " + status.value("lastArtifact", "") +
                        ", finished at " + format_rfc3339(*succeeded),
                    generation());
    } else {
      set_condition(status, "Complete", false, "NoBackupYet", answers + "; no backup taken yet",
                    generation());
    }
  });
  if (updated) object_ = *updated;
}

Result<std::optional<std::string>> BackupReconciler::encryption_secret(const BackupSpec& spec) {
  if (!spec.encryption_key) return std::optional<std::string>();
  auto secret = resolve_secret_value(store_, key_.namespace_, *spec.encryption_key, object_);
  if (!secret) return fail("spec.encryption.keySecretKeyRef: " + secret.error().message);
  return std::optional<std::string>(*secret);
}

void BackupReconciler::show_verifying(const std::string& artifact_id) {
  auto checking = store_.update_status(key_, [&](json& status) {
    set_condition(status, "Complete", false, "Verifying",
                  "checking " + artifact_id + " (verifyAfterBackup)", generation());
  });
  if (checking) object_ = *checking;
}

BackupReconciler::ArtifactCheck BackupReconciler::check_artifact(
    const ArtifactManifest& artifact, BackupStorage& storage,
    const Result<std::optional<std::string>>& encryption_secret) {
  const json entry = artifact_status(artifact, storage.location(artifact.data_key));
  if (!encryption_secret) {
    return {CheckOutcome::kUnchecked, record_unchecked(entry, encryption_secret.error().what())};
  }
  // An incremental one is checked on its chain, as a restore prepares it.
  std::unique_ptr<BackupStorage> base_storage;
  if (!artifact.incremental_base.empty()) {
    auto opened = open_base_storage(backup_spec_from(object_));
    if (!opened) return {CheckOutcome::kUnchecked, record_unchecked(entry, opened.error().what())};
    base_storage = std::move(*opened);
  }
  auto chain = read_chain(artifact, storage, base_storage.get());
  if (!chain && chain.error().code != ErrorCode::kCorrupt &&
      chain.error().code != ErrorCode::kNotFound) {
    return {CheckOutcome::kUnchecked, record_unchecked(entry, chain.error().message)};
  }
  // Checked where it was taken from, with that server's tools: a node of this Backup's MariaDB
  // (the manifest is read from the storage: it never sends the check elsewhere).
  const std::string mariadb = backup_spec_from(object_).mariadb;
  const auto source = node_id_from_pod(key_.namespace_, artifact.pod);
  if (!source || source->mariadb != mariadb) {
    return {
        CheckOutcome::kUnchecked,
        record_unchecked(entry, "its manifest names " + artifact.pod + ", not a node of MariaDB " +
                                    mariadb + ", as the pod it was taken from")};
  }
  // Named by the artifact, so that the next operator's check of it ends this one's leftovers.
  VerifyArea area(agent_, *source, artifact.id);
  const ProgressCallback no_progress;
  auto report =
      chain ? verify_artifact(*chain, *encryption_secret, area, no_progress,
                              [this] { return stopping_.load(); })
            : Result<VerifyReport>(fail(
                  ErrorCode::kCorrupt,
                  "artifact " + artifact.id + " cannot be restored: " + chain.error().message));
  if (!report && stopping_) {
    return {CheckOutcome::kUnchecked,
            record_unchecked(entry, "the operator stopped during the check", Recheck::kAtOnce)};
  }
  if (!report && report.error().code != ErrorCode::kCorrupt) {
    return {CheckOutcome::kUnchecked, record_unchecked(entry, report.error().message)};
  }
  const std::string outcome = report ? summarize(*report, artifact) : report.error().message;
  auto recorded = store_.update_status(key_, [&](json& status) {
    record_verification(status, entry,
                        verification_status(report.has_value(), now_seconds(), outcome));
  });
  if (recorded) object_ = *recorded;
  if (!report) {
    return {CheckOutcome::kFailed, outcome +
                                       "; the artifact is kept, marked verified: false, and "
                                       "retention does not count it as a good backup"};
  }
  event("Normal", "ArtifactVerified", artifact.id + ": " + outcome);
  return {CheckOutcome::kVerified, outcome};
}

std::string BackupReconciler::record_unchecked(const json& entry, const std::string& cause,
                                               Recheck recheck) {
  json unchecked;
  auto recorded = store_.update_status(key_, [&](json& status) {
    json previous;
    for (const json& listed : status.value("artifacts", json::array())) {
      if (listed.value("id", "") == entry.value("id", "")) {
        previous = listed.value("verification", json());
      }
    }
    unchecked = unchecked_status(now_seconds(), cause, previous, recheck);
    record_verification(status, entry, unchecked);
  });
  if (recorded) object_ = *recorded;
  if (recheck == Recheck::kAtOnce) {
    const std::string message = entry.value("id", "") + " was not checked: " + cause +
                                "; it is kept, marked Unchecked, and checked when the operator "
                                "runs again";
    event("Normal", "VerificationInterrupted", message);
    return message;
  }
  const std::string when =
      unchecked.contains("nextCheckAt")
          ? "it is checked at " + unchecked.value("nextCheckAt", "")
          : "after " + std::to_string(kMaxUncheckedChecks) +
                " checks in a row it is not checked again by itself: `mdbop backup verify " +
                entry.value("id", "") + "` checks it";
  const std::string message =
      entry.value("id", "") + " could not be checked: " + cause +
      ". This says nothing about the artifact: it is kept, marked Unchecked, and counts for "
      "retention as any artifact. Once the cause is fixed (space or memory for the check's "
      "scratch area, the storage reachable, the key's Secret readable) " +
      when;
  event("Warning", "VerificationUnchecked", message);
  return message;
}

void BackupReconciler::recheck_due_artifact(const BackupSpec& spec, BackupStorage& storage) {
  const json status = object_.value("status", json::object());
  const auto id = recheck_due(status, now_seconds());
  if (!id) return;
  json entry;
  for (const json& listed : status.value("artifacts", json::array())) {
    if (listed.value("id", "") == *id) entry = listed;
  }
  entry.erase("verification");
  auto catalog = read_catalog(storage, key_.namespace_ + "/" + key_.name);
  if (!catalog) {
    record_unchecked(entry, "listing the artifacts: " + catalog.error().message);
    return;
  }
  const auto artifact = std::find_if(catalog->artifacts.begin(), catalog->artifacts.end(),
                                     [&](const ArtifactManifest& a) { return a.id == *id; });
  if (artifact == catalog->artifacts.end()) {
    // Gone (removed by hand, or by age): its entry goes with this listing.
    refresh_artifacts(storage, describe_storage(spec.storage, home_));
    return;
  }
  const ArtifactCheck check = check_artifact(*artifact, storage, encryption_secret(spec));
  if (check.outcome == CheckOutcome::kFailed) {
    set_failed("VerificationFailed", check.message, false);
  } else if (check.outcome == CheckOutcome::kVerified && condition_is_true(object_, "Complete") &&
             object_["status"].value("lastArtifact", "") == *id) {
    // The Complete condition of the run that took it said "not verified yet".
    auto updated = store_.update_status(key_, [&](json& s) {
      set_condition(s, "Complete", true, "BackupComplete", *id + " verified: " + check.message,
                    generation());
    });
    if (updated) object_ = *updated;
  }
}

void BackupReconciler::set_failed(const std::string& reason, const std::string& message,
                                  bool run_failed) {
  event("Warning", reason, message);
  auto updated = store_.update_status(key_, [&](json& status) {
    status["phase"] = "Failed";
    status["observedGeneration"] = generation();
    if (run_failed) {
      status["lastFailureTime"] = rfc3339_now();
      status["lastFailureReason"] = message;
    }
    set_condition(status, "Complete", false, reason, message, generation());
  });
  if (updated) object_ = *updated;
}

}  // namespace mdbop
