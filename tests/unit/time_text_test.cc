#include "util/time_text.h"

#include <gtest/gtest.h>

namespace mdbop {
namespace {

using namespace std::chrono;

TEST(TimeTextTest, FormatsAndParsesBackTheSameInstant) {
  const SysSeconds t = sys_days{2026y / 11 / 22} + 1h + 50min + 42s;
  EXPECT_EQ(format_rfc3339(t), "2026-11-22T01:50:42Z");
  EXPECT_EQ(format_compact(t), "20261122T015042.000Z");
  EXPECT_EQ(format_compact(t + 7ms), "20261122T015042.007Z");
  EXPECT_EQ(parse_rfc3339_seconds("2026-11-22T01:50:42Z").value(), t);
}

TEST(TimeTextTest, FractionsAreDroppedToWholeSeconds) {
  const SysSeconds t = sys_days{2026y / 11 / 22} + 13h + 30min;
  EXPECT_EQ(parse_rfc3339_seconds("2026-11-22T13:30:00.750Z").value(), t);
  EXPECT_EQ(parse_rfc3339_seconds("2026-11-22T14:30:00+01:00").value(), t);
  EXPECT_FALSE(parse_rfc3339_seconds("yesterday"));
}

}  // namespace
}  // namespace mdbop
