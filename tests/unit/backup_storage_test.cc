#include "storage/backup_storage.h"

#include <gtest/gtest.h>

namespace mdbop {
namespace {

TEST(CheckKeyTest, AcceptsRelativePaths) {
  for (const char* key : {"a", "ns/mdb/20240501T030000Z/data.xb.zst", "a..b", "a/b.c/d-e_f~g"}) {
    EXPECT_TRUE(check_key(key)) << key;
  }
}

TEST(CheckKeyTest, RefusesWhatCouldEscapeOrHide) {
  struct Case {
    std::string key;
    std::string message;
  };
  const Case cases[] = {
      {"", "invalid storage key: empty"},
      {"/etc/passwd", "invalid storage key \"/etc/passwd\": must be relative (no leading '/')"},
      {"..", "invalid storage key \"..\": must not contain \"..\""},
      {"a/../../b", "invalid storage key \"a/../../b\": must not contain \"..\""},
      {"a//b", "invalid storage key \"a//b\": has an empty segment"},
      {"a/", "invalid storage key \"a/\": has an empty segment"},
      {".partial", "invalid storage key \".partial\": a segment must not start with '.'"},
      {"a/./b", "invalid storage key \"a/./b\": a segment must not start with '.'"},
      {std::string("a\0b", 3),
       "invalid storage key \"" + std::string("a\0b", 3) + "\": contains a NUL byte"},
  };
  for (const Case& c : cases) {
    auto checked = check_key(c.key);
    ASSERT_FALSE(checked) << c.key;
    EXPECT_EQ(checked.error().message, c.message);
  }
}

TEST(CheckPrefixTest, AllowsEmptyTrailingSlashAndPartialSegments) {
  for (const char* prefix : {"", "ns/", "ns/mdb/2024", "ns"}) {
    EXPECT_TRUE(check_prefix(prefix)) << prefix;
  }
  for (const char* prefix : {"/", "../", "a//", "a/../", ".x"}) {
    EXPECT_FALSE(check_prefix(prefix)) << prefix;
  }
}

}  // namespace
}  // namespace mdbop
