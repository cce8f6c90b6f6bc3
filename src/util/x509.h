// X.509 certificates for the installation's own certificate authority, made with OpenSSL:
// the CA that signs every node's certificate, so that nodes (Galera replication, IST, SST)
// accept only peers holding a certificate of the same installation. Pure: PEM text in, PEM
// text out; writing the files is the caller's.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "util/result.h"

namespace mdbop {

struct PemCertificate {
  std::string certificate;  // PEM
  std::string private_key;  // PEM, PKCS#8, unencrypted: protect it with file modes
};

// A self-signed CA certificate (ECDSA P-256, basicConstraints CA:TRUE, keyCertSign); its
// common name is cut at the 64 characters X.509 allows.
Result<PemCertificate> make_certificate_authority(const std::string& common_name,
                                                  std::chrono::days validity);

// What a certificate may prove (extendedKeyUsage), checked by TLS peers: a node-to-node
// connection has nodes at both ends; an agent only serves, the operator is only its client, so
// that an agent's key, which its pod holds, cannot drive another agent.
enum class CertificateUse { kServerAndClient, kServer, kClient };

// A certificate signed by `ca` for `common_name` (a DNS name in subjectAltName too, in full;
// the subject's common name keeps its first label when the name is longer than X.509 allows)
// and the given IP addresses.
Result<PemCertificate> issue_certificate(const PemCertificate& ca, const std::string& common_name,
                                         const std::vector<std::string>& ip_addresses,
                                         std::chrono::days validity,
                                         CertificateUse use = CertificateUse::kServerAndClient);

// True when `certificate` (PEM) was signed by `ca_certificate` (PEM) and is valid now.
bool certificate_signed_by(const std::string& certificate, const std::string& ca_certificate);

}  // namespace mdbop
