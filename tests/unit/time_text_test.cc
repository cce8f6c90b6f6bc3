#include "util/time_text.h"

#include <gtest/gtest.h>

namespace mdbop {
namespace {

using namespace std::chrono;

TEST(TimeTextTest, FormatsAndParsesBackTheSameInstant) {
  const SysSeconds t = sys_days{2026y / 11 / 22} + 1h + 50min + 42s;
  EXPECT_EQ(format_rfc3339(t), "2026-11-22T01:50:42Z");
  EXPECT_EQ(format_compact(t), "20261122T015042Z");
  EXPECT_EQ(parse_rfc3339("2026-11-22T01:50:42Z").value(), t);
}

TEST(TimeTextTest, OffsetsAndFractionsAreUnderstood) {
  const SysSeconds t = sys_days{2026y / 11 / 22} + 13h + 30min;
  EXPECT_EQ(parse_rfc3339("2026-11-22T14:30:00+01:00").value(), t);
  EXPECT_EQ(parse_rfc3339("2026-11-22T08:30:00-05:00").value(), t);
  EXPECT_EQ(parse_rfc3339("2026-11-22T13:30:00.750Z").value(), t);
}

TEST(TimeTextTest, ARefusalShowsTheExpectedForm) {
  for (const char* bad : {"yesterday", "2026-11-22", "2026-11-22T25:00:00Z", "2026-11-22T14:30"}) {
    auto parsed = parse_rfc3339(bad);
    ASSERT_FALSE(parsed) << bad;
    EXPECT_NE(parsed.error().message.find("2026-11-22T14:30:00Z"), std::string::npos);
  }
}

}  // namespace
}  // namespace mdbop
