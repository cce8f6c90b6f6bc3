#include "util/ascii_case.h"

#include <gtest/gtest.h>

namespace mdbop {
namespace {

TEST(AsciiLowercase, FoldsAToZOnlyAndKeepsEveryOtherByte) {
  EXPECT_EQ(ascii_lowercase("MariaDB"), "mariadb");
  EXPECT_EQ(ascii_lowercase("Content-Type: X-Amz-Date"), "content-type: x-amz-date");
  EXPECT_EQ(ascii_lowercase("already lower 0-9 @[`{"), "already lower 0-9 @[`{");
  EXPECT_EQ(ascii_lowercase("\xC3\x84Z"), "\xC3\x84z");  // UTF-8 bytes kept
  EXPECT_EQ(ascii_lowercase(""), "");
}

}  // namespace
}  // namespace mdbop
