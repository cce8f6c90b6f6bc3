#include "storage/s3_object_writer.h"

#include <algorithm>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

namespace mdbop {

namespace {

constexpr int kMaxParts = 10000;  // S3's limit
constexpr int kPartsPerSize = 2000;

}  // namespace

std::size_t part_size_for(std::size_t base_size, int part_number) {
  return base_size << ((part_number - 1) / kPartsPerSize);
}

S3ObjectWriter::S3ObjectWriter(S3Client& client, std::string key, HttpHeaders headers)
    : client_(client), key_(std::move(key)), headers_(std::move(headers)) {}

S3ObjectWriter::~S3ObjectWriter() {
  if (done_) return;
  stop_uploads(false);
  abort_upload();
}

std::string S3ObjectWriter::doing(std::string_view what) const {
  return fmt::format("{} {}", what, client_.location(key_));
}

Result<void> S3ObjectWriter::write(std::string_view bytes) {
  if (done_) return fail(doing("writing") + ": the upload is already finished or abandoned");
  // A part that failed in the background stops the stream now, not a part later.
  if (auto failed = background_failure(); !failed) return failed;
  while (!bytes.empty()) {
    // A full buffer leaves only once more bytes prove it is not the last: an object of
    // exactly one part is then a single PUT.
    if (buffer_.size() == part_size_for(client_.config().part_size, next_part_)) {
      if (auto submitted = submit_buffer(); !submitted) return submitted;
    }
    std::size_t room = part_size_for(client_.config().part_size, next_part_) - buffer_.size();
    std::size_t take = std::min(room, bytes.size());
    buffer_.append(bytes.substr(0, take));
    bytes.remove_prefix(take);
  }
  return {};
}

Result<void> S3ObjectWriter::submit_buffer() {
  if (upload_id_.empty()) {
    S3Call create{"POST", key_, {{"uploads", ""}}, headers_, {}, doing("starting the upload of")};
    auto response = client_.call(create);
    if (!response) return fail_and_abort(response.error());
    auto id = parse_upload_id(response->body);
    if (!id) return fail_and_abort(id.error());
    upload_id_ = *id;
    for (int i = 0; i < std::max(1, client_.config().upload_concurrency); ++i) {
      uploaders_.emplace_back([this] { upload_parts(); });
    }
  }
  if (next_part_ > kMaxParts) {
    return fail_and_abort(
        Error{doing("uploading") + ": the object needs more than S3's 10000 parts"});
  }
  Part part{next_part_++, std::move(buffer_)};
  {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [&] {
      return error_ || queue_.size() + static_cast<std::size_t>(in_flight_) < uploaders_.size();
    });
    if (!error_) queue_.push_back(std::move(part));
  }
  if (auto failed = background_failure(); !failed) return failed;
  changed_.notify_all();
  buffer_ = std::string();
  buffer_.reserve(part_size_for(client_.config().part_size, next_part_));
  return {};
}

void S3ObjectWriter::upload_parts() {
  while (true) {
    Part part;
    {
      std::unique_lock lock(mutex_);
      changed_.wait(lock, [&] { return abandon_ || error_ || draining_ || !queue_.empty(); });
      if (abandon_ || error_ || queue_.empty()) return;
      part = std::move(queue_.front());
      queue_.pop_front();
      ++in_flight_;
    }
    auto etag = upload_part(part);
    {
      std::lock_guard lock(mutex_);
      --in_flight_;
      if (etag) {
        completed_.push_back({part.number, *etag});
      } else if (!error_) {
        error_ = etag.error();
      }
    }
    changed_.notify_all();
  }
}

Result<std::string> S3ObjectWriter::upload_part(const Part& part) {
  QueryParams query{{"partNumber", std::to_string(part.number)}, {"uploadId", upload_id_}};
  std::string what = doing(fmt::format("uploading part {} of", part.number));
  S3Call call{"PUT", key_, std::move(query), {}, part.bytes, std::move(what)};
  auto response = client_.call(call);
  if (!response) return tl::unexpected(response.error());
  auto etag = response->headers.find("etag");
  if (etag == response->headers.end() || etag->second.empty()) {
    return fail(call.doing + ": S3 answered without an ETag");
  }
  return etag->second;
}

void S3ObjectWriter::stop_uploads(bool drain) {
  {
    std::lock_guard lock(mutex_);
    (drain ? draining_ : abandon_) = true;
  }
  changed_.notify_all();
  for (std::thread& uploader : uploaders_) uploader.join();
  uploaders_.clear();
}

void S3ObjectWriter::abort_upload() {
  done_ = true;
  if (upload_id_.empty()) return;
  S3Call call{"DELETE", key_, {{"uploadId", upload_id_}}, {}, {}, doing("aborting the upload of")};
  call.not_found_is_success = true;
  if (auto aborted = client_.call(call); !aborted) {
    // The parts stay billed until a lifecycle rule removes them; the object never appears.
    spdlog::warn("s3 upload not aborted key={} upload_id={} reason=\"{}\"", key_, upload_id_,
                 aborted.error().message);
  }
}

Result<void> S3ObjectWriter::background_failure() {
  std::unique_lock lock(mutex_);
  if (!error_) return {};
  Error error = *error_;
  lock.unlock();
  return fail_and_abort(std::move(error));
}

Result<void> S3ObjectWriter::fail_and_abort(Error error) {
  stop_uploads(false);
  abort_upload();
  return tl::unexpected(std::move(error));
}

Result<void> S3ObjectWriter::finish() {
  if (done_) return fail(doing("finishing") + ": the upload is already finished or abandoned");
  if (upload_id_.empty()) {
    S3Call put{"PUT", key_, {}, headers_, buffer_, doing("uploading")};
    auto response = client_.call(put);
    done_ = true;
    if (!response) return tl::unexpected(response.error());
    return {};
  }
  if (!buffer_.empty()) {
    if (auto submitted = submit_buffer(); !submitted) return submitted;
  }
  auto finishing = std::chrono::steady_clock::now();
  stop_uploads(true);
  if (auto failed = background_failure(); !failed) return failed;
  auto uploaded = std::chrono::steady_clock::now();

  std::sort(completed_.begin(), completed_.end(),
            [](const CompletedPart& a, const CompletedPart& b) { return a.number < b.number; });
  std::string body = complete_multipart_body(completed_);
  S3Call complete{"POST",
                  key_,
                  {{"uploadId", upload_id_}},
                  {{"content-type", "application/xml"}},
                  body,
                  doing("completing the upload of")};
  complete.error_may_come_with_200 = true;
  auto response = client_.call(complete);
  if (!response) return fail_and_abort(response.error());
  done_ = true;
  // Where an upload's time goes once the data has ended: the parts still in flight, then the
  // server joining them (some servers copy every byte again).
  auto seconds = [](auto duration) { return std::chrono::duration<double>(duration).count(); };
  spdlog::info(
      "s3: {} uploaded in {} parts; after the last byte {:.2f} s for the parts in "
      "flight, {:.2f} s for CompleteMultipartUpload",
      key_, completed_.size(), seconds(uploaded - finishing),
      seconds(std::chrono::steady_clock::now() - uploaded));
  return {};
}

}  // namespace mdbop
