#include "util/x509.h"

#include <gtest/gtest.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include <memory>

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

// A pod's DNS name in a namespace of its own is longer than a common name may be (64): the
// certificate is issued all the same, and names the whole host in subjectAltName.
TEST(X509, NamesLongerThanACommonNameMayBeAreIssuedWithTheWholeNameInSubjectAltName) {
  const std::string host = "mariadb-galera-0.mariadb-galera-internal.production.svc.cluster.local";
  ASSERT_GT(host.size(), 64u);
  auto ca = make_certificate_authority("mdbop nodes CA " + std::string(80, 'x'), days(3650));
  ASSERT_TRUE(ca) << ca.error().what();
  auto agent = issue_certificate(*ca, host, {}, days(825), CertificateUse::kServer);
  ASSERT_TRUE(agent) << agent.error().what();
  EXPECT_TRUE(certificate_signed_by(agent->certificate, ca->certificate));
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(
      BIO_new_mem_buf(agent->certificate.data(), static_cast<int>(agent->certificate.size())),
      &BIO_free);
  std::unique_ptr<X509, decltype(&X509_free)> certificate(
      PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr), &X509_free);
  ASSERT_TRUE(certificate);
  EXPECT_EQ(X509_check_host(certificate.get(), host.data(), host.size(), 0, nullptr), 1);
  // The subject's common name keeps the first label.
  char common_name[80] = {};
  X509_NAME_get_text_by_NID(X509_get_subject_name(certificate.get()), NID_commonName, common_name,
                            sizeof common_name);
  EXPECT_STREQ(common_name, "mariadb-galera-0");
}

TEST(X509, UnreadableAuthorityIsAnError) {
  auto node = issue_certificate({"not a certificate", "not a key"}, "galera-0", {}, days(1));
  ASSERT_FALSE(node);
  EXPECT_NE(node.error().message.find("CA"), std::string::npos) << node.error().message;
  EXPECT_FALSE(certificate_signed_by("garbage", "garbage"));
}

}  // namespace
}  // namespace mdbop
