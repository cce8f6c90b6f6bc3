// Secret data is base64 as the Kubernetes API server reads it: loose encodings that once
// became NUL bytes (a root password of NULs) are refused with the field, never the value.
#include <gtest/gtest.h>

#include "manifest_test_util.h"

namespace mdbop {
namespace {

TEST(SecretData, LooseBase64IsRefusedWithTheFieldAndWithoutTheValue) {
  for (std::string value : {"====", "AA==AA=="}) {
    auto found =
        issues("apiVersion: v1\nkind: Secret\nmetadata:\n  name: s\ndata:\n  password: \"" + value +
               "\"\n");
    std::string message = issue_at(found, "data.password");
    EXPECT_NE(message.find("not valid base64"), std::string::npos) << message;
    EXPECT_EQ(message.find(value), std::string::npos) << message;
  }
}

TEST(SecretData, LineBrokenBase64IsAccepted) {
  json secret =
      valid("apiVersion: v1\nkind: Secret\nmetadata:\n  name: s\ndata:\n  password: \"cHc=\\n\"\n");
  ASSERT_FALSE(secret.is_null());
}

}  // namespace
}  // namespace mdbop
