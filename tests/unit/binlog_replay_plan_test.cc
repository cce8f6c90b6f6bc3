// The replay planner over segment names: which segments a restore replays from its base to each
// kind of target, and the archives it refuses, naming what is missing.
#include "backup/binlog_replay_plan.h"

#include <gtest/gtest.h>

namespace mdbop {
namespace {

constexpr const char* kHistory = "6f0a8b3e-1c2d-11ef-9a7b-0242ac120002";

BinlogSegmentName segment(std::uint64_t first, std::uint64_t last, std::uint32_t t1,
                          std::uint32_t t2) {
  return BinlogSegmentName{kHistory, first, last, t1, t2};
}

// Four consecutive segments, 1-100 committed at 1000..1099, 101-200 at 1100..1199, and so on.
std::vector<BinlogSegmentName> archive() {
  return {segment(1, 100, 1000, 1099), segment(101, 200, 1100, 1199), segment(201, 300, 1200, 1299),
          segment(301, 400, 1300, 1399)};
}

Gtid base(std::uint64_t sequence) { return Gtid{0, 1, sequence}; }

std::vector<std::uint64_t> firsts(const BinlogReplayPlan& plan) {
  std::vector<std::uint64_t> out;
  for (const auto& s : plan.segments) out.push_back(s.first_sequence);
  return out;
}

TEST(BinlogReplayPlan, LatestReplaysFromTheSegmentHoldingTheBasesNextGtidToTheEnd) {
  auto plan = plan_binlog_replay(archive(), base(150), LatestReplayTarget{});
  ASSERT_TRUE(plan) << plan.error().what();
  // The first segment begins before the base's next GTID: the trimmer leaves 101..150 out.
  EXPECT_EQ(firsts(*plan), (std::vector<std::uint64_t>{101, 201, 301}));
  EXPECT_EQ(plan->range.start_after, base(150));
  EXPECT_EQ(plan->range.stop_sequence, 400u);
  EXPECT_FALSE(plan->range.stop_time);
  EXPECT_EQ(plan->last_sequence, 400u);
  EXPECT_EQ(plan->last_commit_time, 1399u);
  EXPECT_FALSE(plan->time_target_beyond_archive);
}

TEST(BinlogReplayPlan, TheNamesMayComeInAnyOrder) {
  auto names = archive();
  std::reverse(names.begin(), names.end());
  auto plan = plan_binlog_replay(names, base(100), LatestReplayTarget{});
  ASSERT_TRUE(plan) << plan.error().what();
  EXPECT_EQ(firsts(*plan), (std::vector<std::uint64_t>{101, 201, 301}));
}

TEST(BinlogReplayPlan, AGtidTargetEndsAtTheSegmentHoldingIt) {
  auto plan = plan_binlog_replay(archive(), base(0), GtidReplayTarget{Gtid{0, 1, 250}});
  ASSERT_TRUE(plan) << plan.error().what();
  EXPECT_EQ(firsts(*plan), (std::vector<std::uint64_t>{1, 101, 201}));
  EXPECT_EQ(plan->range.stop_sequence, 250u);
  EXPECT_EQ(plan->last_sequence, 300u);

  auto at_end = plan_binlog_replay(archive(), base(0), GtidReplayTarget{Gtid{0, 1, 200}});
  ASSERT_TRUE(at_end);
  EXPECT_EQ(firsts(*at_end), (std::vector<std::uint64_t>{1, 101}));
  // The base itself: nothing to replay.
  auto same = plan_binlog_replay(archive(), base(200), GtidReplayTarget{Gtid{0, 1, 200}});
  ASSERT_TRUE(same);
  EXPECT_TRUE(same->segments.empty());
  EXPECT_EQ(same->last_sequence, 200u);
}

TEST(BinlogReplayPlan, ATimeTargetEndsAtTheFirstSegmentStampedAfterIt) {
  // 1250 lies inside 201-300: that segment is trimmed by time, 301-400 is not read.
  auto plan = plan_binlog_replay(archive(), base(50), TimeReplayTarget{1250});
  ASSERT_TRUE(plan) << plan.error().what();
  EXPECT_EQ(firsts(*plan), (std::vector<std::uint64_t>{1, 101, 201}));
  EXPECT_EQ(plan->range.stop_time, 1250u);
  EXPECT_FALSE(plan->range.stop_sequence);
  EXPECT_FALSE(plan->time_target_beyond_archive);

  // Between two segments: the one after begins past it and is not replayed.
  auto between = plan_binlog_replay({segment(1, 100, 1000, 1099), segment(101, 200, 1150, 1199)},
                                    base(0), TimeReplayTarget{1120});
  ASSERT_TRUE(between);
  EXPECT_EQ(firsts(*between), (std::vector<std::uint64_t>{1}));
  EXPECT_FALSE(between->time_target_beyond_archive);
}

TEST(BinlogReplayPlan, TheFirstSegmentIsReadWhateverItsFirstTimeSaysOfTransactionsInTheBase) {
  // Its first commit time is that of a transaction before the base's next GTID.
  auto plan = plan_binlog_replay(archive(), base(150), TimeReplayTarget{1050});
  ASSERT_TRUE(plan) << plan.error().what();
  EXPECT_EQ(firsts(*plan), (std::vector<std::uint64_t>{101}));
  EXPECT_FALSE(plan->time_target_beyond_archive);
}

TEST(BinlogReplayPlan, ATimeTargetAfterTheLastArchivedCommitIsReportedWithTheNearestPoint) {
  for (std::uint32_t target : {1399u, 5000u}) {
    auto plan = plan_binlog_replay(archive(), base(0), TimeReplayTarget{target});
    ASSERT_TRUE(plan) << plan.error().what();
    EXPECT_EQ(plan->segments.size(), 4u);
    EXPECT_TRUE(plan->time_target_beyond_archive) << target;
    EXPECT_EQ(plan->last_sequence, 400u);
    EXPECT_EQ(plan->last_commit_time, 1399u);
  }
  // Nothing archived after the base at all.
  auto nothing = plan_binlog_replay(archive(), base(400), TimeReplayTarget{5000});
  ASSERT_TRUE(nothing);
  EXPECT_TRUE(nothing->segments.empty());
  EXPECT_TRUE(nothing->time_target_beyond_archive);
  EXPECT_EQ(nothing->last_sequence, 400u);
}

TEST(BinlogReplayPlan, LatestWithNothingArchivedAfterTheBaseReplaysNothing) {
  auto plan = plan_binlog_replay(archive(), base(400), LatestReplayTarget{});
  ASSERT_TRUE(plan) << plan.error().what();
  EXPECT_TRUE(plan->segments.empty());
  EXPECT_EQ(plan->range.stop_sequence, 400u);
}

TEST(BinlogReplayPlan, AnArchiveBeginningAfterTheBasesNextGtidIsRefused) {
  auto plan = plan_binlog_replay({segment(151, 200, 1150, 1199)}, base(100), LatestReplayTarget{});
  ASSERT_FALSE(plan);
  EXPECT_EQ(plan.error().code, ErrorCode::kNotFound);
  EXPECT_EQ(plan.error().message,
            std::string("no segment of history ") + kHistory +
                " holds the base backup's next GTID 0-1-101: the archive after it begins at "
                "sequence number 151, so 101 to 150 are not archived; restore from a base backup "
                "taken at or after 150");
  // The base's next GTID itself is where it may begin.
  EXPECT_TRUE(plan_binlog_replay({segment(151, 200, 1150, 1199)}, base(150), LatestReplayTarget{}));
}

TEST(BinlogReplayPlan, AHoleTheReplayNeedsIsRefused) {
  std::vector<BinlogSegmentName> holed = {segment(1, 100, 1000, 1099),
                                          segment(131, 200, 1130, 1199)};
  for (const ReplayTarget& target :
       {ReplayTarget(LatestReplayTarget{}), ReplayTarget(GtidReplayTarget{Gtid{0, 1, 150}}),
        ReplayTarget(TimeReplayTarget{1099}), ReplayTarget(TimeReplayTarget{1150})}) {
    auto plan = plan_binlog_replay(holed, base(10), target);
    ASSERT_FALSE(plan);
    EXPECT_EQ(plan.error().code, ErrorCode::kNotFound);
    EXPECT_NE(plan.error().message.find(
                  "has a hole: no segment holds sequence numbers 101 to 130 (between segments "
                  "1-100 and 131-200)"),
              std::string::npos)
        << plan.error().message;
  }
  // A target before the hole does not need what lies after it.
  auto before = plan_binlog_replay(holed, base(10), GtidReplayTarget{Gtid{0, 1, 100}});
  ASSERT_TRUE(before) << before.error().what();
  EXPECT_EQ(firsts(*before), (std::vector<std::uint64_t>{1}));
  auto by_time = plan_binlog_replay(holed, base(10), TimeReplayTarget{1050});
  ASSERT_TRUE(by_time) << by_time.error().what();
  EXPECT_EQ(firsts(*by_time), (std::vector<std::uint64_t>{1}));

  auto overlap = plan_binlog_replay({segment(1, 100, 1000, 1099), segment(90, 200, 1090, 1199)},
                                    base(0), LatestReplayTarget{});
  ASSERT_FALSE(overlap);
  EXPECT_NE(overlap.error().message.find("segments 1-100 and 90-200, which overlap"),
            std::string::npos)
      << overlap.error().message;
}

TEST(BinlogReplayPlan, AGtidTargetBeyondTheArchiveIsRefused) {
  auto plan = plan_binlog_replay(archive(), base(0), GtidReplayTarget{Gtid{0, 1, 401}});
  ASSERT_FALSE(plan);
  EXPECT_EQ(plan.error().code, ErrorCode::kNotFound);
  EXPECT_EQ(plan.error().message,
            std::string("target GTID 0-1-401 is beyond the archive of history ") + kHistory +
                ", which ends at sequence number 400 (committed at 1399 Unix time)");
}

TEST(BinlogReplayPlan, TargetsThatCannotBeMeantAreRefused) {
  auto other_domain = plan_binlog_replay(archive(), base(0), GtidReplayTarget{Gtid{1001, 1, 5}});
  ASSERT_FALSE(other_domain);
  EXPECT_EQ(other_domain.error().code, ErrorCode::kInvalid);
  EXPECT_NE(other_domain.error().message.find("not of the cluster's domain 0"), std::string::npos);

  auto before_base = plan_binlog_replay(archive(), base(300), GtidReplayTarget{Gtid{0, 1, 250}});
  ASSERT_FALSE(before_base);
  EXPECT_EQ(before_base.error().code, ErrorCode::kInvalid);
  EXPECT_NE(before_base.error().message.find("choose an older base backup"), std::string::npos);

  auto empty = plan_binlog_replay({}, base(0), LatestReplayTarget{});
  ASSERT_FALSE(empty);
  EXPECT_EQ(empty.error().code, ErrorCode::kNotFound);

  auto mixed = archive();
  mixed[1].history = "7f0a8b3e-1c2d-11ef-9a7b-0242ac120002";
  auto two = plan_binlog_replay(mixed, base(0), LatestReplayTarget{});
  ASSERT_FALSE(two);
  EXPECT_EQ(two.error().code, ErrorCode::kInvalid);
}

}  // namespace
}  // namespace mdbop
