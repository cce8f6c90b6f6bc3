// Which archived segments a restore to a moment replays, in order, from its base backup's GTID to
// the target, decided from the segments' names alone (backup/binlog_segment_name.h). Pure: the
// caller lists the history's folder, then reads, trims (backup/binlog_trim.h) and replays the
// planned segments.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <variant>
#include <vector>

#include "backup/binlog_segment_name.h"
#include "backup/binlog_trim.h"
#include "sql/binlog_event.h"
#include "util/result.h"

namespace mdbop {

// The newest archived transaction.
struct LatestReplayTarget {};
// Every transaction whose commit event is stamped at or before it (Unix seconds; binary-log
// times have one-second resolution), up to the first one stamped later.
struct TimeReplayTarget {
  std::uint32_t unix_seconds = 0;
};
// That transaction, inclusive (of the base's domain; the sequence number decides).
struct GtidReplayTarget {
  Gtid gtid;
};
using ReplayTarget = std::variant<LatestReplayTarget, TimeReplayTarget, GtidReplayTarget>;

struct BinlogReplayPlan {
  // In GTID order, each following the one before without a hole. The first may begin before the
  // base's next GTID (the trimmer leaves those transactions out); empty when nothing is replayed.
  std::vector<BinlogSegmentName> segments;
  // What each segment is trimmed to. stop_sequence is set for a GTID target and for latest (the
  // archive's last sequence number), stop_time for a time target, whose last transaction is
  // known only once the segments are read (the trimmer reports it).
  BinlogReplayRange range;
  // A time target that the archive does not reach: no archived transaction after the base is
  // stamped later than it, so transactions up to it may be missing (not archived yet, or lost).
  // The plan then goes to the last archived transaction (last_sequence, last_commit_time); a
  // strict restore refuses instead.
  bool time_target_beyond_archive = false;
  // The last sequence number and commit time of the planned segments (the base's sequence number
  // and 0 when none are planned): where the replay ends for latest, at most where it ends
  // otherwise.
  std::uint64_t last_sequence = 0;
  std::uint32_t last_commit_time = 0;
};

// A base backup's GTID in the cluster's `domain`, from its GTID position (an artifact manifest's
// gtid, "0-1-42,1000-1-3"): that domain's GTID, or sequence 0 when the position has none of it
// (no transaction of the cluster before the backup). kInvalid when the position is malformed.
Result<Gtid> base_gtid_in_domain(std::string_view position, std::uint32_t domain);

// `segments`: the names of one history's segments, in any order. `base`: the base backup's GTID
// in the cluster's domain (its manifest's gtid). Refused, naming what is missing:
//  - kNotFound: nothing archived; the archive begins after the base's next GTID; a GTID target
//    beyond the archive's last sequence number; a hole between consecutive segments the replay
//    needs (or two that overlap);
//  - kInvalid: a GTID target of another domain than the base's, or before the base; segments of
//    several histories.
Result<BinlogReplayPlan> plan_binlog_replay(const std::vector<BinlogSegmentName>& segments,
                                            const Gtid& base, const ReplayTarget& target);

}  // namespace mdbop
