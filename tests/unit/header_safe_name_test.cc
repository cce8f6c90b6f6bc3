#include "util/header_safe_name.h"

#include <gtest/gtest.h>

namespace mdbop {
namespace {

TEST(HeaderSafeName, OnlyLettersDigitsDashAndUnderscore) {
  for (const char* name : {"us-east-1", "STANDARD_IA", "GLACIER", "eu_west_3", ""}) {
    EXPECT_TRUE(is_header_safe_name(name)) << name;
  }
  for (const char* text :
       {"us-east-1\r\nx-amz-acl: public-read", "a b", "a:b", "a/b", "é", "eu.west"}) {
    EXPECT_FALSE(is_header_safe_name(text)) << text;
  }
}

}  // namespace
}  // namespace mdbop
