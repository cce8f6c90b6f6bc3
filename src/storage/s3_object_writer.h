// S3ObjectWriter: streams an object into S3. Bytes fill a part-sized buffer; each full buffer
// is handed to background threads that upload it (UploadPart) while the next one fills, so the
// stage upstream (the compressor) keeps running during network round trips. At most
// upload_concurrency + 1 buffers exist at a time: write() waits for a free slot. An object no
// bigger than one part is sent by finish() in a single PUT.
#pragma once

#include <condition_variable>
#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "storage/backup_storage.h"
#include "storage/s3_client.h"
#include "storage/s3_xml.h"

namespace mdbop {

class S3ObjectWriter : public ObjectWriter {
 public:
  // key: the object's full key in the bucket; headers: sent with the PUT or the multipart
  // upload's initiation (content type, storage class, server-side encryption). REQUIRES:
  // client outlives the writer.
  S3ObjectWriter(S3Client& client, std::string key, HttpHeaders headers);
  // Unless finish() succeeded: stops the uploads and aborts the multipart upload.
  ~S3ObjectWriter() override;
  S3ObjectWriter(const S3ObjectWriter&) = delete;
  S3ObjectWriter& operator=(const S3ObjectWriter&) = delete;

  Result<void> write(std::string_view bytes) override;
  Result<void> finish() override;

 private:
  struct Part {
    int number = 0;
    std::string bytes;
  };

  Result<void> submit_buffer();
  void upload_parts();
  Result<std::string> upload_part(const Part& part);
  void stop_uploads(bool drain);
  void abort_upload();
  // The first failure of a background upload, after which everything is aborted.
  Result<void> background_failure();
  Result<void> fail_and_abort(Error error);
  std::string doing(std::string_view what) const;

  S3Client& client_;
  const std::string key_;
  const HttpHeaders headers_;
  std::string buffer_;
  int next_part_ = 1;
  std::string upload_id_;  // empty until the first part leaves
  bool done_ = false;      // finished or aborted: nothing left to clean up

  std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<Part> queue_;
  int in_flight_ = 0;
  bool draining_ = false;  // finish(): upload what is queued, then stop
  bool abandon_ = false;   // stop now, upload nothing more
  std::optional<Error> error_;
  std::vector<CompletedPart> completed_;
  std::vector<std::thread> uploaders_;
};

// The size of a given part (numbered from 1): base_size, doubled every 2000 parts. Within S3's
// limit of 10000 parts that allows 62000 * base_size bytes (968 GiB with 16 MiB parts) while
// ordinary backups keep small buffers.
std::size_t part_size_for(std::size_t base_size, int part_number);

}  // namespace mdbop
