#include "backup/digest_sink.h"

#include <gtest/gtest.h>

#include "stream_test_util.h"

#include "util/terminal_sinks.h"

namespace mdbop {
namespace {

// A next stage that refuses everything.
class BrokenSink : public ByteSink {
 public:
  Result<void> write(std::string_view) override { return fail("disk full"); }
  Result<void> finish() override { return fail("disk full"); }
};

TEST(DigestSink, KnownVectors) {
  StringSink out;
  DigestSink digest(out);
  ASSERT_TRUE(digest.write("ab"));
  ASSERT_TRUE(digest.write(""));
  ASSERT_TRUE(digest.write("c"));
  EXPECT_EQ(digest.hex_sha256(), "");
  ASSERT_TRUE(digest.finish());
  EXPECT_EQ(digest.hex_sha256(),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(digest.bytes(), 3u);
  EXPECT_EQ(out.data(), "abc");
  EXPECT_TRUE(out.finished());

  NullSink nothing;
  DigestSink empty(nothing);
  ASSERT_TRUE(empty.finish());
  EXPECT_EQ(empty.hex_sha256(), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(empty.bytes(), 0u);
}

TEST(DigestSink, SameDigestHoweverTheBytesArrive) {
  std::string data = semi_compressible(3 << 20);
  std::string expected;
  for (Split split : {Split::kWhole, Split::kSmall, Split::kLarge}) {
    NullSink out;
    DigestSink digest(out);
    ASSERT_TRUE(pump(digest, data, split));
    EXPECT_EQ(digest.bytes(), data.size());
    if (expected.empty()) expected = digest.hex_sha256();
    EXPECT_EQ(digest.hex_sha256(), expected) << split_name(split);
  }
}

TEST(DigestSink, PassesOnTheNextStagesFailure) {
  BrokenSink broken;
  DigestSink digest(broken);
  auto written = digest.write("x");
  ASSERT_FALSE(written);
  EXPECT_EQ(written.error().message, "disk full");
  EXPECT_FALSE(digest.finish());
}

}  // namespace
}  // namespace mdbop
