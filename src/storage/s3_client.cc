#include "storage/s3_client.h"

#include <thread>

#include <spdlog/spdlog.h>

#include "storage/s3_errors.h"
#include "storage/s3_xml.h"
#include "util/sha256.h"

namespace mdbop {

namespace {

// A 404 about the object (or upload), not about the bucket.
bool object_not_found(const HttpResponse& response) {
  if (response.status != 404) return false;
  auto error = parse_s3_error(response.body);
  return !error || error->code != "NoSuchBucket";
}

}  // namespace

Result<std::unique_ptr<S3Client>> S3Client::create(S3Config config,
                                                   std::unique_ptr<HttpTransport> transport) {
  auto endpoint = resolve_s3_endpoint(config);
  if (!endpoint) return tl::unexpected(endpoint.error());
  return std::unique_ptr<S3Client>(
      new S3Client(std::move(config), std::move(*endpoint), std::move(transport)));
}

S3Client::S3Client(S3Config config, S3Endpoint endpoint, std::unique_ptr<HttpTransport> transport)
    : config_(std::move(config)),
      endpoint_(std::move(endpoint)),
      transport_(std::move(transport)) {}

std::string S3Client::location(std::string_view key) const {
  return "s3://" + config_.bucket + "/" + std::string(key);
}

Result<HttpResponse> S3Client::call(const S3Call& call, ByteSink* sink) {
  std::string path = "/" + uri_encode(config_.bucket, false);
  if (!call.key.empty()) path += "/" + uri_encode(call.key, true);
  std::string query = canonical_query(call.query);
  std::string url = endpoint_.base_url + path + (query.empty() ? "" : "?" + query);

  SigningInput signing{call.method, path, call.query, call.headers, sha256_hex(call.body)};
  signing.headers.emplace_back("host", endpoint_.host);
  AwsCredentials credentials{config_.access_key_id, config_.secret_access_key,
                             config_.session_token};
  S3ErrorContext context{endpoint_.base_url, config_.bucket, config_.region, call.doing};

  auto delay = config_.retry_delay;
  for (int attempt = 1;; ++attempt) {
    // Signed afresh for each attempt: S3 refuses signatures older than 15 minutes.
    SignedRequest signed_request =
        sign_v4(signing, std::chrono::system_clock::now(), credentials, config_.region, "s3");
    HttpRequest request{call.method, url, std::move(signed_request.headers), call.body};
    auto response = transport_->send(request, sink);
    if (!response) return tl::unexpected(response.error());

    bool succeeded = response->status >= 200 && response->status < 300 &&
                     !(call.error_may_come_with_200 && parse_s3_error(response->body));
    if (succeeded || (call.not_found_is_success && object_not_found(*response))) return response;

    if (attempt < config_.max_attempts && response->streamed == 0 &&
        is_transient_s3_failure(*response)) {
      spdlog::warn("s3 retrying doing=\"{}\" attempt={}/{} after=\"{}\"", call.doing, attempt + 1,
                   config_.max_attempts, describe_s3_failure(*response, context));
      std::this_thread::sleep_for(delay);
      delay *= 2;
      continue;
    }
    // Absent is an answer, which callers act on (an interrupted run's manifest); any other
    // failure says nothing about the object.
    return fail(object_not_found(*response) ? ErrorCode::kNotFound : ErrorCode::kUnknown,
                describe_s3_failure(*response, context));
  }
}

}  // namespace mdbop
