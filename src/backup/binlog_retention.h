// Which archived binary-log segments retention deletes: a pure decision over one archived
// MariaDB's segments (every history of it) and the base backups that are kept. A restore to a
// moment replays a base's own history from just after the base's GTID, so a segment is needed
// only when it holds a transaction after the oldest kept base of its history; a history no kept
// base belongs to can serve no restore at all. The history being archived now is never deleted
// whole (its first base may not be taken yet), nothing is deleted while no base is kept, and a
// history's newest segment stays: it says where the archive ends, so that a restore to latest
// from a base taken after it knows there is nothing to replay.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "backup/binlog_segment_name.h"

namespace mdbop {

// A kept base backup: the history its data belongs to and its GTID's sequence number in the
// cluster's domain.
struct ArchiveBase {
  std::string history;
  std::uint64_t sequence = 0;
};

struct BinlogPrune {
  // Segments of histories with a kept base, wholly at or before the oldest of them (but the
  // history's newest).
  std::vector<BinlogSegmentName> segments;
  // Histories that no kept base belongs to, other than the ones being archived.
  std::vector<std::string> histories;
};

// `archived`: every segment of the MariaDB's archive, in any order. `current`: the histories
// archiving may still write to (the MariaDB's status.binlogHistory and the archiver's).
BinlogPrune binlog_segments_beyond_retention(const std::vector<BinlogSegmentName>& archived,
                                             const std::vector<ArchiveBase>& bases,
                                             const std::vector<std::string>& current);

}  // namespace mdbop
