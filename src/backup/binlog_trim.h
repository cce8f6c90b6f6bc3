// Trims one archived segment to the transactions a replay needs: after the base backup's GTID and
// up to the target. The result is a binary-log file of its own (the magic, the segment's format
// description, whole transactions), so that `mariadb-binlog FILE` reads it alone. Pure.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "sql/binlog_event.h"
#include "util/result.h"

namespace mdbop {

// What a replay keeps, in the cluster's GTID domain (start_after's).
struct BinlogReplayRange {
  // The base backup's GTID: transactions up to it (inclusive) are in the base already.
  Gtid start_after;
  // Inclusive: the target GTID's sequence number (or the archive's last, for "latest").
  std::optional<std::uint64_t> stop_sequence;
  // Inclusive, Unix seconds: the replay ends before the first transaction whose commit event
  // (its last event) is stamped later. Binary-log times need not grow (writers' clocks differ),
  // and a replay is a prefix of the history, so a later transaction stamped earlier is not kept.
  std::optional<std::uint32_t> stop_time;
};

struct TrimmedBinlogSegment {
  std::string bytes;              // magic, format description, the kept transactions
  std::optional<Gtid> last_gtid;  // of the last kept transaction; none when none was kept
  std::uint32_t last_commit_time = 0;
  std::size_t transactions = 0;
  // The replay ends in this segment (the stop GTID was kept, or a transaction past the stop
  // was found): the segments after it are not to be read.
  bool reached_stop = false;
};

// kCorrupt when `segment` is not a segment as the segmenter writes it: the magic, one format
// description, then only whole transactions of start_after's domain.
Result<TrimmedBinlogSegment> trim_binlog_segment(const std::string& segment,
                                                 const BinlogReplayRange& range);

}  // namespace mdbop
