#include "storage/s3_errors.h"

#include <fmt/format.h>

#include "storage/s3_xml.h"

namespace mdbop {

namespace {

// The first line of a body that is not S3's XML (a proxy's page, say), kept short.
std::string snippet(std::string_view body) {
  body = body.substr(0, body.find('\n'));
  if (body.size() > 200) return std::string(body.substr(0, 200)) + "...";
  return std::string(body);
}

}  // namespace

std::string describe_s3_failure(const HttpResponse& response, const S3ErrorContext& context) {
  if (response.status == 0) {
    std::string message =
        fmt::format("cannot reach S3 endpoint {}: {}", context.endpoint, response.transport_error);
    if (response.certificate_problem) message += "; check storage.s3.tls.caSecretKeyRef";
    return message;
  }
  auto error = parse_s3_error(response.body);
  if (!error) {
    if (response.status == 404) return fmt::format("{}: not found (HTTP 404)", context.doing);
    if (response.status == 403) {
      return fmt::format("S3 denied {} (HTTP 403): check the credentials and their permissions",
                         context.doing);
    }
    std::string text = snippet(response.body);
    return fmt::format("S3 answered HTTP {} {}{}{}", response.status, context.doing,
                       text.empty() ? "" : ": ", text);
  }
  const std::string& code = error->code;
  if (code == "InvalidAccessKeyId") {
    return "S3 refused the credentials (InvalidAccessKeyId): check "
           "storage.s3.accessKeyIdSecretKeyRef";
  }
  if (code == "SignatureDoesNotMatch") {
    return "S3 refused the request signature (SignatureDoesNotMatch): check "
           "storage.s3.secretAccessKeySecretKeyRef";
  }
  if (code == "InvalidToken" || code == "ExpiredToken" || code == "TokenRefreshRequired") {
    return fmt::format(
        "S3 refused the session token ({}): check storage.s3.sessionTokenSecretKeyRef", code);
  }
  if (code == "NoSuchBucket") {
    return fmt::format("bucket \"{}\" does not exist (NoSuchBucket)", context.bucket);
  }
  if (code == "NoSuchKey") return fmt::format("{}: no such object (NoSuchKey)", context.doing);
  if (code == "AccessDenied" || code == "AllAccessDisabled") {
    return fmt::format("S3 denied {} ({}): {}; the credentials need access to bucket \"{}\"",
                       context.doing, code, error->message, context.bucket);
  }
  if (code == "AuthorizationHeaderMalformed" || code == "PermanentRedirect" ||
      code == "IllegalLocationConstraintException") {
    return fmt::format(
        "bucket \"{}\" is not reachable in region \"{}\" at {} ({}): {}; check storage.s3.region "
        "and storage.s3.endpoint",
        context.bucket, context.region, context.endpoint, code, error->message);
  }
  return fmt::format("S3 refused {} (HTTP {} {}): {}", context.doing, response.status, code,
                     error->message);
}

bool is_transient_s3_failure(const HttpResponse& response) {
  if (response.status == 0 || response.status >= 500 || response.status == 429) return true;
  auto error = parse_s3_error(response.body);
  return error && (error->code == "RequestTimeout" || error->code == "SlowDown" ||
                   error->code == "InternalError");
}

}  // namespace mdbop
