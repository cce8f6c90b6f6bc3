// AWS Signature Version 4 for S3 requests (Authorization header, signed payload), as a pure
// function of the request, the time and the credentials. Follows "Signature Calculations for
// the Authorization Header: Transferring Payload in a Single Chunk" of the S3 API reference.
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "util/http_transport.h"
#include "util/uri_encode.h"

namespace mdbop {

using QueryParams = std::vector<std::pair<std::string, std::string>>;

struct AwsCredentials {
  std::string access_key_id;
  std::string secret_access_key;
  std::string session_token;  // temporary credentials only; sent as x-amz-security-token
};

struct SigningInput {
  std::string method;          // "GET", "PUT", ...
  std::string canonical_path;  // already URI-encoded, e.g. "/bucket/test%24file.text"
  QueryParams query;           // raw names and values, in any order
  HttpHeaders headers;         // raw; must include host
  std::string payload_sha256;  // hex SHA-256 of the body
};

struct SignedRequest {
  // The input headers plus x-amz-content-sha256, x-amz-date, x-amz-security-token (with a
  // session token) and authorization: everything to send.
  HttpHeaders headers;
  std::string canonical_request;
  std::string string_to_sign;
  std::string authorization;
};

SignedRequest sign_v4(const SigningInput& input, std::chrono::system_clock::time_point when,
                      const AwsCredentials& credentials, std::string_view region,
                      std::string_view service);

// The query string as signed and sent: names and values encoded, sorted by name then value,
// "name=value" joined with '&' (a parameter without value still gets its '=').
std::string canonical_query(const QueryParams& query);

// "20130524T000000Z"
std::string amz_date(std::chrono::system_clock::time_point when);

}  // namespace mdbop
