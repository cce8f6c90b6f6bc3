// S3Client: signs S3 calls (path-style addressing: endpoint/bucket/key), sends them through an
// HttpTransport, retries what may succeed on another attempt and turns failures into
// actionable messages.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "storage/s3_config.h"
#include "storage/sigv4.h"
#include "util/http_transport.h"

namespace mdbop {

struct S3Call {
  std::string method;
  std::string key;  // the object's full key in the bucket; empty for a call on the bucket
  QueryParams query;
  HttpHeaders headers;                   // beyond host and the signing headers, which are added
  std::string_view body;                 // borrowed
  std::string doing;                     // for messages: "uploading s3://bucket/key"
  bool not_found_is_success = false;     // e.g. removing what is already gone
  bool error_may_come_with_200 = false;  // CompleteMultipartUpload can fail after its 200
};

class S3Client {
 public:
  static Result<std::unique_ptr<S3Client>> create(S3Config config,
                                                  std::unique_ptr<HttpTransport> transport);

  // Sends the call and returns the successful answer. Transient failures are retried (with a
  // sink only while no byte has reached it); other failures come back described.
  Result<HttpResponse> call(const S3Call& call, ByteSink* sink = nullptr);

  const S3Config& config() const { return config_; }
  // "s3://bucket/key"
  std::string location(std::string_view key) const;

 private:
  S3Client(S3Config config, S3Endpoint endpoint, std::unique_ptr<HttpTransport> transport);

  const S3Config config_;
  const S3Endpoint endpoint_;
  std::unique_ptr<HttpTransport> transport_;
};

}  // namespace mdbop
