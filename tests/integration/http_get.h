// A plain HTTP GET for the tests that read metrics endpoints and Prometheus's API.
#pragma once

#include <string>

namespace mdbop::testing {

struct HttpReply {
  long status = 0;  // 0: no answer (refused, timed out)
  std::string body;
  std::string error;  // why there was no answer
};

HttpReply http_get(const std::string& url, long timeout_ms = 5000);

// Percent-encodes a query parameter's value.
std::string url_encode(const std::string& text);

}  // namespace mdbop::testing
