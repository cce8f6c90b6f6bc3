// CurlTransport: HttpTransport over libcurl. Keeps idle easy handles (and so their open
// connections) for reuse by later requests from any thread.
#pragma once

#include <curl/curl.h>

#include <mutex>
#include <string>
#include <vector>

#include "util/http_transport.h"

namespace mdbop {

// A client certificate and its key, PEM, held in memory only.
struct ClientCertificate {
  std::string certificate_pem;
  std::string key_pem;
};

class CurlTransport : public HttpTransport {
 public:
  // ca_bundle_pem: PEM certificates to trust instead of the system's; empty for the system's.
  // client: the certificate to present when the server asks; empty for none.
  explicit CurlTransport(std::string ca_bundle_pem, ClientCertificate client = {});
  ~CurlTransport() override;
  CurlTransport(const CurlTransport&) = delete;
  CurlTransport& operator=(const CurlTransport&) = delete;

  Result<HttpResponse> send(const HttpRequest& request, ByteSink* sink) override;

 private:
  CURL* take_handle();
  void return_handle(CURL* handle);

  std::string ca_bundle_pem_;
  ClientCertificate client_;
  std::mutex mutex_;
  std::vector<CURL*> idle_;
};

}  // namespace mdbop
