// HttpTransport: sends one HTTP request. The S3 backend and the Kubernetes API client speak
// through it, so tests can put an in-memory server behind it and production puts libcurl
// (curl_transport.h).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "util/byte_sink.h"
#include "util/result.h"

namespace mdbop {

using HttpHeaders = std::vector<std::pair<std::string, std::string>>;

struct HttpRequest {
  std::string method;
  std::string url;
  HttpHeaders headers;
  std::string_view body;  // borrowed; must outlive send()
  // A long poll (a Kubernetes watch) may be silent for minutes, though not for longer than
  // kIdleLimitSeconds (an API server sends a watch a bookmark every minute: a longer silence is a
  // dead connection); other requests that stall (under 1 KiB/s for a minute) fail.
  bool may_idle = false;
  static constexpr long kIdleLimitSeconds = 150;
  // Checked about once a second while the request runs: true ends it (status 0).
  const std::atomic<bool>* cancelled = nullptr;
  // The whole request fails (status 0) when it takes longer; zero: no limit but the stall one.
  std::chrono::seconds timeout{0};
};

struct HttpResponse {
  long status = 0;                             // 0: no answer came, see transport_error
  std::string transport_error;                 // why, e.g. "Couldn't connect to server"
  bool certificate_problem = false;            // the TLS peer could not be verified
  std::map<std::string, std::string> headers;  // names lower-cased
  std::string body;            // unless it went to the sink; an answer over 64 MiB fails (status 0)
  std::uint64_t streamed = 0;  // bytes handed to the sink
};

class HttpTransport {
 public:
  virtual ~HttpTransport() = default;
  // Sends the request. When sink is given, the body of a 2xx answer is passed to it as it
  // arrives instead of being kept in HttpResponse::body (other answers are kept: they carry
  // the error). Fails only when the sink fails; a network failure is a response with status 0.
  // May be called from several threads at once.
  virtual Result<HttpResponse> send(const HttpRequest& request, ByteSink* sink) = 0;
};

}  // namespace mdbop
