// The trimmer over a segment's bytes: the transactions after the base and up to the stop, whole,
// behind the segment's magic and format description; what it refuses as no archived segment.
#include "backup/binlog_trim.h"

#include <gtest/gtest.h>

#include "backup/binlog_archive.h"
#include "binlog_test_events.h"

namespace mdbop {
namespace {

using namespace binlog_test;

std::string header() { return std::string(kBinlogMagic) + format_description(); }

BinlogReplayRange after(std::uint64_t sequence) {
  BinlogReplayRange range;
  range.start_after = Gtid{0, 1, sequence};
  return range;
}

TEST(BinlogTrim, KeepsTheTransactionsAfterTheStartUpToTheStopGtid) {
  const std::string segment = segment_of({{10, 100}, {11, 100}, {12, 101}, {13, 102}, {14, 103}});
  BinlogReplayRange range = after(10);
  range.stop_sequence = 13;
  auto trimmed = trim_binlog_segment(segment, range);
  ASSERT_TRUE(trimmed) << trimmed.error().what();
  EXPECT_EQ(trimmed->bytes, header() + row_transaction(11, 100) + row_transaction(12, 101) +
                                row_transaction(13, 102));
  ASSERT_TRUE(trimmed->last_gtid);
  EXPECT_EQ(trimmed->last_gtid->text(), "0-1-13");
  EXPECT_EQ(trimmed->last_commit_time, 102u);
  EXPECT_EQ(trimmed->transactions, 3u);
  EXPECT_TRUE(trimmed->reached_stop);
  // What it keeps is a segment too: its GTIDs read back, and it trims again to itself.
  EXPECT_EQ(gtids_of_segment(trimmed->bytes)->size(), 3u);
  EXPECT_EQ(trim_binlog_segment(trimmed->bytes, range)->bytes, trimmed->bytes);
}

TEST(BinlogTrim, WithoutAStopInItKeepsTheRestAndSaysTheReplayGoesOn) {
  auto trimmed = trim_binlog_segment(segment_of({{10, 100}, {11, 100}}), after(9));
  ASSERT_TRUE(trimmed) << trimmed.error().what();
  EXPECT_EQ(trimmed->bytes, segment_of({{10, 100}, {11, 100}}));
  EXPECT_EQ(trimmed->transactions, 2u);
  EXPECT_FALSE(trimmed->reached_stop);

  BinlogReplayRange later = after(9);
  later.stop_sequence = 50;
  EXPECT_FALSE(trim_binlog_segment(segment_of({{10, 100}}), later)->reached_stop);
}

TEST(BinlogTrim, ATimeStopKeepsEveryTransactionOfItsSecondAndEndsAtTheFirstStampedLater) {
  BinlogReplayRange range = after(0);
  range.stop_time = 101;
  // Commit times need not grow: 13 is stamped 101 but comes after 12, stamped 102.
  auto trimmed =
      trim_binlog_segment(segment_of({{10, 100}, {11, 101}, {12, 102}, {13, 101}}), range);
  ASSERT_TRUE(trimmed) << trimmed.error().what();
  EXPECT_EQ(trimmed->bytes, header() + row_transaction(10, 100) + row_transaction(11, 101));
  EXPECT_EQ(trimmed->last_gtid->text(), "0-1-11");
  EXPECT_EQ(trimmed->last_commit_time, 101u);
  EXPECT_TRUE(trimmed->reached_stop);
}

TEST(BinlogTrim, TheCommitTimeIsTheTransactionsLastEvent) {
  // Begun at 100, committed at 102.
  const std::string spanning = gtid_event(1, 0, 5, 100, false) + query_event(1, 100, "BEGIN") +
                               rows_event(1, 100) + xid_event(1, 102);
  BinlogReplayRange range = after(4);
  range.stop_time = 101;
  auto trimmed = trim_binlog_segment(header() + spanning, range);
  ASSERT_TRUE(trimmed) << trimmed.error().what();
  EXPECT_EQ(trimmed->transactions, 0u);
  EXPECT_FALSE(trimmed->last_gtid);
  EXPECT_EQ(trimmed->bytes, header());
  EXPECT_TRUE(trimmed->reached_stop);
}

TEST(BinlogTrim, TransactionsInTheBaseAreLeftOutWhateverTheirTime) {
  BinlogReplayRange range = after(11);
  range.stop_time = 100;
  auto trimmed = trim_binlog_segment(segment_of({{10, 200}, {11, 200}, {12, 100}}), range);
  ASSERT_TRUE(trimmed) << trimmed.error().what();
  EXPECT_EQ(trimmed->bytes, header() + row_transaction(12, 100));
  EXPECT_FALSE(trimmed->reached_stop);
}

TEST(BinlogTrim, AStandaloneStatementAndANonTransactionalGroupAreTransactions) {
  const std::string ddl =
      gtid_event(1, 0, 7, 100, true) + query_event(1, 100, "CREATE TABLE t (a INT)");
  const std::string myisam = gtid_event(1, 0, 8, 100, false) + query_event(1, 100, "BEGIN") +
                             rows_event(1, 100) + query_event(1, 100, "COMMIT");
  BinlogReplayRange range = after(6);
  range.stop_sequence = 7;
  auto trimmed = trim_binlog_segment(header() + ddl + myisam, range);
  ASSERT_TRUE(trimmed) << trimmed.error().what();
  EXPECT_EQ(trimmed->bytes, header() + ddl);
  range.stop_sequence = 8;
  EXPECT_EQ(trim_binlog_segment(header() + ddl + myisam, range)->bytes, header() + ddl + myisam);
}

TEST(BinlogTrim, WhatIsNoArchivedSegmentIsRefusedAsCorrupt) {
  const std::string whole = segment_of({{10, 100}, {11, 100}});
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"no binary-log magic", whole.substr(4)},
      {"cut inside an event", whole.substr(0, whole.size() - 3)},
      {"does not begin with a format description",
       std::string(kBinlogMagic) + row_transaction(10, 100)},
      {"is not of the cluster's domain 0", header() + row_transaction(10, 100, 1001)},
      {"ends inside transaction 0-1-11", whole.substr(0, whole.size() - xid_event(1, 100).size())},
      {"an event outside a transaction", header() + query_event(1, 100, "BEGIN")},
      {"transaction 0-1-10 has no end before 0-1-11",
       header() + gtid_event(1, 0, 10, 100, false) + row_transaction(11, 100)},
  };
  for (const auto& [why, bytes] : cases) {
    auto trimmed = trim_binlog_segment(bytes, after(0));
    ASSERT_FALSE(trimmed) << why;
    EXPECT_EQ(trimmed.error().code, ErrorCode::kCorrupt) << why;
    EXPECT_NE(trimmed.error().message.find(why), std::string::npos) << trimmed.error().message;
  }
}

}  // namespace
}  // namespace mdbop
