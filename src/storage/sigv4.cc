#include "storage/sigv4.h"

#include <algorithm>
#include <cctype>

#include <date/date.h>

#include "util/ascii_case.h"
#include "util/sha256.h"

namespace mdbop {

namespace {

// Header values are signed trimmed, with runs of spaces collapsed to one.
std::string canonical_value(std::string_view value) {
  std::string out;
  for (char c : value) {
    if (c == ' ' && (out.empty() || out.back() == ' ')) continue;
    out += c;
  }
  if (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

}  // namespace

std::string canonical_query(const QueryParams& query) {
  std::vector<std::pair<std::string, std::string>> encoded;
  for (const auto& [name, value] : query) {
    encoded.emplace_back(uri_encode(name, false), uri_encode(value, false));
  }
  std::sort(encoded.begin(), encoded.end());
  std::string out;
  for (const auto& [name, value] : encoded) {
    if (!out.empty()) out += '&';
    out += name + '=' + value;
  }
  return out;
}

std::string amz_date(std::chrono::system_clock::time_point when) {
  return date::format("%Y%m%dT%H%M%SZ", std::chrono::floor<std::chrono::seconds>(when));
}

SignedRequest sign_v4(const SigningInput& input, std::chrono::system_clock::time_point when,
                      const AwsCredentials& credentials, std::string_view region,
                      std::string_view service) {
  SignedRequest signed_request;
  signed_request.headers = input.headers;
  std::string timestamp = amz_date(when);
  signed_request.headers.emplace_back("x-amz-content-sha256", input.payload_sha256);
  signed_request.headers.emplace_back("x-amz-date", timestamp);
  if (!credentials.session_token.empty()) {
    signed_request.headers.emplace_back("x-amz-security-token", credentials.session_token);
  }

  std::vector<std::pair<std::string, std::string>> canonical;
  for (const auto& [name, value] : signed_request.headers) {
    canonical.emplace_back(ascii_lowercase(name), canonical_value(value));
  }
  std::sort(canonical.begin(), canonical.end());
  std::string canonical_headers;
  std::string signed_headers;
  for (const auto& [name, value] : canonical) {
    canonical_headers += name + ':' + value + '\n';
    if (!signed_headers.empty()) signed_headers += ';';
    signed_headers += name;
  }

  signed_request.canonical_request = input.method + '\n' + input.canonical_path + '\n' +
                                     canonical_query(input.query) + '\n' + canonical_headers +
                                     '\n' + signed_headers + '\n' + input.payload_sha256;

  std::string day = timestamp.substr(0, 8);
  std::string scope =
      day + '/' + std::string(region) + '/' + std::string(service) + "/aws4_request";
  signed_request.string_to_sign = "AWS4-HMAC-SHA256\n" + timestamp + '\n' + scope + '\n' +
                                  sha256_hex(signed_request.canonical_request);

  std::string key = hmac_sha256("AWS4" + credentials.secret_access_key, day);
  key = hmac_sha256(key, region);
  key = hmac_sha256(key, service);
  key = hmac_sha256(key, "aws4_request");
  std::string signature = hex_encode(hmac_sha256(key, signed_request.string_to_sign));

  signed_request.authorization = "AWS4-HMAC-SHA256 Credential=" + credentials.access_key_id + '/' +
                                 scope + ",SignedHeaders=" + signed_headers +
                                 ",Signature=" + signature;
  signed_request.headers.emplace_back("authorization", signed_request.authorization);
  return signed_request;
}

}  // namespace mdbop
