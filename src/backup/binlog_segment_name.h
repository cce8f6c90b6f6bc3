// The object name of an archived binary-log segment, which is the archive's index:
//   <prefix>/binlog/<history>/<first seq>-<last seq>-<first time>-<last time>.seg
// The sequence numbers (of the cluster's GTID domain) are zero-padded to 20 digits, so that the
// lexical order of a history's names is GTID order: a restore lists from its base backup's
// GTID with start-after, retention deletes a prefix. Times are the first and last commit times
// in Unix seconds. The history is the cluster's state UUID (wsrep_cluster_state_uuid): the
// same across crash recoveries, new after a restore, whose GTIDs start over.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "util/result.h"

namespace mdbop {

struct BinlogSegmentName {
  std::string history;
  std::uint64_t first_sequence = 0;
  std::uint64_t last_sequence = 0;
  std::uint32_t first_commit_time = 0;
  std::uint32_t last_commit_time = 0;

  friend bool operator==(const BinlogSegmentName&, const BinlogSegmentName&) = default;
};

// "<prefix>/binlog/<history>/" ("binlog/<history>/" without a prefix): where a history's
// segments are listed. kInvalid unless the history is a UUID (lowercase hex 8-4-4-4-12) and
// the prefix is empty or has no leading or trailing '/'.
Result<std::string> binlog_history_folder(std::string_view prefix, std::string_view history);
// The segment's key. kInvalid as binlog_history_folder, or when first_sequence > last_sequence.
Result<std::string> binlog_segment_key(std::string_view prefix, const BinlogSegmentName& name);
// Reads a key written by binlog_segment_key (any prefix). kInvalid for anything else.
Result<BinlogSegmentName> parse_binlog_segment_key(std::string_view key);

}  // namespace mdbop
