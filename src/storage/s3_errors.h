// What a failed S3 exchange means, in words a user can act on, and whether it is worth
// trying again.
#pragma once

#include <string>

#include "util/http_transport.h"

namespace mdbop {

struct S3ErrorContext {
  std::string endpoint;  // "http://127.0.0.1:9000"
  std::string bucket;
  std::string region;
  std::string doing;  // what was attempted, e.g. "uploading s3://bucket/backups/a"
};

// E.g. "S3 refused the credentials (InvalidAccessKeyId): check
// storage.s3.accessKeyIdSecretKeyRef", "bucket \"x\" does not exist (NoSuchBucket)",
// "cannot reach S3 endpoint http://127.0.0.1:9000: Couldn't connect to server".
// REQUIRES: the response is a failure (no answer, a non-2xx status or an <Error> body).
std::string describe_s3_failure(const HttpResponse& response, const S3ErrorContext& context);

// True for failures another attempt may cure: no answer, 5xx, throttling, request timeouts.
bool is_transient_s3_failure(const HttpResponse& response);

}  // namespace mdbop
