#include "util/x509.h"

#include <memory>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

namespace mdbop {

namespace {

template <auto Free>
struct Deleter {
  template <class T>
  void operator()(T* p) const {
    Free(p);
  }
};
using Key = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY_free>>;
using Certificate = std::unique_ptr<X509, Deleter<X509_free>>;
using Bio = std::unique_ptr<BIO, Deleter<BIO_free>>;
using Extension = std::unique_ptr<X509_EXTENSION, Deleter<X509_EXTENSION_free>>;

tl::unexpected<Error> openssl_failure(const std::string& during) {
  unsigned long code = ERR_get_error();
  char text[256] = "unknown error";
  if (code != 0) ERR_error_string_n(code, text, sizeof text);
  ERR_clear_error();
  return fail(during + ": " + text);
}

std::string bio_text(BIO* bio) {
  char* data = nullptr;
  long size = BIO_get_mem_data(bio, &data);
  return std::string(data, static_cast<size_t>(size));
}

Result<std::string> certificate_pem(X509* certificate) {
  Bio bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_X509(bio.get(), certificate) != 1) {
    return openssl_failure("writing a certificate");
  }
  return bio_text(bio.get());
}

Result<std::string> key_pem(EVP_PKEY* key) {
  Bio bio(BIO_new(BIO_s_mem()));
  if (!bio ||
      PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr) != 1) {
    return openssl_failure("writing a private key");
  }
  return bio_text(bio.get());
}

Certificate parse_certificate(const std::string& pem) {
  Bio bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  return Certificate(bio ? PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr) : nullptr);
}

Key parse_key(const std::string& pem) {
  Bio bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  return Key(bio ? PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr) : nullptr);
}

// REQUIRES: `issuer` is the certificate being made for a CA, or the CA's certificate.
Result<bool> add_extension(X509* certificate, X509* issuer, int nid, const std::string& value) {
  X509V3_CTX context;
  X509V3_set_ctx_nodb(&context);
  X509V3_set_ctx(&context, issuer, certificate, nullptr, nullptr, 0);
  Extension extension(X509V3_EXT_conf_nid(nullptr, &context, nid, value.c_str()));
  if (!extension || X509_add_ext(certificate, extension.get(), -1) != 1) {
    return openssl_failure("adding extension " + std::string(OBJ_nid2sn(nid)));
  }
  return true;
}

// RFC 5280 bounds a common name at 64 characters, and OpenSSL refuses a longer one (a pod's
// DNS name in a namespace of its own easily is). A longer DNS name keeps its first label: the
// full name is in subjectAltName, which is what peers check. Any other name is cut.
std::string bounded_common_name(const std::string& name) {
  constexpr size_t kMax = 64;
  if (name.size() <= kMax) return name;
  const size_t dot = name.find('.');
  if (dot != std::string::npos && dot > 0 && dot <= kMax) return name.substr(0, dot);
  size_t cut = kMax;
  while (cut > 0 && (static_cast<unsigned char>(name[cut]) & 0xC0) == 0x80) --cut;  // UTF-8
  return name.substr(0, cut);
}

// A new certificate for `key` named `common_name` (bounded), with a random serial and the
// validity, issued by `issuer_name` (its own name for a CA); not signed yet.
Result<Certificate> new_certificate(EVP_PKEY* key, const std::string& common_name,
                                    X509_NAME* issuer_name, std::chrono::days validity) {
  Certificate certificate(X509_new());
  if (!certificate) return openssl_failure("X509_new");
  unsigned char serial[16];
  if (RAND_bytes(serial, sizeof serial) != 1) return openssl_failure("random serial number");
  serial[0] &= 0x7f;  // a positive INTEGER
  std::unique_ptr<BIGNUM, Deleter<BN_free>> serial_number(
      BN_bin2bn(serial, sizeof serial, nullptr));
  X509_NAME* subject = X509_get_subject_name(certificate.get());
  const std::string bounded = bounded_common_name(common_name);
  const auto* name = reinterpret_cast<const unsigned char*>(bounded.c_str());
  if (X509_set_version(certificate.get(), 2) != 1 || !serial_number ||
      !BN_to_ASN1_INTEGER(serial_number.get(), X509_get_serialNumber(certificate.get())) ||
      // A minute back: a peer whose clock is a little behind still accepts it.
      !X509_gmtime_adj(X509_getm_notBefore(certificate.get()), -60) ||
      !X509_gmtime_adj(X509_getm_notAfter(certificate.get()),
                       std::chrono::seconds(validity).count()) ||
      X509_NAME_add_entry_by_txt(subject, "CN", MBSTRING_UTF8, name, -1, -1, 0) != 1 ||
      X509_set_issuer_name(certificate.get(), issuer_name ? issuer_name : subject) != 1 ||
      X509_set_pubkey(certificate.get(), key) != 1) {
    return openssl_failure("filling in a certificate");
  }
  return certificate;
}

Result<Key> new_key() {
  Key key(EVP_EC_gen("P-256"));
  if (!key) return openssl_failure("generating an EC P-256 key");
  return key;
}

Result<PemCertificate> sign_and_encode(X509* certificate, EVP_PKEY* signer, EVP_PKEY* key) {
  if (X509_sign(certificate, signer, EVP_sha256()) == 0) {
    return openssl_failure("signing a certificate");
  }
  auto certificate_text = certificate_pem(certificate);
  if (!certificate_text) return tl::unexpected(certificate_text.error());
  auto key_text = key_pem(key);
  if (!key_text) return tl::unexpected(key_text.error());
  return PemCertificate{*certificate_text, *key_text};
}

}  // namespace

Result<PemCertificate> make_certificate_authority(const std::string& common_name,
                                                  std::chrono::days validity) {
  auto key = new_key();
  if (!key) return tl::unexpected(key.error());
  auto certificate = new_certificate(key->get(), common_name, nullptr, validity);
  if (!certificate) return tl::unexpected(certificate.error());
  X509* ca = certificate->get();
  for (const auto& [nid, value] : {std::pair{NID_basic_constraints, "critical,CA:TRUE,pathlen:0"},
                                   std::pair{NID_key_usage, "critical,keyCertSign,cRLSign"},
                                   std::pair{NID_subject_key_identifier, "hash"}}) {
    if (auto added = add_extension(ca, ca, nid, value); !added) {
      return tl::unexpected(added.error());
    }
  }
  return sign_and_encode(ca, key->get(), key->get());
}

Result<PemCertificate> issue_certificate(const PemCertificate& ca, const std::string& common_name,
                                         const std::vector<std::string>& ip_addresses,
                                         std::chrono::days validity, CertificateUse use) {
  Certificate ca_certificate = parse_certificate(ca.certificate);
  Key ca_key = parse_key(ca.private_key);
  if (!ca_certificate || !ca_key) return openssl_failure("reading the CA's certificate and key");
  auto key = new_key();
  if (!key) return tl::unexpected(key.error());
  auto certificate = new_certificate(key->get(), common_name,
                                     X509_get_subject_name(ca_certificate.get()), validity);
  if (!certificate) return tl::unexpected(certificate.error());
  std::string alt_names = "DNS:" + common_name;
  for (const std::string& ip : ip_addresses) alt_names += ",IP:" + ip;
  for (const auto& [nid, value] :
       {std::pair<int, std::string>{NID_basic_constraints, "critical,CA:FALSE"},
        {NID_key_usage, "critical,digitalSignature,keyAgreement"},
        {NID_ext_key_usage, use == CertificateUse::kServer   ? "serverAuth"
                            : use == CertificateUse::kClient ? "clientAuth"
                                                             : "serverAuth,clientAuth"},
        {NID_subject_alt_name, alt_names},
        {NID_authority_key_identifier, "keyid:always"}}) {
    if (auto added = add_extension(certificate->get(), ca_certificate.get(), nid, value); !added) {
      return tl::unexpected(added.error());
    }
  }
  return sign_and_encode(certificate->get(), ca_key.get(), key->get());
}

bool certificate_signed_by(const std::string& certificate, const std::string& ca_certificate) {
  Certificate leaf = parse_certificate(certificate);
  Certificate ca = parse_certificate(ca_certificate);
  if (!leaf || !ca) return false;
  std::unique_ptr<X509_STORE, Deleter<X509_STORE_free>> store(X509_STORE_new());
  std::unique_ptr<X509_STORE_CTX, Deleter<X509_STORE_CTX_free>> context(X509_STORE_CTX_new());
  if (!store || !context || X509_STORE_add_cert(store.get(), ca.get()) != 1 ||
      X509_STORE_CTX_init(context.get(), store.get(), leaf.get(), nullptr) != 1) {
    ERR_clear_error();
    return false;
  }
  bool verified = X509_verify_cert(context.get()) == 1;
  ERR_clear_error();
  return verified;
}

}  // namespace mdbop
