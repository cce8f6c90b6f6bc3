#include "backup/binlog_segment.h"

#include <gtest/gtest.h>

#include "binlog_test_events.h"

namespace mdbop {
namespace {

using namespace binlog_test;
using namespace std::chrono_literals;
using Clock = BinlogSegmenter::Clock;

BinlogEvent event(const std::string& raw, bool ends = false) {
  auto parsed = parse_binlog_event(raw);
  EXPECT_TRUE(parsed) << parsed.error().message;
  parsed->ends_transaction = ends;
  return *parsed;
}

// The events of one row transaction of `domain`, sequence `sequence`, committed at `time`.
std::vector<BinlogEvent> transaction(std::uint64_t sequence, std::uint32_t time,
                                     std::size_t row_bytes = 20, std::uint32_t domain = 0) {
  return {event(gtid_event(1, domain, sequence, time, false)), event(query_event(1, time, "BEGIN")),
          event(rows_event(1, time, row_bytes)), event(xid_event(1, time), true)};
}

std::string bytes_of(const std::vector<BinlogEvent>& events) {
  std::string bytes;
  for (const auto& e : events) bytes += e.raw;
  return bytes;
}

class Segmenter : public ::testing::Test {
 protected:
  // Feeds the events at `at`; returns the segments closed.
  std::vector<BinlogSegment> feed(const std::vector<BinlogEvent>& events, Clock::time_point at) {
    std::vector<BinlogSegment> closed;
    for (const auto& e : events) {
      if (auto segment = segmenter.add(e, at)) closed.push_back(std::move(*segment));
    }
    return closed;
  }

  Clock::time_point t0 = Clock::time_point(1h);
  BinlogSegmenter segmenter{0, std::nullopt, BinlogSegmentLimits{1000, 200ms}};
};

TEST_F(Segmenter, ASegmentIsAFileOfItsOwnWithWholeTransactions) {
  EXPECT_TRUE(feed({event(format_description())}, t0).empty());
  EXPECT_TRUE(feed(transaction(5, 100), t0).empty());
  EXPECT_TRUE(feed(transaction(6, 101), t0 + 10ms).empty());
  auto segment = segmenter.tick(t0 + 200ms);
  ASSERT_TRUE(segment);
  EXPECT_EQ(segment->bytes, std::string(kBinlogMagic) + format_description() +
                                bytes_of(transaction(5, 100)) + bytes_of(transaction(6, 101)));
  EXPECT_EQ(segment->first_gtid.text(), "0-1-5");
  EXPECT_EQ(segment->last_gtid.text(), "0-1-6");
  EXPECT_EQ(segment->first_commit_time, 100u);
  EXPECT_EQ(segment->last_commit_time, 101u);
  EXPECT_EQ(segment->transactions, 2u);
  EXPECT_EQ(segmenter.open_transactions(), 0u);
  EXPECT_FALSE(segmenter.tick(t0 + 10s));  // nothing open
}

TEST_F(Segmenter, AgeCountsFromTheFirstCompleteTransactionAndClosesOnlyBetweenTransactions) {
  feed({event(format_description())}, t0);
  feed(transaction(1, 100), t0);
  EXPECT_FALSE(segmenter.tick(t0 + 199ms));
  // A transaction under way when the age is reached stays out of the closed segment, whole.
  auto second = transaction(2, 101);
  EXPECT_TRUE(feed({second[0], second[1]}, t0 + 150ms).empty());
  auto closed = segmenter.tick(t0 + 200ms);
  ASSERT_TRUE(closed);
  EXPECT_EQ(closed->last_gtid.sequence, 1u);
  EXPECT_TRUE(feed({second[2], second[3]}, t0 + 250ms).empty());
  auto next = segmenter.tick(t0 + 450ms);
  ASSERT_TRUE(next);
  EXPECT_EQ(next->first_gtid.sequence, 2u);
  EXPECT_EQ(next->bytes, std::string(kBinlogMagic) + format_description() + bytes_of(second));
}

TEST_F(Segmenter, AnEventPastTheAgeClosesTheSegmentItEnds) {
  feed({event(format_description())}, t0);
  feed(transaction(1, 100), t0);
  auto closed = feed(transaction(2, 100), t0 + 300ms);
  ASSERT_EQ(closed.size(), 1u);
  EXPECT_EQ(closed[0].transactions, 2u);
}

TEST_F(Segmenter, SizeClosesAtTheFirstBoundaryPastTheLimit) {
  feed({event(format_description())}, t0);
  std::vector<BinlogSegment> closed;
  for (std::uint64_t sequence = 1; sequence <= 20; ++sequence) {
    for (auto& segment : feed(transaction(sequence, 100), t0)) closed.push_back(segment);
  }
  ASSERT_GE(closed.size(), 2u);
  std::uint64_t next = 1;
  for (const auto& segment : closed) {
    EXPECT_GE(segment.bytes.size(), 1000u);
    // Just past the limit: without its last transaction it was under it.
    EXPECT_LT(segment.bytes.size() - bytes_of(transaction(1, 100)).size(), 1000u);
    EXPECT_EQ(segment.first_gtid.sequence, next);
    next = segment.last_gtid.sequence + 1;
  }
}

TEST_F(Segmenter, ATransactionLargerThanTheLimitStaysWhole) {
  feed({event(format_description())}, t0);
  feed(transaction(1, 100), t0);
  auto big = transaction(2, 100, 5000);
  auto closed = feed(big, t0);
  ASSERT_EQ(closed.size(), 1u);
  EXPECT_EQ(closed[0].first_gtid.sequence, 1u);
  EXPECT_EQ(closed[0].last_gtid.sequence, 2u);
  EXPECT_EQ(closed[0].bytes, std::string(kBinlogMagic) + format_description() +
                                 bytes_of(transaction(1, 100)) + bytes_of(big));
  auto alone = feed(transaction(3, 100, 5000), t0);
  ASSERT_EQ(alone.size(), 1u);
  EXPECT_EQ(alone[0].transactions, 1u);
}

TEST_F(Segmenter, OtherDomainsAndEventsBetweenTransactionsAreLeftOut) {
  feed({event(format_description()), event(event_bytes(binlog_event_type::kRotate, 1, 100, "x")),
        event(event_bytes(161, 1, 100, "checkpoint"))},
       t0);
  feed(transaction(7, 100, 20, 1001), t0);  // a node's own write outside Galera
  feed(transaction(3, 100), t0);
  auto segment = segmenter.tick(t0 + 1s);
  ASSERT_TRUE(segment);
  EXPECT_EQ(segment->bytes,
            std::string(kBinlogMagic) + format_description() + bytes_of(transaction(3, 100)));
}

TEST_F(Segmenter, AStandaloneStatementIsATransaction) {
  feed({event(format_description())}, t0);
  feed({event(gtid_event(1, 0, 4, 100, true)),
        event(query_event(1, 100, "CREATE TABLE t (a INT)"), true)},
       t0);
  auto segment = segmenter.tick(t0 + 1s);
  ASSERT_TRUE(segment);
  EXPECT_EQ(segment->first_gtid.sequence, 4u);
  EXPECT_EQ(segment->transactions, 1u);
}

TEST_F(Segmenter, ANewFormatDescriptionClosesTheOpenSegmentAndStartsTheNext) {
  feed({event(format_description())}, t0);
  feed(transaction(1, 100), t0);
  auto closed = feed({event(format_description(false))}, t0);
  ASSERT_EQ(closed.size(), 1u);
  EXPECT_EQ(closed[0].last_gtid.sequence, 1u);
  feed(transaction(2, 100), t0);
  auto next = segmenter.tick(t0 + 1s);
  ASSERT_TRUE(next);
  EXPECT_EQ(next->bytes.substr(0, 4 + format_description(false).size()),
            std::string(kBinlogMagic) + format_description(false));
}

TEST_F(Segmenter, AJumpInSequenceNumbersIsAHoleBetweenSegments) {
  BinlogSegmenter after_ten(0, Gtid{0, 1, 10}, BinlogSegmentLimits{1000, 200ms});
  ASSERT_FALSE(after_ten.add(event(format_description()), t0));
  for (const auto& e : transaction(11, 100)) EXPECT_FALSE(after_ten.add(e, t0));
  std::optional<BinlogSegment> closed;
  for (const auto& e : transaction(14, 101)) {
    if (auto segment = after_ten.add(e, t0)) closed = std::move(segment);
  }
  ASSERT_TRUE(closed) << "the jump closes the segment before it";
  EXPECT_EQ(closed->first_gtid.sequence, 11u);
  EXPECT_EQ(closed->last_gtid.sequence, 11u);
  EXPECT_FALSE(closed->gap_after);
  auto next = after_ten.tick(t0 + 1s);
  ASSERT_TRUE(next);
  EXPECT_EQ(next->first_gtid.sequence, 14u);
  ASSERT_TRUE(next->gap_after);
  EXPECT_EQ(next->gap_after->text(), "0-1-11");

  // The first transaction is checked too: the stream starts right after `after`.
  BinlogSegmenter after_five(0, Gtid{0, 1, 5});
  after_five.add(event(format_description()), t0);
  for (const auto& e : transaction(7, 100)) after_five.add(e, t0);
  auto first = after_five.tick(t0 + 1s);
  ASSERT_TRUE(first);
  ASSERT_TRUE(first->gap_after);
  EXPECT_EQ(first->gap_after->text(), "0-1-5");
}

TEST_F(Segmenter, AGtidEventEndsATransactionWhoseEndWasNotRecognised) {
  feed({event(format_description())}, t0);
  auto unended = transaction(1, 100);
  unended.back().ends_transaction = false;
  feed(unended, t0);
  feed(transaction(2, 102), t0);
  auto segment = segmenter.tick(t0 + 1s);
  ASSERT_TRUE(segment);
  EXPECT_EQ(segment->transactions, 2u);
  EXPECT_EQ(segment->first_gtid.sequence, 1u);
  EXPECT_EQ(segment->first_commit_time, 100u);
  EXPECT_EQ(segment->last_gtid.sequence, 2u);
  EXPECT_FALSE(segment->gap_after);
  EXPECT_EQ(segment->bytes, std::string(kBinlogMagic) + format_description() + bytes_of(unended) +
                                bytes_of(transaction(2, 102)));
}

TEST_F(Segmenter, ANewBinlogFilesFirstEventsEndATransactionWhoseEndWasNotRecognised) {
  feed({event(format_description())}, t0);
  auto unended = transaction(1, 100);
  unended.back().ends_transaction = false;
  feed(unended, t0);
  auto closed = feed({event(event_bytes(binlog_event_type::kRotate, 1, 100, "x")),
                      event(format_description(false))},
                     t0);
  ASSERT_EQ(closed.size(), 1u);
  EXPECT_EQ(closed[0].bytes, std::string(kBinlogMagic) + format_description() + bytes_of(unended));
  feed(transaction(2, 101), t0);
  auto next = segmenter.tick(t0 + 1s);
  ASSERT_TRUE(next);
  EXPECT_EQ(next->bytes,
            std::string(kBinlogMagic) + format_description(false) + bytes_of(transaction(2, 101)));
}

TEST_F(Segmenter, ATransactionBeforeAnyFormatDescriptionIsABug) {
  EXPECT_THROW(feed(transaction(1, 100), t0), std::logic_error);
}

}  // namespace
}  // namespace mdbop
