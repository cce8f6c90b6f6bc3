// BinlogSegmenter: cuts a binary-log stream into segments, the archive's objects. A segment is
// a binary-log file of its own: the magic, the stream's format description, then whole
// transactions of the cluster's GTID domain, so that `mariadb-binlog SEGMENT` reads it alone.
// Pure: the caller brings the events and the time.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "sql/binlog_event.h"

namespace mdbop {

struct BinlogSegmentLimits {
  // A segment closes at the first transaction boundary at or past either limit, so a
  // transaction larger than max_bytes makes one segment of its own, whole.
  std::size_t max_bytes = 16 * 1024 * 1024;
  // Counted from when the segment's first transaction was complete: how long an archived
  // transaction may wait for its segment to close, the archive's recovery point before upload.
  std::chrono::milliseconds max_age{200};
};

struct BinlogSegment {
  std::string bytes;  // a binary-log file: magic, format description, transactions
  Gtid first_gtid;
  Gtid last_gtid;
  std::uint32_t first_commit_time = 0;  // Unix seconds, of the first transaction's commit event
  std::uint32_t last_commit_time = 0;
  std::size_t transactions = 0;
  // Set when the stream jumped: the GTID the stream held before first_gtid, which is not the
  // one before it. The transactions between are in no segment: the archive has a hole here.
  std::optional<Gtid> gap_after;
};

class BinlogSegmenter {
 public:
  using Clock = std::chrono::steady_clock;

  // Keeps the transactions of `domain_id` (the cluster's, wsrep_gtid_domain_id); those of
  // other domains (a node's own writes outside Galera, which no other node has) are left out.
  // `after`: the GTID the stream starts after, which the first kept transaction must follow.
  BinlogSegmenter(std::uint32_t domain_id, std::optional<Gtid> after,
                  BinlogSegmentLimits limits = {});

  // Takes the stream's next event (ends_transaction set by the stream), received at `now`.
  // Returns the segment it closed, if any. A format description is kept for the segments to
  // come, and closes the open segment first (a new binary-log file may bring another format).
  // Other events outside a transaction (rotate, GTID list, checkpoint) are not archived.
  // A GTID event while a transaction is open ends that one: the server begins an event group
  // only after the previous one ended, so it is whole even when its end was not recognised.
  // So do a format description and a rotate (a transaction never spans binary-log files).
  // A kept transaction whose sequence number does not follow the last one's closes the open
  // segment and begins one with gap_after set. Throws std::logic_error for a transaction
  // before any format description (a stream always sends one first).
  std::optional<BinlogSegment> add(const BinlogEvent& event, Clock::time_point now);
  // Closes the open segment when its age reached the limit: call it when no event came for a
  // while (at the stream's heartbeat), so that a quiet cluster's last transactions are archived.
  std::optional<BinlogSegment> tick(Clock::time_point now);

  // Whole transactions held in the open segment (none: nothing to close).
  std::size_t open_transactions() const { return open_ ? open_->transactions : 0; }

 private:
  std::optional<BinlogSegment> close();
  // The transaction under way is whole: into the open segment when it is kept. Returns the
  // segment closed by a jump, by the size limit or by age.
  std::optional<BinlogSegment> end_transaction(Clock::time_point now);

  std::uint32_t domain_id_;
  BinlogSegmentLimits limits_;
  std::optional<Gtid> last_kept_;   // the last kept transaction's GTID, or where the stream began
  std::string format_description_;  // the raw event, empty until the stream sent one
  // The transaction under way: its events so far, its GTID, whether it is kept, and the
  // timestamp of its last event (its commit's, once it ended).
  std::string transaction_;
  std::optional<Gtid> transaction_gtid_;
  bool transaction_kept_ = false;
  std::uint32_t transaction_time_ = 0;
  std::optional<BinlogSegment> open_;
  Clock::time_point opened_at_{};
};

}  // namespace mdbop
