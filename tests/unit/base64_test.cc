#include "util/base64.h"

#include <gtest/gtest.h>

namespace mdbop {
namespace {

TEST(Base64, RoundTripsAllPaddings) {
  for (std::string text : {"", "a", "ab", "abc", "abcd", "s3cr\xff\x01t"}) {
    auto decoded = base64_decode(base64_encode(text));
    ASSERT_TRUE(decoded) << decoded.error().what();
    EXPECT_EQ(*decoded, text);
  }
}

TEST(Base64, KnownVector) { EXPECT_EQ(base64_encode("MariaDB"), "TWFyaWFEQg=="); }

TEST(Base64, RefusesGarbage) {
  EXPECT_FALSE(base64_decode("abc"));
  EXPECT_FALSE(base64_decode("ab!d"));
}

}  // namespace
}  // namespace mdbop
