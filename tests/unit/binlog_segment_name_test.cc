#include "backup/binlog_segment_name.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <vector>

namespace mdbop {
namespace {

constexpr const char* kHistory = "6f0a8b3e-1c2d-11ef-9a7b-0242ac120002";

BinlogSegmentName name(std::uint64_t first, std::uint64_t last, std::uint32_t t1 = 1700000000,
                       std::uint32_t t2 = 1700000001) {
  return BinlogSegmentName{kHistory, first, last, t1, t2};
}

TEST(BinlogSegmentName, IsZeroPaddedUnderTheHistoryFolder) {
  auto key = binlog_segment_key("prod/g", name(7, 12));
  ASSERT_TRUE(key) << key.error().message;
  EXPECT_EQ(*key, std::string("prod/g/binlog/") + kHistory +
                      "/00000000000000000007-00000000000000000012-1700000000-1700000001.seg");
  EXPECT_EQ(*binlog_history_folder("", kHistory), std::string("binlog/") + kHistory + "/");
  EXPECT_EQ(binlog_segment_key("", name(1, 1))->rfind("binlog/", 0), 0u);
}

TEST(BinlogSegmentName, RoundTrips) {
  for (const auto& original :
       {name(0, 0, 0, 0), name(1, 2),
        name(18446744073709551615ull, 18446744073709551615ull, 4294967295u, 4294967295u)}) {
    for (const char* prefix : {"", "a", "a/b/c"}) {
      auto key = binlog_segment_key(prefix, original);
      ASSERT_TRUE(key) << key.error().message;
      auto parsed = parse_binlog_segment_key(*key);
      ASSERT_TRUE(parsed) << *key << ": " << parsed.error().message;
      EXPECT_EQ(*parsed, original) << *key;
    }
  }
}

TEST(BinlogSegmentName, LexicalOrderIsGtidOrder) {
  // Consecutive segments whose numbers grow by digits, and whose times do not follow them
  // (commit times of different writers' clocks): the order is the sequence numbers'.
  std::vector<std::uint64_t> firsts = {1, 9, 10, 99, 100, 1000000, 12345678901234567ull};
  std::vector<std::string> keys;
  for (std::size_t i = 0; i + 1 < firsts.size(); ++i) {
    auto time = static_cast<std::uint32_t>(1700000100 - i * 1000);
    keys.push_back(*binlog_segment_key("p", name(firsts[i], firsts[i + 1] - 1, time, time)));
  }
  auto sorted = keys;
  std::sort(sorted.begin(), sorted.end());
  EXPECT_EQ(sorted, keys);
}

TEST(BinlogSegmentName, RefusesWhatItWouldNotWrite) {
  EXPECT_FALSE(binlog_segment_key("p", name(3, 2)));
  EXPECT_FALSE(binlog_segment_key("/p", name(1, 2)));
  EXPECT_FALSE(binlog_segment_key("p/", name(1, 2)));
  for (const char* history :
       {"", "6F0A8B3E-1C2D-11EF-9A7B-0242AC120002", "../x", "6f0a8b3e-1c2d-11ef-9a7b-0242ac12000",
        "6f0a8b3e/1c2d-11ef-9a7b-0242ac120002"}) {
    EXPECT_FALSE(binlog_history_folder("p", history)) << history;
  }
  const std::string folder = std::string("p/binlog/") + kHistory + "/";
  for (const std::string& key : {
           folder + "00000000000000000007-00000000000000000012-1-2.seg.tmp",
           folder + "7-12-1-2.seg",
           folder + "00000000000000000007-00000000000000000012-1.seg",
           folder + "00000000000000000007-00000000000000000012-1-2-3.seg",
           folder + "00000000000000000012-00000000000000000007-1-2.seg",
           folder + "00000000000000000007-00000000000000000012-x-2.seg",
           folder + "00000000000000000007-00000000000000000012--2.seg",
           folder + "99999999999999999999-99999999999999999999-1-2.seg",
           folder + "00000000000000000007-00000000000000000012-1-4294967296.seg",
           std::string("p/other/") + kHistory +
               "/00000000000000000007-00000000000000000012-1-2.seg",
           std::string("p/binlog/not-a-uuid/00000000000000000007-00000000000000000012-1-2.seg"),
           std::string("00000000000000000007-00000000000000000012-1-2.seg"),
       }) {
    auto parsed = parse_binlog_segment_key(key);
    EXPECT_FALSE(parsed) << key;
    if (!parsed) {
      EXPECT_EQ(parsed.error().code, ErrorCode::kInvalid);
    }
  }
}

}  // namespace
}  // namespace mdbop
