// The archive's stored form of a segment: packed with every compression, with and without
// encryption, read back by recognising both; the GTIDs a segment holds.
#include "backup/binlog_archive.h"

#include <gtest/gtest.h>

#include "binlog_test_events.h"

namespace mdbop {
namespace {

// A segment as the segmenter makes it: magic, format description, `count` transactions.
std::string segment_of(std::uint64_t first, int count) {
  std::string bytes(kBinlogMagic);
  bytes += binlog_test::format_description();
  for (int i = 0; i < count; ++i) {
    bytes +=
        binlog_test::gtid_event(1, 0, first + static_cast<std::uint64_t>(i), 1700000000, false);
    bytes += binlog_test::xid_event(1, 1700000000);
  }
  return bytes;
}

TEST(BinlogArchive, EveryCompressionWithOrWithoutEncryptionReadsBackByItsMagic) {
  const std::string segment = segment_of(5, 40);
  const std::optional<std::string> key = std::string("a-key-of-at-least-16-bytes");
  for (Compression compression :
       {Compression::kNone, Compression::kZstd, Compression::kGzip, Compression::kBzip2}) {
    for (const std::optional<std::string>& secret : {std::optional<std::string>(), key}) {
      SCOPED_TRACE(std::string(compression_name(compression)) + (secret ? " encrypted" : ""));
      auto stored = pack_binlog_segment(segment, compression, secret);
      ASSERT_TRUE(stored) << stored.error().message;
      if (compression != Compression::kNone || secret) {
        EXPECT_NE(*stored, segment);
      }
      auto read = unpack_binlog_segment(*stored, key);
      ASSERT_TRUE(read) << read.error().message;
      EXPECT_EQ(*read, segment);
    }
  }
}

TEST(BinlogArchive, AWrongOrMissingKeyAndForeignBytesAreRefused) {
  auto stored = pack_binlog_segment(segment_of(1, 3), Compression::kZstd,
                                    std::string("a-key-of-at-least-16-bytes"));
  ASSERT_TRUE(stored);
  auto wrong = unpack_binlog_segment(*stored, std::string("another-key-of-16-bytes"));
  ASSERT_FALSE(wrong);
  EXPECT_NE(wrong.error().message.find("wrong encryption key"), std::string::npos);
  auto missing = unpack_binlog_segment(*stored, std::nullopt);
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().message.find("no encryption key"), std::string::npos);
  auto foreign = unpack_binlog_segment("PK\x03\x04 a zip file", std::nullopt);
  ASSERT_FALSE(foreign);
  EXPECT_NE(foreign.error().message.find("not a binary-log segment"), std::string::npos);
}

TEST(BinlogArchive, AnObjectThatUnpacksPastTheMaximumIsRefusedAsItGrows) {
  const std::string segment = segment_of(1, 3) + std::string(8u << 20, '\0');
  auto stored = pack_binlog_segment(segment, Compression::kZstd, std::nullopt);
  ASSERT_TRUE(stored);
  ASSERT_LT(stored->size(), 64u * 1024);
  auto refused = unpack_binlog_segment(*stored, std::nullopt, 1u << 20);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, ErrorCode::kCorrupt);
  EXPECT_NE(refused.error().message.find("more than 1048576 bytes"), std::string::npos)
      << refused.error().message;
  EXPECT_TRUE(unpack_binlog_segment(*stored, std::nullopt, segment.size()));
  auto large = unpack_binlog_segment(segment, std::nullopt, 1u << 20);
  ASSERT_FALSE(large) << "a stored object past the maximum, uncompressed";
  EXPECT_EQ(large.error().code, ErrorCode::kCorrupt);
}

TEST(BinlogArchive, TheGtidsOfASegmentInOrder) {
  auto gtids = gtids_of_segment(segment_of(7, 3));
  ASSERT_TRUE(gtids);
  ASSERT_EQ(gtids->size(), 3u);
  EXPECT_EQ(gtids->front().text(), "0-1-7");
  EXPECT_EQ(gtids->back().text(), "0-1-9");
  const std::string whole = segment_of(7, 3);
  EXPECT_FALSE(gtids_of_segment(whole.substr(0, whole.size() - 3)));
  EXPECT_FALSE(gtids_of_segment("not a binlog"));
}

}  // namespace
}  // namespace mdbop
