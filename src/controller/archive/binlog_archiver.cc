#include "controller/archive/binlog_archiver.h"

#include <algorithm>
#include <charconv>

#include <spdlog/spdlog.h>

#include "backup/binlog_archive.h"
#include "backup/binlog_replay_plan.h"
#include "backup/binlog_segment_name.h"
#include "controller/backup/backup_target.h"
#include "controller/conditions.h"
#include "controller/event_log.h"
#include "store/root_access.h"
#include "store/secrets.h"
#include "util/time_text.h"

namespace mdbop {

using Clock = std::chrono::steady_clock;

namespace {

// A physical restore is replacing the nodes' data (status.restore, written by the Restore).
bool physical_restore_under_way(const json& status) {
  const std::string phase = status.value("restore", json::object()).value("phase", "");
  return phase == "Requested" || phase == "Replacing" || phase == "Starting";
}

// The history the cluster's transactions belong to. A physical restore starts a new one (the
// restored data's GTIDs begin again from the backup's, and Galera may keep the cluster's UUID),
// named after the Restore that made it; otherwise the Galera cluster's state UUID.
std::string history_of(const json& status, const std::string& cluster_uuid) {
  const std::string restored = status.value("binlogHistory", "");
  return restored.empty() ? cluster_uuid : restored;
}

}  // namespace

BinlogArchiver::BinlogArchiver(Store& store, NodeAgent& agent, ObjectKey mariadb,
                               ArchiveStorageOpener open_storage, BinlogArchiverOptions options)
    : store_(store),
      agent_(agent),
      mariadb_(std::move(mariadb)),
      open_storage_(std::move(open_storage)),
      options_(options) {
  thread_ = std::thread([this] { run(); });
}

BinlogArchiver::~BinlogArchiver() {
  stop_soon();
  thread_.join();
}

void BinlogArchiver::stop_soon() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
}

void BinlogArchiver::wait(std::chrono::milliseconds delay) {
  std::unique_lock lock(mutex_);
  wake_.wait_for(lock, delay, [this] { return stopping_.load(); });
}

void BinlogArchiver::run() {
  while (!stopping_) {
    bool again = false;
    try {
      again = round();
    } catch (const std::exception& e) {
      spdlog::error("MariaDB={}/{} binary-log archiver: {}", mariadb_.namespace_, mariadb_.name,
                    e.what());
    }
    if (!again) wait(options_.retry);
  }
}

std::optional<BinlogArchiver::Setup> BinlogArchiver::prepare() {
  auto mariadb = store_.get(mariadb_);
  if (!mariadb) return std::nullopt;
  const std::string name =
      (*mariadb)["spec"].value("pointInTimeRecoveryRef", json::object()).value("name", "");
  if (name.empty()) return std::nullopt;
  Setup setup;
  setup.mariadb = std::move(*mariadb);
  auto report = [&](const std::string& reason, const std::string& message) {
    store_.update_status(mariadb_, [&](json& status) {
      json& pitr = status["pointInTimeRecovery"];
      pitr["pointInTimeRecoveryRef"] = name;
      pitr["error"] = message;
    });
    if (store_.exists({"PointInTimeRecovery", mariadb_.namespace_, name})) {
      set_pitr_condition(name, "Archiving", false, reason, message);
    }
  };
  auto pitr = store_.get({"PointInTimeRecovery", mariadb_.namespace_, name});
  if (!pitr) {
    report("NotFound", "PointInTimeRecovery " + name + " not found in namespace " +
                           mariadb_.namespace_ + "; apply it to archive the binary logs");
    return std::nullopt;
  }
  setup.pitr = std::move(*pitr);
  setup.spec = point_in_time_recovery_spec_from(setup.pitr);
  setup.pitr_generation = setup.pitr["metadata"].value("generation", 0LL);
  if (auto compression = parse_compression(setup.spec.compression)) {
    setup.compression = *compression;
  }
  auto storage = open_storage_(setup.spec, mariadb_.namespace_);
  if (!storage) {
    report("StorageUnavailable", "spec.storage: " + storage.error().message);
    return std::nullopt;
  }
  setup.storage = std::move(*storage);
  if (setup.spec.encryption_key) {
    auto secret =
        resolve_secret_value(store_, mariadb_.namespace_, *setup.spec.encryption_key, setup.pitr);
    if (!secret) {
      report("EncryptionKeyMissing", "spec.encryption.keySecretKeyRef: " + secret.error().message);
      return std::nullopt;
    }
    setup.encryption_secret = *secret;
    if (auto object =
            store_.get({"Secret", mariadb_.namespace_, setup.spec.encryption_key->name})) {
      setup.key_version = (*object)["metadata"].value("resourceVersion", "");
    }
  }
  auto access = root_access(store_, setup.mariadb);
  if (!access) {
    report("CannotLogIn", access.error().message);
    return std::nullopt;
  }
  setup.root_password = access->password;
  return setup;
}

bool BinlogArchiver::round() {
  auto setup = prepare();
  if (!setup) return false;
  if (!flush(*setup)) {
    write_status(*setup, true);
    return false;
  }
  const json status = setup->mariadb.value("status", json::object());
  if (physical_restore_under_way(status)) {
    idle(*setup, "Restoring",
         "a physical restore is replacing the nodes' data; archiving resumes on the restored "
         "data's own history once it is done");
    return false;
  }
  history_binlog_field_ = status.value("binlogHistory", "");
  const std::vector<std::string> pods = archive_source_pods(status, tried_last_);
  if (pods.empty()) {
    idle(*setup, "NoSyncedNode", "no Synced node to archive the binary log from");
    return false;
  }
  std::string refusals;
  bool all_refused = true;
  idle_reason_ = "NoSyncedNode";
  last_error_ = "no node in the Primary component answers as Synced";
  for (const std::string& pod : pods) {
    if (stopping_) return false;
    auto id = node_id_from_pod(mariadb_.namespace_, pod);
    if (!id) continue;
    const NodeSnapshot snapshot = agent_.observe(*id, setup->root_password);
    if (!snapshot.wsrep.answers || snapshot.wsrep.local_state != "Synced" ||
        snapshot.wsrep.cluster_status != "Primary" || snapshot.wsrep.cluster_state_uuid.empty()) {
      all_refused = false;  // not a refusal: the node is not there to ask
      continue;
    }
    if (!start_position(*setup, *id, history_of(status, snapshot.wsrep.cluster_state_uuid))) {
      all_refused = false;
      continue;
    }
    // The status read at the round's start may be a node's observation old: a restore
    // starting since must not see its data archived into this history.
    if (!status_if_history_current()) return true;
    const Followed followed = follow(*setup, *id);
    if (followed == Followed::kStopped) {
      refused_rounds_ = 0;
      return true;  // stopping, the storage is full of waiting segments, or the node left
    }
    tried_last_ = pod;
    if (followed != Followed::kRefused) {
      all_refused = false;
    } else {
      refusals += (refusals.empty() ? "" : "; ") + last_error_;
    }
  }
  if (all_refused && !refusals.empty()) {
    idle_reason_ = "NodesRefusing";
    last_error_ = refusals;
    if (++refused_rounds_ >= options_.gap_after_rounds) {
      declare_gap(*setup, refusals);
      return true;
    }
  } else {
    refused_rounds_ = 0;
  }
  write_status(*setup, true);
  return false;
}

std::optional<Gtid> BinlogArchiver::start_position(Setup& setup, const NodeId& id,
                                                   const std::string& history) {
  idle_reason_ = "CannotResume";
  // The node's GTID domain for the cluster's transactions (myCnf may choose it), and where its
  // binary log is now.
  auto session = agent_.open_sql(id, setup.root_password, std::chrono::seconds(5));
  auto rows =
      session ? (*session)->query("SELECT @@global.wsrep_gtid_domain_id, @@global.gtid_binlog_pos")
              : tl::unexpected(session.error());
  std::uint32_t domain = 0;
  const std::string domain_text =
      rows && !rows->rows.empty() && rows->rows[0][0] ? *rows->rows[0][0] : std::string();
  const auto parsed =
      std::from_chars(domain_text.data(), domain_text.data() + domain_text.size(), domain);
  if (!rows || domain_text.empty() || parsed.ec != std::errc() ||
      parsed.ptr != domain_text.data() + domain_text.size()) {
    last_error_ = id.pod() + ": reading its GTID domain and binary-log position: " +
                  (rows ? std::string("no value") : rows.error().message);
    return std::nullopt;
  }

  if (history != history_) {
    // Pending segments belong to the old history and were stored (flush ran first). A gap in
    // the old history says nothing of the new one.
    if (!history_.empty()) clear_pitr_condition(setup, "ArchiveContinuous");
    history_ = history;
    next_from_.reset();
    last_archived_.reset();
  }
  if (restart_from_current_) next_from_.reset();
  const std::string prefix = archive_prefix();
  auto folder = binlog_history_folder(prefix, history);
  if (!folder) {
    last_error_ = folder.error().message;
    return std::nullopt;
  }
  if (!next_from_ && !restart_from_current_) {
    auto segments = list_binlog_segments(*setup.storage, *folder);
    if (!segments) {
      last_error_ = "listing " + setup.storage->location(*folder) + ": " + segments.error().message;
      return std::nullopt;
    }
    if (!segments->empty()) {
      auto key = binlog_segment_key(prefix, segments->back());
      auto stored =
          key ? setup.storage->read_all(*key, kMaxSegmentBytes) : tl::unexpected(key.error());
      auto segment = stored ? unpack_binlog_segment(*stored, setup.encryption_secret)
                            : tl::unexpected(stored.error());
      auto gtids = segment ? gtids_of_segment(*segment) : tl::unexpected(segment.error());
      if (!gtids || gtids->empty()) {
        last_error_ = "reading the last archived segment: " +
                      (gtids ? std::string("it holds no transaction") : gtids.error().message);
        return std::nullopt;
      }
      next_from_ = gtids->back();
    }
  }
  if (next_from_) {
    if (next_from_->domain_id != domain) {
      idle_reason_ = "DomainChanged";
      last_error_ = id.pod() + " gives the cluster's transactions GTID domain " +
                    std::to_string(domain) + ", but this history's archive continues domain " +
                    std::to_string(next_from_->domain_id) +
                    ": set wsrep_gtid_domain_id=" + std::to_string(next_from_->domain_id) +
                    " in spec.myCnf again";
      return std::nullopt;
    }
    cluster_domain_ = domain;
    return next_from_;
  }
  // Nothing archived yet on this history (or a gap). A history a restore began starts where the
  // restored data's binary log stood before the restored cluster wrote anything (recorded by
  // the seed), so that nothing it wrote before the first stream opened is left out; any other
  // begins at the node's position.
  const json status = setup.mariadb.value("status", json::object());
  const std::string restored_start =
      status.value("binlogHistory", "") == history && !restart_from_current_
          ? status.value("binlogHistoryStart", "")
          : "";
  auto position =
      parse_gtid_position(restored_start.empty() ? rows->rows[0][1].value_or("") : restored_start);
  if (!position) {
    last_error_ = id.pod() + ": its binary-log position: " + position.error().message;
    return std::nullopt;
  }
  for (const Gtid& gtid : *position) {
    if (gtid.domain_id == domain) {
      cluster_domain_ = domain;
      next_from_ = gtid;
      restart_from_current_ = false;
      return next_from_;
    }
  }
  last_error_ = id.pod() +
                " has no transaction of the cluster in its binary log yet; archiving "
                "begins after the first one";
  return std::nullopt;
}

BinlogArchiver::Followed BinlogArchiver::follow(Setup& setup, const NodeId& id) {
  BinlogSegmenter segmenter(cluster_domain_, next_from_, options_.limits);
  BinlogFollowRequest request;
  request.from = {*next_from_};
  request.follower_server_id = options_.follower_server_id;
  request.heartbeat = options_.heartbeat;
  // The stream is open once it brings a transaction, or has run two heartbeats without a
  // refusal: a start the server cannot serve is refused at once, though a format description
  // may come first.
  const auto began = Clock::now();
  const auto opened = [&] {
    if (followed_pod_ == id.pod()) return;
    followed_pod_ = id.pod();
    last_error_.clear();
    spdlog::info("MariaDB={}/{} archiving the binary log from {} after {}", mariadb_.namespace_,
                 mariadb_.name, followed_pod_, next_from_->text());
    write_status(setup, true);
  };
  bool left = false;
  bool changed = false;
  node_checked_ = Clock::now();
  auto result = agent_.follow_binlog(
      id, setup.root_password, request,
      [&](const BinlogEvent& event) {
        if (event.gtid) opened();
        if (auto closed = segmenter.add(event, Clock::now())) take(setup, std::move(*closed));
      },
      [&] {
        const auto now = Clock::now();
        if (now - began >= 2 * options_.heartbeat) opened();
        if (auto closed = segmenter.tick(now)) take(setup, std::move(*closed));
        if (!pending_.empty() && now >= next_upload_) flush(setup);
        if (status_dirty_) write_status(setup, false);
        if (now - node_checked_ >= options_.node_check) {
          node_checked_ = now;
          left = !still_to_follow(id.pod());
          changed = setup_changed(setup);
        }
        return stopping_ || left || changed || pending_bytes_ >= options_.max_pending_bytes;
      });
  // What the segmenter holds is dropped with it: the next stream starts after next_from_. No
  // stream is open now: the next one says so when it opens.
  followed_pod_.clear();
  if (result) {
    if (left) tried_last_ = id.pod();
    return Followed::kStopped;
  }
  last_error_ = id.pod() + ": " + result.error().message;
  spdlog::info("MariaDB={}/{} binary-log stream of {} ended: {}", mariadb_.namespace_,
               mariadb_.name, id.pod(), result.error().message);
  if (result.error().code == ErrorCode::kNotFound) {
    idle_reason_ = "NodesRefusing";
    return Followed::kRefused;
  }
  idle_reason_ = result.error().code == ErrorCode::kUnavailable ? "NodeLost" : "StreamFailed";
  return result.error().code == ErrorCode::kUnavailable ? Followed::kLost : Followed::kFailed;
}

bool BinlogArchiver::setup_changed(const Setup& setup) const {
  const std::string name = setup.pitr["metadata"].value("name", "");
  auto pitr = store_.get({"PointInTimeRecovery", mariadb_.namespace_, name});
  if (!pitr || (*pitr)["metadata"].value("generation", 0LL) != setup.pitr_generation) return true;
  if (!setup.spec.encryption_key) return false;
  auto secret = store_.get({"Secret", mariadb_.namespace_, setup.spec.encryption_key->name});
  return !secret || (*secret)["metadata"].value("resourceVersion", "") != setup.key_version;
}

void BinlogArchiver::take(Setup& setup, BinlogSegment segment) {
  const std::string prefix = archive_prefix();
  auto key =
      binlog_segment_key(prefix, {history_, segment.first_gtid.sequence, segment.last_gtid.sequence,
                                  segment.first_commit_time, segment.last_commit_time});
  if (!key) throw std::logic_error("segment name: " + key.error().message);
  if (segment.gap_after) {
    report_gap(setup, "the binary log of " + followed_pod_ + " goes from " +
                          segment.gap_after->text() + " to " + segment.first_gtid.text() +
                          ": the transactions between are in no node's binary log it followed");
  }
  next_from_ = segment.last_gtid;
  pending_bytes_ += segment.bytes.size();
  pending_.push_back({std::move(segment), *key});
  flush(setup);
}

bool BinlogArchiver::flush(Setup& setup) {
  while (!pending_.empty()) {
    const PendingSegment& front = pending_.front();
    auto stored = upload_binlog_segment(*setup.storage, front.key, front.segment.bytes,
                                        setup.compression, setup.encryption_secret);
    const auto now = Clock::now();
    if (!stored) {
      last_error_ = "storing " + setup.storage->location(front.key) + ": " + stored.error().message;
      next_upload_ = now + options_.retry;
      if (!storage_failing_since_) {
        storage_failing_since_ = now;
        set_pitr_condition(setup.pitr["metadata"].value("name", ""), "Archiving", false,
                           "StorageUnavailable",
                           last_error_ + "; " + std::to_string(pending_.size()) +
                               " segment(s) wait in memory and are retried");
      }
      if (!storage_timeout_reported_ &&
          now - *storage_failing_since_ >= setup.spec.archive_timeout) {
        storage_timeout_reported_ = true;
        event(
            setup.pitr, "Warning", "ArchiveTimeout",
            "segments have waited for the storage longer than spec.archiveTimeout: " + last_error_);
      }
      status_dirty_ = true;
      return false;
    }
    if (storage_failing_since_) {
      storage_failing_since_.reset();
      storage_timeout_reported_ = false;
      spdlog::info("MariaDB={}/{} the archive's storage takes segments again", mariadb_.namespace_,
                   mariadb_.name);
    }
    pending_bytes_ -= front.segment.bytes.size();
    last_archived_ = std::move(pending_.front().segment);
    last_archived_->bytes.clear();
    pending_.pop_front();
    status_dirty_ = true;
  }
  write_status(setup, false);
  return true;
}

std::optional<json> BinlogArchiver::status_if_history_current() {
  auto mariadb = store_.get(mariadb_);
  if (!mariadb) return std::nullopt;
  json status = mariadb->value("status", json::object());
  if (physical_restore_under_way(status) ||
      status.value("binlogHistory", "") != history_binlog_field_) {
    return std::nullopt;
  }
  return status;
}

bool BinlogArchiver::still_to_follow(const std::string& pod) {
  const std::optional<json> status = status_if_history_current();
  if (!status) return false;
  const auto pods = archive_source_pods(*status, "");
  if (std::find(pods.begin(), pods.end(), pod) == pods.end()) return false;
  // A stream opened on the primary (the only Synced node then, as while a cluster is made)
  // moves to a replica once one is Synced: the archive's reads belong there, as a backup's do.
  if (pod == status->value("currentPrimary", "") && pods.front() != pod) {
    spdlog::info("MariaDB={}/{} archiving moves from the primary {} to the replica {}",
                 mariadb_.namespace_, mariadb_.name, pod, pods.front());
    return false;
  }
  return true;
}

void BinlogArchiver::declare_gap(Setup& setup, const std::string& refusals) {
  const std::string last = next_from_ ? next_from_->text() : "none";
  report_gap(setup, "no node can serve the binary log after " + last + " (" + refusals +
                        "); the archive starts again from the cluster's current position");
  restart_from_current_ = true;
  refused_rounds_ = 0;
  tried_last_.clear();
}

void BinlogArchiver::report_gap(Setup& setup, const std::string& what) {
  const std::string message =
      what +
      ". A restore to a moment reaches a target before the gap from a backup taken before it, "
      "and a later one only from a backup taken after the gap";
  set_pitr_condition(setup.pitr["metadata"].value("name", ""), "ArchiveContinuous", false, "Gap",
                     message);
  event(setup.pitr, "Warning", "ArchiveGap", message);
  recoverable_checked_for_.clear();  // the archive's end may no longer be reachable
}

void BinlogArchiver::idle(Setup& setup, const std::string& reason, const std::string& message) {
  idle_reason_ = reason;
  last_error_ = message;
  followed_pod_.clear();
  write_status(setup, true);
}

void BinlogArchiver::check_recoverable(Setup& setup) {
  std::vector<Gtid> bases;
  std::string checked_for = history_;
  if (auto backup =
          store_.get({"PhysicalBackup", mariadb_.namespace_, setup.spec.physical_backup})) {
    const json status = backup->value("status", json::object());
    for (const json& artifact : status.value("artifacts", json::array())) {
      if (artifact.value("method", "") != "physical" ||
          artifact.value("binlogHistory", "") != history_) {
        continue;
      }
      auto base = base_gtid_in_domain(artifact.value("gtid", ""), cluster_domain_);
      if (!base) continue;
      bases.push_back(*base);
      checked_for += "/" + artifact.value("id", "");
    }
  }
  if (checked_for == recoverable_checked_for_) return;
  recoverable_ = false;
  auto folder = binlog_history_folder(archive_prefix(), history_);
  if (history_.empty() || bases.empty() || !folder) {
    recoverable_checked_for_ = checked_for;
    return;
  }
  auto segments = list_binlog_segments(*setup.storage, *folder);
  if (!segments) return;  // checked again at the next status
  recoverable_checked_for_ = checked_for;
  recoverable_ = std::any_of(bases.begin(), bases.end(), [&](const Gtid& base) {
    return plan_binlog_replay(*segments, base, LatestReplayTarget{}).has_value();
  });
}

void BinlogArchiver::write_status(Setup& setup, bool force) {
  const auto now = Clock::now();
  if (!force && now - status_written_ < options_.status_interval) return;
  status_written_ = now;
  status_dirty_ = false;
  check_recoverable(setup);
  const std::string name = setup.pitr["metadata"].value("name", "");
  const bool failing = storage_failing_since_.has_value();
  json summary = {{"pointInTimeRecoveryRef", name}, {"node", followed_pod_}};
  if (!history_.empty()) summary["history"] = history_;
  if (last_archived_) {
    summary["lastArchivedGtid"] = last_archived_->last_gtid.text();
    summary["lastArchivedTime"] = format_unix_seconds(last_archived_->last_commit_time);
    // A restore to "latest" would reach it: a base backup and the archive after it are there.
    if (recoverable_) summary["lastRecoverableTime"] = summary["lastArchivedTime"];
  }
  if (!pending_.empty()) summary["pendingSegments"] = pending_.size();
  // The storage failing, or nothing followed: why.
  if ((failing || followed_pod_.empty()) && !last_error_.empty()) summary["error"] = last_error_;
  store_.update_status(mariadb_, [&](json& status) {
    json& pitr = status["pointInTimeRecovery"];
    // Keep what an earlier operator archived in this history until this one has archived
    // something: another history's last GTID says nothing of this one.
    for (const char* kept : {"lastArchivedGtid", "lastArchivedTime"}) {
      if (!summary.contains(kept) && pitr.contains(kept) &&
          pitr.value("history", "") == summary.value("history", "")) {
        summary[kept] = pitr[kept];
      }
    }
    pitr = summary;
  });
  const long long generation = setup.pitr["metadata"].value("generation", 0LL);
  store_.update_status({"PointInTimeRecovery", mariadb_.namespace_, name}, [&](json& status) {
    status["mariaDbRef"] = {{"name", mariadb_.name}};
    for (const char* field :
         {"lastArchivedGtid", "lastArchivedTime", "lastRecoverableTime", "node", "history"}) {
      if (summary.contains(field)) {
        status[field] = summary[field];
      } else {
        status.erase(field);
      }
    }
    // True only while a stream is open: the archive is taking the cluster's transactions.
    if (!failing && !followed_pod_.empty()) {
      set_condition(status, "Archiving", true, "Archiving",
                    "archiving the binary log of " + mariadb_.name + " from " + followed_pod_,
                    generation);
    } else if (!failing) {
      set_condition(status, "Archiving", false, idle_reason_.empty() ? "Starting" : idle_reason_,
                    last_error_.empty() ? "no node followed yet" : last_error_, generation);
    }
    // True from the start until a gap; then False for good: the archive has a hole.
    const json conditions = status.value("conditions", json::array());
    if (std::none_of(conditions.begin(), conditions.end(),
                     [](const json& c) { return c.value("type", "") == "ArchiveContinuous"; })) {
      set_condition(
          status, "ArchiveContinuous", true, "Continuous",
          "every transaction of history " + history_ + " since archiving began in it is archived",
          generation);
    }
  });
}

std::string BinlogArchiver::archive_prefix() const {
  return mariadb_.namespace_ + "/" + mariadb_.name;
}

void BinlogArchiver::clear_pitr_condition(Setup& setup, const std::string& type) {
  const ObjectKey key{"PointInTimeRecovery", mariadb_.namespace_,
                      setup.pitr["metadata"].value("name", "")};
  store_.update_status(key, [&](json& status) { remove_condition(status, type); });
}

void BinlogArchiver::set_pitr_condition(const std::string& pitr, const std::string& type,
                                        bool value, const std::string& reason,
                                        const std::string& message) {
  const ObjectKey key{"PointInTimeRecovery", mariadb_.namespace_, pitr};
  auto object = store_.get(key);
  if (!object) return;
  const long long generation = (*object)["metadata"].value("generation", 0LL);
  store_.update_status(
      key, [&](json& status) { set_condition(status, type, value, reason, message, generation); });
}

void BinlogArchiver::event(const json& object, const std::string& type, const std::string& reason,
                           const std::string& message) {
  store_.record_event(object, type, reason, message);
  log_event(key_of(object), type, reason, message);
}

}  // namespace mdbop
