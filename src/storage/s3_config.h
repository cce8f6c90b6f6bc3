// Where and how to reach an S3 bucket: the fields of a storage.s3 section plus tuning knobs.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>

#include "util/result.h"

namespace mdbop {

struct S3Config {
  std::string endpoint;  // "http://127.0.0.1:9000" or "s3.amazonaws.com" (scheme from tls_enabled)
  std::string bucket;
  std::string region = "us-east-1";
  std::string prefix;  // objects go under "<prefix>/"; leading and trailing '/' do not matter
  std::string access_key_id;
  std::string secret_access_key;
  std::string session_token;  // temporary credentials only
  bool tls_enabled = false;
  std::string ca_bundle_pem;  // PEM certificates to trust instead of the system's
  std::string storage_class;  // of data objects, e.g. "STANDARD_IA"; empty for the default
  // Server-side encryption of every object: "AES256" (SSE-S3) or "aws:kms" (SSE-KMS, with
  // kms_key_id or, when empty, the account's default key); empty for none.
  std::string server_side_encryption;
  std::string kms_key_id;

  // Multipart uploads: parts of part_size bytes (S3 wants at least 5 MiB but for the last),
  // upload_concurrency parts in flight while the next one fills.
  std::size_t part_size = 16 << 20;
  int upload_concurrency = 2;
  // Every request is tried up to max_attempts times on network errors, 5xx and throttling,
  // waiting retry_delay, then twice as long after each further failure.
  int max_attempts = 4;
  std::chrono::milliseconds retry_delay{500};
};

struct S3Endpoint {
  std::string base_url;  // "http://127.0.0.1:9000", no trailing '/'
  std::string host;      // the Host header: "127.0.0.1:9000"
};

// Checks the config (endpoint, bucket, credentials, part size) and resolves the endpoint.
Result<S3Endpoint> resolve_s3_endpoint(const S3Config& config);

}  // namespace mdbop
