#include "storage/s3_config.h"

#include <curl/curl.h>

#include <memory>

#include "util/header_safe_name.h"

namespace mdbop {

namespace {

constexpr std::size_t kMinPartSize = 5 << 20;

struct UrlDeleter {
  void operator()(CURLU* url) const { curl_url_cleanup(url); }
};

// One part of a parsed URL; empty when absent.
std::string url_part(CURLU* url, CURLUPart what) {
  char* text = nullptr;
  if (curl_url_get(url, what, &text, 0) != CURLUE_OK || text == nullptr) return "";
  std::string value = text;
  curl_free(text);
  return value;
}

// The values go into request headers: only S3's algorithms, and a key id of visible ASCII.
Result<void> check_server_side_encryption(const S3Config& config) {
  const std::string& sse = config.server_side_encryption;
  if (!sse.empty() && sse != "AES256" && sse != "aws:kms") {
    return fail_field("storage.s3.serverSideEncryption", "must be AES256 or aws:kms");
  }
  if (config.kms_key_id.empty()) return {};
  if (sse != "aws:kms") {
    return fail_field("storage.s3.kmsKeyId", "is used with serverSideEncryption: aws:kms only");
  }
  for (const char c : config.kms_key_id) {
    if (c <= ' ' || c > '~') {
      return fail_field("storage.s3.kmsKeyId",
                        "must be a KMS key id, ARN or alias: visible ASCII characters, no spaces");
    }
  }
  return {};
}

}  // namespace

Result<S3Endpoint> resolve_s3_endpoint(const S3Config& config) {
  if (config.endpoint.empty()) return fail_field("storage.s3.endpoint", "must not be empty");
  if (config.bucket.empty()) return fail_field("storage.s3.bucket", "must not be empty");
  if (config.region.empty()) return fail_field("storage.s3.region", "must not be empty");
  if (config.access_key_id.empty() || config.secret_access_key.empty()) {
    return fail(
        "S3 credentials are missing: set storage.s3.accessKeyIdSecretKeyRef and "
        "storage.s3.secretAccessKeySecretKeyRef");
  }
  if (config.part_size < kMinPartSize) return fail("S3 part size must be at least 5 MiB");
  if (auto sse = check_server_side_encryption(config); !sse) return tl::unexpected(sse.error());
  // Sent in request headers: apply checked them, but a stored object edited by hand must not
  // smuggle a header in either.
  if (!is_header_safe_name(config.region)) {
    return fail_field("storage.s3.region", "must be a region name: letters, digits, '-', '_'");
  }
  if (!is_header_safe_name(config.storage_class)) {
    return fail_field("storage.s3.storageClass",
                      "must be an S3 storage class name: letters, digits, '-', '_'");
  }

  std::string text = config.endpoint;
  if (text.find("://") == std::string::npos) {
    text = (config.tls_enabled ? "https://" : "http://") + text;
  }
  std::unique_ptr<CURLU, UrlDeleter> url(curl_url());
  if (!url || curl_url_set(url.get(), CURLUPART_URL, text.c_str(), 0) != CURLUE_OK) {
    return fail_field("storage.s3.endpoint", "\"" + config.endpoint + "\" is not a valid URL");
  }
  std::string scheme = url_part(url.get(), CURLUPART_SCHEME);
  std::string host = url_part(url.get(), CURLUPART_HOST);
  std::string port = url_part(url.get(), CURLUPART_PORT);
  std::string path = url_part(url.get(), CURLUPART_PATH);
  if (scheme != "http" && scheme != "https") {
    return fail_field("storage.s3.endpoint", "\"" + config.endpoint + "\" must use http or https");
  }
  if (!path.empty() && path != "/") {
    return fail_field("storage.s3.endpoint",
                      "\"" + config.endpoint +
                          "\" must not have a path; the bucket goes in "
                          "storage.s3.bucket and the folder in storage.s3.prefix");
  }
  S3Endpoint endpoint;
  endpoint.host = port.empty() ? host : host + ":" + port;
  endpoint.base_url = scheme + "://" + endpoint.host;
  return endpoint;
}

}  // namespace mdbop
