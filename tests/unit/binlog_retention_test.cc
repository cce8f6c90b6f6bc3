#include "backup/binlog_retention.h"

#include <gtest/gtest.h>

namespace mdbop {
namespace {

const std::string kOld = "11111111-1111-1111-1111-111111111111";
const std::string kNow = "22222222-2222-2222-2222-222222222222";
const std::string kAbandoned = "33333333-3333-3333-3333-333333333333";

BinlogSegmentName segment(const std::string& history, std::uint64_t first, std::uint64_t last) {
  return {history, first, last, 1800000000, 1800000001};
}

std::vector<std::uint64_t> firsts(const BinlogPrune& prune) {
  std::vector<std::uint64_t> sequences;
  for (const BinlogSegmentName& s : prune.segments) sequences.push_back(s.first_sequence);
  return sequences;
}

TEST(BinlogRetention, KeepsEverythingWhileNoBaseIsKept) {
  const BinlogPrune prune = binlog_segments_beyond_retention(
      {segment(kOld, 1, 10), segment(kAbandoned, 1, 5)}, {}, {kNow});
  EXPECT_TRUE(prune.segments.empty());
  EXPECT_TRUE(prune.histories.empty());
}

TEST(BinlogRetention, DeletesTheSegmentsWhollyAtOrBeforeTheOldestKeptBaseOfTheirHistory) {
  const BinlogPrune prune = binlog_segments_beyond_retention(
      {segment(kNow, 1, 10), segment(kNow, 11, 20), segment(kNow, 21, 30), segment(kNow, 31, 40)},
      {{kNow, 35}, {kNow, 20}}, {kNow});
  // 21-30 holds 21, which a restore from the base at 20 replays first.
  EXPECT_EQ(firsts(prune), (std::vector<std::uint64_t>{1, 11}));
  EXPECT_TRUE(prune.histories.empty());
}

TEST(BinlogRetention, ASegmentHoldingTheBasesNextTransactionIsKept) {
  const BinlogPrune prune = binlog_segments_beyond_retention(
      {segment(kNow, 1, 10), segment(kNow, 11, 20)}, {{kNow, 10}}, {kNow});
  EXPECT_EQ(firsts(prune), (std::vector<std::uint64_t>{1}));
  const BinlogPrune before = binlog_segments_beyond_retention(
      {segment(kNow, 1, 10), segment(kNow, 11, 20)}, {{kNow, 9}}, {kNow});
  EXPECT_TRUE(before.segments.empty());
}

TEST(BinlogRetention, AHistorysNewestSegmentStaysToSayWhereTheArchiveEnds) {
  const BinlogPrune prune = binlog_segments_beyond_retention(
      {segment(kNow, 1, 10), segment(kNow, 11, 20)}, {{kNow, 25}}, {kNow});
  EXPECT_EQ(firsts(prune), (std::vector<std::uint64_t>{1}));
}

TEST(BinlogRetention, AHistoryWithoutAKeptBaseGoesWholeUnlessItIsBeingArchived) {
  const BinlogPrune prune = binlog_segments_beyond_retention(
      {segment(kOld, 1, 10), segment(kOld, 11, 20), segment(kAbandoned, 1, 5),
       segment(kAbandoned, 6, 9), segment(kNow, 1, 3)},
      {{kOld, 15}}, {kNow});
  EXPECT_EQ(firsts(prune), (std::vector<std::uint64_t>{1}));
  EXPECT_EQ(prune.segments.front().history, kOld);
  // kNow has no base yet but is being archived: its first base will need what follows it.
  EXPECT_EQ(prune.histories, (std::vector<std::string>{kAbandoned}));
}

}  // namespace
}  // namespace mdbop
