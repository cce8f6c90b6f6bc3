// CurlTransport: HttpTransport over libcurl. Keeps idle easy handles (and so their open
// connections) for reuse by later requests from any thread.
#pragma once

#include <curl/curl.h>

#include <mutex>
#include <string>
#include <vector>

#include "storage/http_transport.h"

namespace mdbop {

class CurlTransport : public HttpTransport {
 public:
  // ca_bundle_pem: PEM certificates to trust instead of the system's; empty for the system's.
  explicit CurlTransport(std::string ca_bundle_pem);
  ~CurlTransport() override;
  CurlTransport(const CurlTransport&) = delete;
  CurlTransport& operator=(const CurlTransport&) = delete;

  Result<HttpResponse> send(const HttpRequest& request, ByteSink* sink) override;

 private:
  CURL* take_handle();
  void return_handle(CURL* handle);

  std::string ca_bundle_pem_;
  std::mutex mutex_;
  std::vector<CURL*> idle_;
};

}  // namespace mdbop
