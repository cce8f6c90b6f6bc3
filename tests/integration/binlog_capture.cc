#include "binlog_capture.h"

#include <gtest/gtest.h>

#include <regex>
#include <stdexcept>

#include "util/subprocess.h"

namespace mdbop::testing {

std::string single_value(SqlConnection& connection, const std::string& sql) {
  auto rows = connection.query(sql);
  if (!rows || rows->rows.empty() || !rows->rows[0][0]) {
    throw std::runtime_error(sql + ": " + (rows ? "no value" : rows.error().what()));
  }
  return *rows->rows[0][0];
}

Gtid cluster_gtid(const std::string& position) {
  auto gtids = parse_gtid_position(position);
  if (gtids) {
    for (const auto& gtid : *gtids) {
      if (gtid.domain_id == 0) return gtid;
    }
  }
  throw std::runtime_error("no domain-0 GTID in \"" + position + "\"");
}

std::string archive_manifests(const std::filesystem::path& archive, const std::string& namespace_) {
  const std::string metadata = ", namespace: " + namespace_ + "}";
  return "apiVersion: v1\nkind: Secret\nmetadata: {name: archive-key" + metadata +
         "\nstringData: {key: " + std::string(kArchiveKey) +
         "}\n---\napiVersion: k8s.mariadb.com/v1alpha1\nkind: PointInTimeRecovery\n"
         "metadata: {name: pitr" +
         metadata +
         "\nspec:\n  physicalBackupRef: {name: nightly}\n"
         "  storage: {volume: {hostPath: {path: " +
         archive.string() +
         "}}}\n  compression: zstd\n"
         "  encryption: {keySecretKeyRef: {name: archive-key, key: key}}\n";
}

Result<bool> SegmentCollector::follow(const SqlEndpoint& endpoint) {
  BinlogFollowRequest request;
  request.from = {last_};
  request.follower_server_id = follower_server_id_;
  BinlogSegmenter segmenter(0, last_, BinlogSegmentLimits{2000, std::chrono::milliseconds(200)});
  return follow_binlog(
      endpoint, request,
      [&](const BinlogEvent& event) {
        if (auto segment = segmenter.add(event, BinlogSegmenter::Clock::now())) keep(*segment);
      },
      [&] {
        if (auto segment = segmenter.tick(BinlogSegmenter::Clock::now())) keep(*segment);
        return stop_.load();
      });
}

std::uint64_t SegmentCollector::last_sequence() {
  std::lock_guard lock(mutex_);
  return last_.sequence;
}

std::vector<BinlogSegmentName> SegmentCollector::names() {
  std::lock_guard lock(mutex_);
  std::vector<BinlogSegmentName> names;
  for (const auto& [name, bytes] : segments_) names.push_back(name);
  return names;
}

std::string SegmentCollector::bytes(const BinlogSegmentName& name) {
  std::lock_guard lock(mutex_);
  return segments_.at(name);
}

void SegmentCollector::keep(const BinlogSegment& segment) {
  // A follower thread records the failure (a throw would end the test binary).
  if (segment.gap_after) {
    ADD_FAILURE() << "the stream jumped from " << segment.gap_after->text() << " to "
                  << segment.first_gtid.text();
  }
  std::lock_guard lock(mutex_);
  segments_[{history_, segment.first_gtid.sequence, segment.last_gtid.sequence,
             segment.first_commit_time, segment.last_commit_time}] = segment.bytes;
  last_ = segment.last_gtid;
}

std::vector<std::uint64_t> gtids_read_by_mariadb_binlog(const std::filesystem::path& path) {
  auto run = run_process({.argv = {"mariadb-binlog", "--verify-binlog-checksum", path.string()}});
  if (!run || !run->ok()) {
    ADD_FAILURE() << "mariadb-binlog " << path << ": "
                  << (run ? run->describe() : run.error().what());
    return {};
  }
  std::vector<std::uint64_t> sequences;
  static const std::regex gtid_line(R"(\tGTID 0-1-(\d+))");
  for (std::sregex_iterator it(run->stdout_text.begin(), run->stdout_text.end(), gtid_line), end;
       it != end; ++it) {
    sequences.push_back(std::stoull((*it)[1]));
  }
  return sequences;
}

}  // namespace mdbop::testing
