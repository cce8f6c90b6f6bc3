// What the binary-log integration tests (and mdbop_archive_bench) share: a value read over SQL,
// the cluster domain's GTID in a position, the GTIDs mariadb-binlog reads in a file, the archive's
// manifests, and a node's binary log followed into segments kept in memory, as the archiver cuts
// them (BinlogSegmenter), indexed by their names.
#pragma once

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "backup/binlog_segment.h"
#include "backup/binlog_segment_name.h"
#include "sql/binlog_stream.h"
#include "sql/connection.h"

namespace mdbop::testing {

// The first column of the first row; throws when there is none.
std::string single_value(SqlConnection& connection, const std::string& sql);

// The cluster domain's GTID in a GTID position ("0-1-7,1000-1-2" -> 0-1-7); throws when none.
Gtid cluster_gtid(const std::string& position);

// The sequence numbers of the cluster's GTIDs (0-1-N) that `mariadb-binlog
// --verify-binlog-checksum` finds in a binary-log file, in order; a test failure when it fails.
std::vector<std::uint64_t> gtids_read_by_mariadb_binlog(const std::filesystem::path& path);

// The key archive_manifests encrypts the archive with.
inline constexpr const char* kArchiveKey = "archive-key-0123456789abcdef";

// A PointInTimeRecovery "pitr" in `namespace_` archiving into the volume at `archive`, zstd and
// encrypted with kArchiveKey (Secret "archive-key" there); a MariaDB of that namespace uses it
// with `pointInTimeRecoveryRef: {name: pitr}`.
std::string archive_manifests(const std::filesystem::path& archive, const std::string& namespace_);

// Follows a node's binary log after `from` into small segments (2000 bytes or 200 ms, so that a
// replay spans several and begins inside one), kept by name. follow() runs until stop().
class SegmentCollector {
 public:
  SegmentCollector(std::string history, Gtid from, std::uint32_t follower_server_id)
      : history_(std::move(history)), last_(from), follower_server_id_(follower_server_id) {}

  Result<bool> follow(const SqlEndpoint& endpoint);
  void stop() { stop_ = true; }
  std::uint64_t last_sequence();
  std::vector<BinlogSegmentName> names();
  std::string bytes(const BinlogSegmentName& name);

 private:
  struct ByFirstSequence {
    bool operator()(const BinlogSegmentName& a, const BinlogSegmentName& b) const {
      return a.first_sequence < b.first_sequence;
    }
  };
  void keep(const BinlogSegment& segment);

  std::string history_;
  std::atomic<bool> stop_{false};
  std::mutex mutex_;
  Gtid last_;
  std::uint32_t follower_server_id_;
  std::map<BinlogSegmentName, std::string, ByFirstSequence> segments_;
};

}  // namespace mdbop::testing
