// The XML S3 speaks: error bodies, ListObjectsV2 pages, multipart upload documents.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "storage/backup_storage.h"
#include "util/result.h"

namespace mdbop {

struct S3ErrorBody {
  std::string code;     // e.g. "NoSuchBucket"
  std::string message;  // S3's own sentence
};
// The <Error> document S3 answers failures with (also inside a 200 answer to
// CompleteMultipartUpload); nullopt when the text is not one.
std::optional<S3ErrorBody> parse_s3_error(std::string_view xml);

struct ListPage {
  std::vector<StoredObject> objects;    // keys as S3 has them (with any prefix)
  std::string next_continuation_token;  // empty on the last page
};
Result<ListPage> parse_list_objects_v2(std::string_view xml);

// The UploadId of an InitiateMultipartUploadResult.
Result<std::string> parse_upload_id(std::string_view xml);

struct CompletedPart {
  int number = 0;
  std::string etag;  // as UploadPart answered it, quotes included
};
// The CompleteMultipartUpload request body; parts in order.
std::string complete_multipart_body(const std::vector<CompletedPart>& parts);

}  // namespace mdbop
