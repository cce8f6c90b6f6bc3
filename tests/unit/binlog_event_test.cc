#include "sql/binlog_event.h"

#include <gtest/gtest.h>

#include "binlog_test_events.h"

namespace mdbop {
namespace {

using namespace binlog_test;

TEST(Gtid, ParsesAndPrintsDomainServerSequence) {
  auto gtid = parse_gtid("0-1-18446744073709551615");
  ASSERT_TRUE(gtid) << gtid.error().message;
  EXPECT_EQ(gtid->domain_id, 0u);
  EXPECT_EQ(gtid->server_id, 1u);
  EXPECT_EQ(gtid->sequence, 18446744073709551615ull);
  EXPECT_EQ(gtid->text(), "0-1-18446744073709551615");
}

TEST(Gtid, RefusesAnythingButThreeNumbers) {
  for (const char* text : {"", "0-1", "0-1-", "-1-2", "0-1-2-3", "0-1-x", "0-1-+2", "0- 1-2",
                           "0-1-18446744073709551616", "4294967296-1-2", "0-1-2'; DROP"}) {
    auto gtid = parse_gtid(text);
    ASSERT_FALSE(gtid) << text;
    EXPECT_EQ(gtid.error().code, ErrorCode::kInvalid);
  }
}

TEST(GtidPosition, ParsesOneGtidPerDomain) {
  auto position = parse_gtid_position("0-1-42,1000-3-7");
  ASSERT_TRUE(position) << position.error().message;
  ASSERT_EQ(position->size(), 2u);
  EXPECT_EQ(gtid_position_text(*position), "0-1-42,1000-3-7");
  EXPECT_TRUE(parse_gtid_position("")->empty());
  EXPECT_FALSE(parse_gtid_position("0-1-2,0-1-3"));  // one domain twice
  EXPECT_FALSE(parse_gtid_position("0-1-2,"));
  EXPECT_FALSE(parse_gtid_position(",0-1-2"));
}

TEST(BinlogEvent, ReadsTheHeaderAndTheGtid) {
  auto event = parse_binlog_event(gtid_event(7, 0, 1234567, 1700000000, false));
  ASSERT_TRUE(event) << event.error().message;
  EXPECT_EQ(event->type, binlog_event_type::kGtid);
  EXPECT_EQ(event->timestamp, 1700000000u);
  EXPECT_EQ(event->server_id, 7u);
  ASSERT_TRUE(event->gtid);
  EXPECT_EQ(event->gtid->text(), "0-7-1234567");
  EXPECT_EQ(event->raw, gtid_event(7, 0, 1234567, 1700000000, false));
}

TEST(BinlogEvent, RefusesBytesThatDisagreeWithTheirLength) {
  std::string raw = xid_event(1, 5);
  EXPECT_FALSE(parse_binlog_event(raw.substr(0, 10)));              // shorter than the header
  EXPECT_FALSE(parse_binlog_event(raw.substr(0, raw.size() - 1)));  // shorter than stated
  EXPECT_FALSE(parse_binlog_event(raw + "x"));                      // longer than stated
  EXPECT_FALSE(parse_binlog_event(event_bytes(binlog_event_type::kGtid, 1, 1, "short")));
}

TEST(BinlogFile, ReadsEveryEventAfterTheMagicAndRefusesACutOne) {
  const std::string file = std::string(kBinlogMagic) + format_description() +
                           gtid_event(1, 0, 9, 5, false) + xid_event(1, 5);
  auto events = parse_binlog_file(file);
  ASSERT_TRUE(events) << events.error().message;
  ASSERT_EQ(events->size(), 3u);
  EXPECT_EQ((*events)[0].type, binlog_event_type::kFormatDescription);
  EXPECT_EQ((*events)[1].gtid->text(), "0-1-9");
  EXPECT_EQ((*events)[2].raw, xid_event(1, 5));
  EXPECT_TRUE(parse_binlog_file(kBinlogMagic)->empty());
  for (const std::string& bad : {file.substr(1), file.substr(0, file.size() - 1),
                                 file.substr(0, file.size() - 20), file + "x"}) {
    auto refused = parse_binlog_file(bad);
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error().code, ErrorCode::kCorrupt) << refused.error().message;
  }
}

// Runs the tracker over events; returns which ended a transaction.
std::vector<bool> ends(const std::vector<std::string>& raws) {
  BinlogTransactionTracker tracker;
  std::vector<bool> result;
  for (const auto& raw : raws) {
    auto event = parse_binlog_event(raw);
    EXPECT_TRUE(event) << event.error().message;
    tracker.track(*event);
    result.push_back(event->ends_transaction);
  }
  return result;
}

TEST(BinlogTransactionTracker, AnXidEndsATransactionalGroup) {
  EXPECT_EQ(ends({format_description(), gtid_event(1, 0, 2, 10, false), query_event(1, 10, "BEGIN"),
                  rows_event(1, 10), xid_event(1, 10)}),
            (std::vector<bool>{false, false, false, false, true}));
}

TEST(BinlogTransactionTracker, TheQueryAfterAStandaloneGtidEndsIt) {
  EXPECT_EQ(ends({format_description(), gtid_event(1, 0, 2, 10, true),
                  query_event(1, 10, "CREATE TABLE t (id INT)"), gtid_event(1, 0, 3, 10, false),
                  query_event(1, 10, "BEGIN"), rows_event(1, 10), xid_event(1, 10)}),
            (std::vector<bool>{false, false, true, false, false, false, true}));
}

TEST(BinlogTransactionTracker, ACommitOrRollbackQueryEndsANonTransactionalGroup) {
  EXPECT_EQ(ends({format_description(), gtid_event(1, 0, 2, 10, false), query_event(1, 10, "BEGIN"),
                  rows_event(1, 10), query_event(1, 10, "COMMIT"), gtid_event(1, 0, 3, 10, false),
                  query_event(1, 10, "BEGIN"), query_event(1, 10, "ROLLBACK")}),
            (std::vector<bool>{false, false, false, false, true, false, false, true}));
}

TEST(BinlogTransactionTracker, ReadsQueryTextWithoutTheChecksumWhenThereIsNone) {
  EXPECT_EQ(ends({format_description(false), gtid_event(1, 0, 2, 10, false, false),
                  query_event(1, 10, "BEGIN", false), query_event(1, 10, "COMMIT", false)}),
            (std::vector<bool>{false, false, false, true}));
}

TEST(BinlogTransactionTracker, EventsOutsideATransactionEndNothing) {
  EXPECT_EQ(ends({format_description(), xid_event(1, 10), query_event(1, 10, "COMMIT")}),
            (std::vector<bool>{false, false, false}));
}

}  // namespace
}  // namespace mdbop
