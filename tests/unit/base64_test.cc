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

// Each was refused by Go's base64.StdEncoding (so by the Kubernetes API server); OpenSSL's
// decoder turned the first ones into NUL bytes.
TEST(Base64, RefusesWhatKubernetesRefuses) {
  for (std::string text : {"====", "AA==AA==", "A===", "=AAA", "AA=A", "AAA=AAAA",
                           "AA== ", " AA=", "AA\tA", "AAAAA", "AA==\n=", "QU-D", "QU_D"}) {
    auto decoded = base64_decode(text);
    EXPECT_FALSE(decoded) << "decoded \"" << text << "\"";
    if (!decoded) {
      EXPECT_EQ(decoded.error().what(), "not valid base64");
    }
  }
  EXPECT_FALSE(base64_decode(std::string("QUJD\0AAA", 8)));
}

// Go's StdEncoding skips line breaks anywhere and, not being Strict, takes nonzero bits left
// over before the padding.
TEST(Base64, AcceptsWhatKubernetesAccepts) {
  EXPECT_EQ(base64_decode("TWFy\naWFE\r\nQg==\n").value_or("?"), "MariaDB");
  EXPECT_EQ(base64_decode("QQ==").value_or("?"), "A");
  EXPECT_EQ(base64_decode("QR==").value_or("?"), "A");
  EXPECT_EQ(base64_decode("QUI=").value_or("?"), "AB");
  EXPECT_EQ(base64_decode("QUJ=").value_or("?"), "AB");
  EXPECT_EQ(base64_decode("").value_or("?"), "");
  EXPECT_EQ(base64_decode("\r\n").value_or("?"), "");
  EXPECT_EQ(base64_decode("+/+/").value_or("?"), "\xfb\xff\xbf");
}

}  // namespace
}  // namespace mdbop
