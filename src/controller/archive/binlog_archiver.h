// BinlogArchiver: archives one MariaDB's binary log, continuously, on a thread of its own, into
// the storage its PointInTimeRecovery names (spec.pointInTimeRecoveryRef). It follows one
// Synced node (a replica when there is one) from the GTID after the last archived one (found
// by listing the archive: the names are the index), cuts the stream into segments
// (backup/binlog_segment.h) and uploads each as one object, in order, complete or absent.
//  - Failover: when the followed node is lost or leaves the Primary component, the half-made
//    segment is dropped and another Synced node is followed from the same next GTID.
//  - A gap: when every Synced node refuses the next GTID (kNotFound: purged, or not there) for
//    gap_after_rounds rounds in a row, the PointInTimeRecovery gets ArchiveContinuous=False
//    naming the last archived GTID, and a Warning event; archiving starts again from the
//    cluster's current position. The condition stays False: the archive has a hole. A stream
//    whose GTIDs jump (a sequence number skipped) is a gap as well, reported the same way.
//  - Histories: segments are stored under binlog/<history>/, the Galera cluster's UUID, or,
//    after a physical restore, the Restore's uid (MariaDB status.binlogHistory): restored data
//    numbers its transactions again from the backup's GTID. Nothing is followed while a
//    physical restore replaces the data.
//  - Archiving is True only while a stream is open; otherwise False with the reason.
//  - The storage failing: closed segments wait in memory, in order, and are retried; at
//    max_pending_bytes the stream is closed until they are stored (the nodes keep the binary
//    log meanwhile), so memory stays bounded.
// Status: MariaDB.status.pointInTimeRecovery and the PointInTimeRecovery's status.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "agent/node_agent.h"
#include "api/backup_spec.h"
#include "backup/binlog_segment.h"
#include "backup/compression.h"
#include "storage/backup_storage.h"
#include "store/store.h"

namespace mdbop {

struct BinlogArchiverOptions {
  BinlogSegmentLimits limits;
  // The wait before trying again: another round of nodes, a failed upload.
  std::chrono::milliseconds retry{1000};
  // Rounds in which every Synced node refused the next GTID before it is a gap (a lagging node
  // also refuses a GTID it does not have yet).
  int gap_after_rounds = 5;
  // Closed segments kept in memory while the storage fails, at most.
  std::size_t max_pending_bytes = 64 * 1024 * 1024;
  // The replica server id the stream presents (no node uses it).
  std::uint32_t follower_server_id = 4000000001u;
  std::chrono::milliseconds heartbeat{250};
  // How often the followed node's state in the MariaDB's status is looked at.
  std::chrono::milliseconds node_check{1000};
  // Status is written at most this often while segments are archived.
  std::chrono::milliseconds status_interval{1000};
};

// Opens the storage a PointInTimeRecovery names (tests give their own).
using ArchiveStorageOpener = std::function<Result<std::unique_ptr<BackupStorage>>(
    const PointInTimeRecoverySpec& spec, const std::string& namespace_)>;

class BinlogArchiver {
 public:
  // Starts the thread. `mariadb` is the MariaDB whose binary log is archived.
  BinlogArchiver(Store& store, NodeAgent& agent, ObjectKey mariadb,
                 ArchiveStorageOpener open_storage, BinlogArchiverOptions options = {});
  // Stops the stream and the thread (within one heartbeat).
  ~BinlogArchiver();
  BinlogArchiver(const BinlogArchiver&) = delete;
  BinlogArchiver& operator=(const BinlogArchiver&) = delete;

  // Asks the thread to end soon (the destructor waits for it).
  void stop_soon();

 private:
  struct PendingSegment {
    BinlogSegment segment;
    std::string key;
  };
  // What one round works with, read afresh from the store.
  struct Setup {
    json mariadb;
    json pitr;
    PointInTimeRecoverySpec spec;
    std::unique_ptr<BackupStorage> storage;
    Compression compression = Compression::kZstd;
    std::optional<std::string> encryption_secret;
    std::string root_password;
    // What the setup was read from, to notice a change while a stream runs.
    long long pitr_generation = 0;
    std::string key_version;  // the encryption Secret's resourceVersion
  };
  enum class Followed { kStopped, kLost, kRefused, kFailed };

  void run();
  // Whether the PointInTimeRecovery (its spec, or its being there) or its key's Secret changed
  // since `setup` was read: a healthy stream ends so that the next round reads them afresh.
  bool setup_changed(const Setup& setup) const;
  // One round: the setup, the pending segments, then the nodes in turn. False: wait `retry`.
  bool round();
  std::optional<Setup> prepare();
  // Where to start on `history`: after the last archived segment, or (nothing archived, or
  // after a gap) after the node's current position. nullopt when it cannot be known yet.
  std::optional<Gtid> start_position(Setup& setup, const NodeId& id, const std::string& history);
  Followed follow(Setup& setup, const NodeId& id);
  // Closed segment in: queued, then the queue stored in order as far as the storage takes it.
  void take(Setup& setup, BinlogSegment segment);
  // Stores the pending segments in order; false when the storage failed (they stay queued).
  bool flush(Setup& setup);
  // Whether the followed node is still one to follow (Synced in the Primary component, and not
  // the primary while a replica is), and its history the one followed.
  bool still_to_follow(const std::string& pod);
  // The MariaDB's status, when no physical restore started and status.binlogHistory is as
  // this round read it; nullopt otherwise (the history followed is no longer current).
  std::optional<json> status_if_history_current();
  // <namespace>/<name>: where this MariaDB's archive lies in the storage.
  std::string archive_prefix() const;
  void declare_gap(Setup& setup, const std::string& refusals);
  // ArchiveContinuous=False and a Warning event: `what` is missing from the archive.
  void report_gap(Setup& setup, const std::string& what);
  // Nothing is followed, for `reason` (the Archiving condition's): status says so.
  void idle(Setup& setup, const std::string& reason, const std::string& message);
  void write_status(Setup& setup, bool force);
  // Whether a physical base backup of the history (the PointInTimeRecovery's physicalBackupRef)
  // and the archive after it reach the archive's end without a hole: what lastRecoverableTime
  // claims. Listed again only when the bases or the history change, or after a gap.
  void check_recoverable(Setup& setup);
  void clear_pitr_condition(Setup& setup, const std::string& type);
  void set_pitr_condition(const std::string& pitr, const std::string& type, bool value,
                          const std::string& reason, const std::string& message);
  void event(const json& object, const std::string& type, const std::string& reason,
             const std::string& message);
  void wait(std::chrono::milliseconds delay);

  Store& store_;
  NodeAgent& agent_;
  const ObjectKey mariadb_;
  const ArchiveStorageOpener open_storage_;
  const BinlogArchiverOptions options_;

  std::mutex mutex_;
  std::condition_variable wake_;
  std::atomic<bool> stopping_{false};

  // The thread's own state, kept across rounds.
  std::string history_;                // the history archived under (see history_of)
  std::uint32_t cluster_domain_ = 0;   // the nodes' wsrep_gtid_domain_id
  std::string history_binlog_field_;   // MariaDB status.binlogHistory as the round read it
  std::optional<Gtid> next_from_;      // the last GTID archived or queued: the stream starts after
  bool restart_from_current_ = false;  // after a gap: the node's current position
  std::deque<PendingSegment> pending_;
  std::size_t pending_bytes_ = 0;
  std::optional<std::chrono::steady_clock::time_point> storage_failing_since_;
  bool storage_timeout_reported_ = false;
  std::string last_error_;   // the storage's, or the last node's refusal
  std::string idle_reason_;  // why nothing is followed: the Archiving condition's reason
  std::chrono::steady_clock::time_point next_upload_{};
  std::optional<BinlogSegment> last_archived_;
  std::string followed_pod_;
  std::string recoverable_checked_for_;  // the history and its bases' ids as last checked
  bool recoverable_ = false;
  std::string tried_last_;  // the pod whose stream failed last
  int refused_rounds_ = 0;
  std::chrono::steady_clock::time_point status_written_{};
  bool status_dirty_ = false;
  std::chrono::steady_clock::time_point node_checked_{};
  std::thread thread_;
};

}  // namespace mdbop
