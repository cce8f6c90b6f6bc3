#include "util/x509.h"

#include <gtest/gtest.h>

namespace mdbop {
namespace {

using std::chrono::days;

TEST(X509, IssuedCertificateVerifiesAgainstItsAuthorityOnly) {
  auto ca = make_certificate_authority("mdbop test CA", days(3650));
  ASSERT_TRUE(ca) << ca.error().what();
  auto node = issue_certificate(*ca, "galera-0", {"127.0.0.1"}, days(825));
  ASSERT_TRUE(node) << node.error().what();
  EXPECT_TRUE(node->certificate.starts_with("-----BEGIN CERTIFICATE-----"));
  EXPECT_TRUE(node->private_key.starts_with("-----BEGIN PRIVATE KEY-----"));
  EXPECT_TRUE(certificate_signed_by(node->certificate, ca->certificate));
  EXPECT_TRUE(certificate_signed_by(ca->certificate, ca->certificate));

  auto other_ca = make_certificate_authority("mdbop test CA", days(3650));
  ASSERT_TRUE(other_ca) << other_ca.error().what();
  EXPECT_FALSE(certificate_signed_by(node->certificate, other_ca->certificate));
  auto stranger = issue_certificate(*other_ca, "galera-0", {"127.0.0.1"}, days(825));
  ASSERT_TRUE(stranger) << stranger.error().what();
  EXPECT_FALSE(certificate_signed_by(stranger->certificate, ca->certificate));
}

TEST(X509, UnreadableAuthorityIsAnError) {
  auto node = issue_certificate({"not a certificate", "not a key"}, "galera-0", {}, days(1));
  ASSERT_FALSE(node);
  EXPECT_NE(node.error().message.find("CA"), std::string::npos) << node.error().message;
  EXPECT_FALSE(certificate_signed_by("garbage", "garbage"));
}

}  // namespace
}  // namespace mdbop
