#include "backup/binlog_replay_plan.h"

#include <algorithm>
#include <tuple>

#include <fmt/format.h>

namespace mdbop {
namespace {

std::string segment_text(const BinlogSegmentName& segment) {
  return fmt::format("{}-{}", segment.first_sequence, segment.last_sequence);
}

tl::unexpected<Error> discontinuity(const BinlogSegmentName& before,
                                    const BinlogSegmentName& after) {
  if (after.first_sequence <= before.last_sequence) {
    return fail(ErrorCode::kNotFound,
                fmt::format("the archive of history {} holds segments {} and {}, which overlap: "
                            "remove the one an earlier archiver left",
                            after.history, segment_text(before), segment_text(after)));
  }
  return fail(ErrorCode::kNotFound,
              fmt::format("the archive of history {} has a hole: no segment holds sequence "
                          "numbers {} to {} (between segments {} and {}); choose a target before "
                          "{}, or a base backup taken at or after {}",
                          after.history, before.last_sequence + 1, after.first_sequence - 1,
                          segment_text(before), segment_text(after), before.last_sequence + 1,
                          after.first_sequence - 1));
}

}  // namespace

Result<Gtid> base_gtid_in_domain(std::string_view position, std::uint32_t domain) {
  auto gtids = parse_gtid_position(position);
  if (!gtids) return tl::unexpected(gtids.error());
  for (const Gtid& gtid : *gtids) {
    if (gtid.domain_id == domain) return gtid;
  }
  return Gtid{domain, 0, 0};
}

Result<BinlogReplayPlan> plan_binlog_replay(const std::vector<BinlogSegmentName>& segments,
                                            const Gtid& base, const ReplayTarget& target) {
  if (segments.empty()) {
    return fail(ErrorCode::kNotFound,
                "no binary-log segment is archived in this history: nothing to replay after the "
                "base backup's GTID " +
                    base.text());
  }
  std::vector<BinlogSegmentName> sorted = segments;
  std::sort(sorted.begin(), sorted.end(), [](const auto& a, const auto& b) {
    return std::tie(a.first_sequence, a.last_sequence) <
           std::tie(b.first_sequence, b.last_sequence);
  });
  const std::string& history = sorted.front().history;
  for (const auto& segment : sorted) {
    if (segment.history != history) {
      return fail(ErrorCode::kInvalid,
                  fmt::format("segments of two histories ({}, {}): a replay reads one history's",
                              history, segment.history));
    }
  }
  const auto* time = std::get_if<TimeReplayTarget>(&target);
  const auto* gtid = std::get_if<GtidReplayTarget>(&target);
  const BinlogSegmentName& newest = sorted.back();
  if (gtid) {
    if (gtid->gtid.domain_id != base.domain_id) {
      return fail(ErrorCode::kInvalid,
                  fmt::format("target GTID {} is not of the cluster's domain {} (the base "
                              "backup's GTID is {})",
                              gtid->gtid.text(), base.domain_id, base.text()));
    }
    if (gtid->gtid.sequence < base.sequence) {
      return fail(ErrorCode::kInvalid,
                  fmt::format("target GTID {} is before the base backup's GTID {}: choose an "
                              "older base backup",
                              gtid->gtid.text(), base.text()));
    }
    if (gtid->gtid.sequence > newest.last_sequence) {
      return fail(
          ErrorCode::kNotFound,
          fmt::format("target GTID {} is beyond the archive of history {}, which ends at "
                      "sequence number {} (committed at {} Unix time)",
                      gtid->gtid.text(), history, newest.last_sequence, newest.last_commit_time));
    }
  }

  BinlogReplayPlan plan;
  plan.range.start_after = base;
  plan.last_sequence = base.sequence;
  if (time) plan.range.stop_time = time->unix_seconds;
  // Segments wholly in the base are not replayed.
  auto first = std::find_if(sorted.begin(), sorted.end(), [&](const auto& segment) {
    return segment.last_sequence > base.sequence;
  });
  const bool nothing_to_replay =
      first == sorted.end() || (gtid && gtid->gtid.sequence == base.sequence);
  if (!nothing_to_replay && first->first_sequence > base.sequence + 1) {
    return fail(ErrorCode::kNotFound,
                fmt::format("no segment of history {} holds the base backup's next GTID {}: the "
                            "archive after it begins at sequence number {}, so {} to {} are not "
                            "archived; restore from a base backup taken at or after {}",
                            history, Gtid{base.domain_id, base.server_id, base.sequence + 1}.text(),
                            first->first_sequence, base.sequence + 1, first->first_sequence - 1,
                            first->first_sequence - 1));
  }
  // A time target is reached once an archived transaction after the base is stamped later.
  bool time_reached = false;
  for (auto segment = first; !nothing_to_replay && segment != sorted.end(); ++segment) {
    if (segment != first) {
      const BinlogSegmentName& before = *(segment - 1);
      if (segment->first_sequence != before.last_sequence + 1) {
        return discontinuity(before, *segment);
      }
      // Its first transaction is past the target: the replay ends before it.
      if (time && segment->first_commit_time > time->unix_seconds) {
        time_reached = true;
        break;
      }
    }
    plan.segments.push_back(*segment);
    plan.last_sequence = segment->last_sequence;
    plan.last_commit_time = segment->last_commit_time;
    if (gtid && segment->last_sequence >= gtid->gtid.sequence) break;
    if (time && segment->last_commit_time > time->unix_seconds) {
      time_reached = true;
      break;
    }
  }
  if (gtid) {
    plan.range.stop_sequence = gtid->gtid.sequence;
  } else if (!time) {
    plan.range.stop_sequence = plan.last_sequence;
  }
  plan.time_target_beyond_archive = time && !time_reached;
  return plan;
}

}  // namespace mdbop
