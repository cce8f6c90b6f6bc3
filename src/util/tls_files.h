// Where a TLS identity's PEM files are: its certificate, its key and the certificate authority
// that is the only issuer its peers are trusted by.
#pragma once

#include <string>

namespace mdbop {

struct TlsFiles {
  std::string certificate;
  std::string key;
  std::string authority;
};

}  // namespace mdbop
