#include "storage/s3_storage.h"

#include <atomic>
#include <condition_variable>
#include <functional>
#include <future>
#include <map>
#include <mutex>
#include <optional>
#include <thread>

#include <gtest/gtest.h>
#include <tinyxml2.h>

#include "storage/s3_object_writer.h"
#include "thread_probe.h"
#include "util/sha256.h"

namespace mdbop {
namespace {

using namespace std::chrono_literals;

constexpr std::size_t kPart = 5 << 20;

// What the in-memory S3 holds and saw; shared by the test and the transport it owns.
struct FakeS3State {
  std::mutex mutex;
  std::map<std::string, std::string> objects;                 // full key -> bytes
  std::map<std::string, std::map<int, std::string>> uploads;  // upload id -> part -> bytes
  std::vector<std::string> requests;                          // "PUT /bucket/key?query"
  std::vector<HttpHeaders> headers;                           // of each request
  std::size_t page_size = 1000;
  std::size_t break_reads_after = 0;  // a GET stops with a network error after so many bytes
  int next_upload = 1;
  // Consulted first (outside the lock, so it may block); an answer it gives is the reply.
  std::function<std::optional<HttpResponse>(const std::string& request)> intercept;

  std::size_t count(const std::string& request_prefix) {
    std::lock_guard lock(mutex);
    return std::count_if(requests.begin(), requests.end(),
                         [&](const std::string& r) { return r.starts_with(request_prefix); });
  }
};

HttpResponse reply(long status, std::string body = "") {
  HttpResponse response;
  response.status = status;
  response.body = std::move(body);
  return response;
}

HttpResponse s3_error(long status, const std::string& code, const std::string& message = "") {
  return reply(status, "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>" + code +
                           "</Code><Message>" + message + "</Message></Error>");
}

std::string percent_decode(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size()) {
      out += static_cast<char>(std::stoi(std::string(text.substr(i + 1, 2)), nullptr, 16));
      i += 2;
    } else {
      out += text[i];
    }
  }
  return out;
}

std::string xml_escape(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c == '&') {
      out += "&amp;";
    } else if (c == '<') {
      out += "&lt;";
    } else {
      out += c;
    }
  }
  return out;
}

// Just enough of S3 (PutObject, multipart uploads, GetObject, DeleteObject, ListObjectsV2) for
// one bucket named "bucket" and one access key "AKID"; checks each payload's SHA-256 header.
class FakeS3 : public HttpTransport {
 public:
  explicit FakeS3(std::shared_ptr<FakeS3State> state) : state_(std::move(state)) {}

  Result<HttpResponse> send(const HttpRequest& request, ByteSink* sink) override {
    std::string target = request.url.substr(request.url.find('/', request.url.find("://") + 3));
    std::string line = request.method + " " + target;
    {
      std::lock_guard lock(state_->mutex);
      state_->requests.push_back(line);
      state_->headers.push_back(request.headers);
    }
    if (state_->intercept) {
      if (auto canned = state_->intercept(line)) return *canned;
    }
    if (header(request, "x-amz-content-sha256") != sha256_hex(request.body)) {
      return s3_error(400, "XAmzContentSHA256Mismatch");
    }
    if (!header(request, "authorization").starts_with("AWS4-HMAC-SHA256 Credential=AKID/")) {
      return s3_error(403, "InvalidAccessKeyId",
                      "The AWS Access Key Id you provided does not exist in our records.");
    }

    std::size_t query_start = target.find('?');
    std::string path = target.substr(1, query_start - 1);
    std::map<std::string, std::string> query;
    if (query_start != std::string::npos) {
      std::string_view rest(target);
      rest.remove_prefix(query_start + 1);
      while (!rest.empty()) {
        std::string_view item = rest.substr(0, rest.find('&'));
        rest.remove_prefix(std::min(rest.size(), item.size() + 1));
        std::size_t equals = item.find('=');
        query[percent_decode(item.substr(0, equals))] =
            equals == std::string_view::npos ? "" : percent_decode(item.substr(equals + 1));
      }
    }
    std::size_t slash = path.find('/');
    std::string bucket = percent_decode(path.substr(0, slash));
    std::string key = slash == std::string::npos ? "" : percent_decode(path.substr(slash + 1));
    if (bucket != "bucket") return s3_error(404, "NoSuchBucket", "The bucket does not exist");

    std::lock_guard lock(state_->mutex);
    if (key.empty()) return list(query);
    if (request.method == "PUT" && query.count("uploadId")) {
      auto upload = state_->uploads.find(query["uploadId"]);
      if (upload == state_->uploads.end()) return s3_error(404, "NoSuchUpload");
      int number = std::stoi(query["partNumber"]);
      upload->second[number] = std::string(request.body);
      HttpResponse response = reply(200);
      response.headers["etag"] = "\"etag-" + std::to_string(number) + "\"";
      return response;
    }
    if (request.method == "PUT") {
      state_->objects[key] = std::string(request.body);
      return reply(200);
    }
    if (request.method == "POST" && query.count("uploads")) {
      std::string id = "upload-" + std::to_string(state_->next_upload++);
      state_->uploads[id];
      return reply(200, "<InitiateMultipartUploadResult><Bucket>bucket</Bucket><Key>" +
                            xml_escape(key) + "</Key><UploadId>" + id +
                            "</UploadId></InitiateMultipartUploadResult>");
    }
    if (request.method == "POST" && query.count("uploadId")) {
      return complete(key, query["uploadId"], request.body);
    }
    if (request.method == "DELETE" && query.count("uploadId")) {
      if (state_->uploads.erase(query["uploadId"]) == 0) return s3_error(404, "NoSuchUpload");
      return reply(204);
    }
    if (request.method == "DELETE") {
      state_->objects.erase(key);
      return reply(204);
    }
    if (request.method == "GET") return get(key, sink);
    return s3_error(405, "MethodNotAllowed");
  }

 private:
  static std::string header(const HttpRequest& request, const std::string& name) {
    for (const auto& [n, v] : request.headers) {
      if (n == name) return v;
    }
    return "";
  }

  HttpResponse list(std::map<std::string, std::string>& query) {
    if (query["list-type"] != "2") return s3_error(400, "InvalidArgument");
    const std::string& prefix = query["prefix"];
    const std::string& after = query["continuation-token"];
    std::string contents;
    std::string last;
    std::size_t listed = 0;
    bool truncated = false;
    for (const auto& [key, bytes] : state_->objects) {
      if (!key.starts_with(prefix) || (!after.empty() && key <= after)) continue;
      if (listed == state_->page_size) {
        truncated = true;
        break;
      }
      contents += "<Contents><Key>" + xml_escape(key) +
                  "</Key><LastModified>2024-05-01T03:00:00.000Z</LastModified><Size>" +
                  std::to_string(bytes.size()) + "</Size></Contents>";
      last = key;
      ++listed;
    }
    return reply(200, "<ListBucketResult><Prefix>" + xml_escape(prefix) + "</Prefix>" + contents +
                          "<IsTruncated>" + (truncated ? "true" : "false") + "</IsTruncated>" +
                          (truncated ? "<NextContinuationToken>" + xml_escape(last) +
                                           "</NextContinuationToken>"
                                     : "") +
                          "</ListBucketResult>");
  }

  HttpResponse complete(const std::string& key, const std::string& id, std::string_view body) {
    auto upload = state_->uploads.find(id);
    if (upload == state_->uploads.end()) return s3_error(404, "NoSuchUpload");
    tinyxml2::XMLDocument doc;
    if (doc.Parse(body.data(), body.size()) != tinyxml2::XML_SUCCESS) {
      return s3_error(400, "MalformedXML");
    }
    std::string assembled;
    int previous = 0;
    std::size_t previous_size = kPart;
    for (auto* part = doc.RootElement()->FirstChildElement("Part"); part != nullptr;
         part = part->NextSiblingElement("Part")) {
      int number = std::stoi(part->FirstChildElement("PartNumber")->GetText());
      std::string etag = part->FirstChildElement("ETag")->GetText();
      if (number <= previous) return s3_error(400, "InvalidPartOrder");
      auto stored = upload->second.find(number);
      if (stored == upload->second.end() || etag != "\"etag-" + std::to_string(number) + "\"") {
        return s3_error(400, "InvalidPart");
      }
      if (previous_size < kPart) return s3_error(400, "EntityTooSmall");
      assembled += stored->second;
      previous = number;
      previous_size = stored->second.size();
    }
    state_->objects[key] = std::move(assembled);
    state_->uploads.erase(upload);
    return reply(200, "<CompleteMultipartUploadResult><Key>" + xml_escape(key) +
                          "</Key></CompleteMultipartUploadResult>");
  }

  Result<HttpResponse> get(const std::string& key, ByteSink* sink) {
    auto object = state_->objects.find(key);
    if (object == state_->objects.end()) return s3_error(404, "NoSuchKey", "No such key");
    HttpResponse response = reply(200);
    if (sink == nullptr) {
      response.body = object->second;
      return response;
    }
    std::string_view rest = object->second;
    while (!rest.empty()) {
      if (state_->break_reads_after != 0 && response.streamed >= state_->break_reads_after) {
        HttpResponse broken;
        broken.transport_error = "Connection reset by peer";
        broken.streamed = response.streamed;
        return broken;
      }
      std::string_view chunk = rest.substr(0, 4096);
      if (auto written = sink->write(chunk); !written) return tl::unexpected(written.error());
      response.streamed += chunk.size();
      rest.remove_prefix(chunk.size());
    }
    return response;
  }

  std::shared_ptr<FakeS3State> state_;
};

class CollectingSink : public ByteSink {
 public:
  Result<void> write(std::string_view bytes) override {
    bytes_ += bytes;
    ++writes_;
    return {};
  }
  Result<void> finish() override { return {}; }
  const std::string& bytes() const { return bytes_; }
  int writes() const { return writes_; }

 private:
  std::string bytes_;
  int writes_ = 0;
};

// Bytes that differ from part to part, so a misplaced part shows.
std::string test_data(std::size_t size) {
  std::string data(size, '\0');
  for (std::size_t i = 0; i < size; ++i) data[i] = static_cast<char>((i * 131 + i / 4099) % 251);
  return data;
}

class S3StorageTest : public ::testing::Test {
 protected:
  void SetUp() override {
    config_.endpoint = "http://s3.test";
    config_.bucket = "bucket";
    config_.prefix = "backups";
    config_.access_key_id = "AKID";
    config_.secret_access_key = "SECRET";
    config_.part_size = kPart;
    config_.retry_delay = 1ms;
  }

  BackupStorage& storage() {
    if (!storage_) {
      auto opened = S3Storage::open(config_, std::make_unique<FakeS3>(state_));
      EXPECT_TRUE(opened) << opened.error().what();
      storage_ = std::move(*opened);
    }
    return *storage_;
  }

  // Writes data in uneven chunks, then finishes.
  Result<void> upload(const std::string& key, const std::string& data) {
    auto writer = storage().create(key, ObjectUse::kData);
    if (!writer) return tl::unexpected(writer.error());
    for (std::size_t at = 0; at < data.size(); at += 1000003) {
      if (auto written = (*writer)->write(std::string_view(data).substr(at, 1000003)); !written) {
        return written;
      }
    }
    return (*writer)->finish();
  }

  std::string stored(const std::string& key) {
    std::lock_guard lock(state_->mutex);
    auto found = state_->objects.find(key);
    return found == state_->objects.end() ? "<none>" : found->second;
  }

  S3Config config_;
  std::shared_ptr<FakeS3State> state_ = std::make_shared<FakeS3State>();
  std::unique_ptr<S3Storage> storage_;
};

TEST_F(S3StorageTest, SmallObjectIsOnePutOnFinish) {
  auto writer = storage().create("ns/manifest.json", ObjectUse::kData);
  ASSERT_TRUE(writer);
  ASSERT_TRUE((*writer)->write("{\"a\":"));
  ASSERT_TRUE((*writer)->write("1}"));
  EXPECT_TRUE(state_->requests.empty());  // nothing leaves before finish
  ASSERT_TRUE((*writer)->finish());
  EXPECT_EQ(state_->requests, std::vector<std::string>{"PUT /bucket/backups/ns/manifest.json"});
  EXPECT_EQ(stored("backups/ns/manifest.json"), "{\"a\":1}");
}

TEST_F(S3StorageTest, ExactlyOnePartIsStillOnePut) {
  ASSERT_TRUE(upload("k", test_data(kPart)));
  EXPECT_EQ(state_->requests, std::vector<std::string>{"PUT /bucket/backups/k"});
  EXPECT_EQ(stored("backups/k"), test_data(kPart));
}

TEST_F(S3StorageTest, EmptyObjectIsAnEmptyPut) {
  ASSERT_TRUE(upload("empty", ""));
  EXPECT_EQ(stored("backups/empty"), "");
}

TEST_F(S3StorageTest, LargeObjectGoesUpInParts) {
  std::string data = test_data(2 * kPart + 12345);
  ASSERT_TRUE(upload("ns/data.xb.zst", data));
  EXPECT_EQ(state_->count("POST /bucket/backups/ns/data.xb.zst?uploads="), 1u);
  EXPECT_EQ(state_->count("PUT /bucket/backups/ns/data.xb.zst?partNumber="), 3u);
  EXPECT_EQ(state_->count("POST /bucket/backups/ns/data.xb.zst?uploadId=upload-1"), 1u);
  EXPECT_EQ(stored("backups/ns/data.xb.zst"), data);
  EXPECT_TRUE(state_->uploads.empty());
}

TEST_F(S3StorageTest, NothingExistsUnderTheKeyUntilFinish) {
  auto writer = storage().create("big", ObjectUse::kData);
  ASSERT_TRUE(writer);
  ASSERT_TRUE((*writer)->write(test_data(3 * kPart + 1)));
  EXPECT_EQ(stored("backups/big"), "<none>");
  auto listed = storage().list("");
  ASSERT_TRUE(listed);
  EXPECT_TRUE(listed->empty());
  ASSERT_TRUE((*writer)->finish());
  EXPECT_EQ(stored("backups/big").size(), 3 * kPart + 1);
}

TEST_F(S3StorageTest, PayloadHashesAreRealAndStorageClassAndTokenAreSent) {
  config_.storage_class = "STANDARD_IA";
  config_.session_token = "session-token";
  ASSERT_TRUE(upload("big", test_data(kPart + 1)));
  ASSERT_TRUE(upload("small", "x"));  // the fake refuses a wrong x-amz-content-sha256
  std::lock_guard lock(state_->mutex);
  for (std::size_t i = 0; i < state_->requests.size(); ++i) {
    const std::string& request = state_->requests[i];
    bool has_class = false;
    bool has_token = false;
    for (const auto& [name, value] : state_->headers[i]) {
      has_class |= name == "x-amz-storage-class" && value == "STANDARD_IA";
      has_token |= name == "x-amz-security-token" && value == "session-token";
    }
    bool creates_object = request.ends_with("?uploads=") || request == "PUT /bucket/backups/small";
    EXPECT_EQ(has_class, creates_object) << request;
    EXPECT_TRUE(has_token) << request;
  }
}

// The value of header `name` in request i, or "<absent>"; and whether the request signed it.
std::string header_of(FakeS3State& state, std::size_t i, const std::string& name, bool& signed_) {
  std::string value = "<absent>";
  signed_ = false;
  for (const auto& [header, v] : state.headers[i]) {
    if (header == name) value = v;
    if (header == "authorization") {
      const std::string list = v.substr(v.find("SignedHeaders=") + 14);
      const std::string names = ";" + list.substr(0, list.find(',')) + ";";
      signed_ = names.find(";" + name + ";") != std::string::npos;
    }
  }
  return value;
}

TEST_F(S3StorageTest, ServerSideEncryptionIsSentSignedWhereObjectsBegin) {
  config_.server_side_encryption = "aws:kms";
  config_.kms_key_id = "mdbop-test-key";
  ASSERT_TRUE(upload("big", test_data(kPart + 1)));
  ASSERT_TRUE(storage().put_all("manifest.json", "{}"));
  std::lock_guard lock(state_->mutex);
  ASSERT_FALSE(state_->requests.empty());
  for (std::size_t i = 0; i < state_->requests.size(); ++i) {
    const std::string& request = state_->requests[i];
    // UploadPart and CompleteMultipartUpload carry none: the upload's settings are fixed
    // when it begins.
    const bool begins_object =
        request.ends_with("?uploads=") || request == "PUT /bucket/backups/manifest.json";
    bool signed_sse = false;
    bool signed_key = false;
    const std::string sse = header_of(*state_, i, "x-amz-server-side-encryption", signed_sse);
    const std::string key =
        header_of(*state_, i, "x-amz-server-side-encryption-aws-kms-key-id", signed_key);
    EXPECT_EQ(sse, begins_object ? "aws:kms" : "<absent>") << request;
    EXPECT_EQ(key, begins_object ? "mdbop-test-key" : "<absent>") << request;
    EXPECT_EQ(signed_sse, begins_object) << request;
    EXPECT_EQ(signed_key, begins_object) << request;
  }
}

TEST_F(S3StorageTest, StorageClassAppliesToDataObjectsOnly) {
  config_.storage_class = "GLACIER";
  config_.server_side_encryption = "AES256";
  ASSERT_TRUE(upload("data.xb.zst", "x"));                // a data object
  ASSERT_TRUE(storage().put_all("manifest.json", "{}"));  // an index object
  std::lock_guard lock(state_->mutex);
  ASSERT_EQ(state_->requests, (std::vector<std::string>{"PUT /bucket/backups/data.xb.zst",
                                                        "PUT /bucket/backups/manifest.json"}));
  bool signed_ = false;
  EXPECT_EQ(header_of(*state_, 0, "x-amz-storage-class", signed_), "GLACIER");
  EXPECT_TRUE(signed_);
  EXPECT_EQ(header_of(*state_, 1, "x-amz-storage-class", signed_), "<absent>");
  EXPECT_EQ(header_of(*state_, 1, "x-amz-server-side-encryption", signed_), "AES256");
  EXPECT_EQ(header_of(*state_, 1, "x-amz-server-side-encryption-aws-kms-key-id", signed_),
            "<absent>");
}

TEST_F(S3StorageTest, ServerSideEncryptionSettingsAreCheckedBeforeAnyRequest) {
  config_.server_side_encryption = "aws:kms";
  config_.kms_key_id = "key\r\nx-amz-acl: public-read";
  EXPECT_FALSE(S3Storage::open(config_, std::make_unique<FakeS3>(state_)));
  config_.kms_key_id = "";
  config_.server_side_encryption = "aws:fancy";
  EXPECT_FALSE(S3Storage::open(config_, std::make_unique<FakeS3>(state_)));
  config_.server_side_encryption = "AES256";
  config_.kms_key_id = "k";
  EXPECT_FALSE(S3Storage::open(config_, std::make_unique<FakeS3>(state_)));
  EXPECT_TRUE(state_->requests.empty());
}

TEST_F(S3StorageTest, KeysAreUriEncodedInThePath) {
  ASSERT_TRUE(storage().put_all("ns/a b+c$d", "x"));
  EXPECT_EQ(state_->requests, std::vector<std::string>{"PUT /bucket/backups/ns/a%20b%2Bc%24d"});
  EXPECT_EQ(stored("backups/ns/a b+c$d"), "x");
}

TEST_F(S3StorageTest, PartsUploadWhileTheNextOneFills) {
  config_.upload_concurrency = 1;
  std::mutex mutex;
  std::condition_variable changed;
  bool part_one_started = false;
  bool release = false;
  state_->intercept = [&](const std::string& request) -> std::optional<HttpResponse> {
    if (request.find("?partNumber=1&") != std::string::npos) {
      std::unique_lock lock(mutex);
      part_one_started = true;
      changed.notify_all();
      changed.wait(lock, [&] { return release; });
    }
    return std::nullopt;
  };
  auto writer = storage().create("big", ObjectUse::kData);
  ASSERT_TRUE(writer);
  // Part 1 leaves, part 2 fills up completely while part 1 is still on the wire.
  ASSERT_TRUE((*writer)->write(test_data(2 * kPart)));
  {
    std::unique_lock lock(mutex);
    ASSERT_TRUE(changed.wait_for(lock, 10s, [&] { return part_one_started; }));
  }
  // One more byte needs part 2 to leave, which waits for a free upload slot.
  std::atomic<bool> third_written{false};
  std::promise<pid_t> more_tid;
  std::thread more([&] {
    more_tid.set_value(::gettid());
    EXPECT_TRUE((*writer)->write("x"));
    third_written = true;
  });
  EXPECT_TRUE(wait_until_blocked_in(more_tid.get_future().get(), SYS_futex,
                                    [&] { return third_written.load(); }));
  EXPECT_FALSE(third_written);
  {
    std::lock_guard lock(mutex);
    release = true;
  }
  changed.notify_all();
  more.join();
  ASSERT_TRUE((*writer)->finish());
  EXPECT_EQ(stored("backups/big"), test_data(2 * kPart) + "x");
}

TEST_F(S3StorageTest, AtMostTheConfiguredNumberOfPartsAreInFlight) {
  constexpr int kLimit = 3;
  constexpr int kParts = 8;
  config_.upload_concurrency = kLimit;
  // Each part stays on the wire until the test lets one go, which it does only once as many
  // parts as allowed are in flight and every other thread waits: the limit is reached, and a
  // part beyond it would have started by then.
  std::mutex mutex;
  std::condition_variable changed;
  int active = 0;
  int most = 0;
  int started = 0;
  int releases = 0;
  state_->intercept = [&](const std::string& request) -> std::optional<HttpResponse> {
    if (request.find("?partNumber=") == std::string::npos) return std::nullopt;
    std::unique_lock lock(mutex);
    ++started;
    most = std::max(most, ++active);
    changed.notify_all();
    changed.wait(lock, [&] { return releases > 0; });
    --releases;
    --active;
    changed.notify_all();
    return std::nullopt;
  };
  const std::string data = test_data((kParts - 1) * kPart + 7);
  storage();
  Result<void> uploaded;
  std::thread uploader([&] { uploaded = upload("big", data); });
  bool stalled = false;
  bool quiet = true;
  {
    std::unique_lock lock(mutex);
    while (started < kParts) {
      if (!changed.wait_for(lock, 10s, [&] {
            return releases == 0 && (active == kLimit || started == kParts);
          })) {
        stalled = true;
        break;
      }
      if (started == kParts) break;
      lock.unlock();
      quiet &= wait_until_other_threads_asleep();
      lock.lock();
      ++releases;
      changed.notify_all();
    }
    releases = kParts;  // the last parts, and everything after a stall
  }
  changed.notify_all();
  uploader.join();
  EXPECT_FALSE(stalled) << "fewer than " << kLimit << " parts in flight: " << active;
  EXPECT_TRUE(quiet) << "the uploads never settled";
  ASSERT_TRUE(uploaded) << uploaded.error().message;
  EXPECT_EQ(most, kLimit);
  EXPECT_EQ(started, kParts);
  EXPECT_EQ(stored("backups/big"), data);
}

TEST_F(S3StorageTest, AFailedPartIsRetried) {
  std::atomic<int> attempts{0};
  state_->intercept = [&](const std::string& request) -> std::optional<HttpResponse> {
    if (request.find("?partNumber=2&") != std::string::npos && ++attempts < 3) {
      return attempts == 1 ? s3_error(500, "InternalError") : HttpResponse{};
    }
    return std::nullopt;
  };
  std::string data = test_data(2 * kPart + 1);
  ASSERT_TRUE(upload("big", data));
  EXPECT_EQ(state_->count("PUT /bucket/backups/big?partNumber=2&"), 3u);
  EXPECT_EQ(stored("backups/big"), data);
}

TEST_F(S3StorageTest, APartThatKeepsFailingAbortsTheUpload) {
  state_->intercept = [&](const std::string& request) -> std::optional<HttpResponse> {
    if (request.find("?partNumber=2&") != std::string::npos) {
      return s3_error(503, "ServiceUnavailable", "Please reduce your request rate.");
    }
    return std::nullopt;
  };
  auto uploaded = upload("big", test_data(4 * kPart));
  ASSERT_FALSE(uploaded);
  EXPECT_EQ(uploaded.error().message,
            "S3 refused uploading part 2 of s3://bucket/backups/big (HTTP 503 "
            "ServiceUnavailable): Please reduce your request rate.");
  EXPECT_EQ(state_->count("PUT /bucket/backups/big?partNumber=2&"), 4u);
  EXPECT_EQ(state_->count("DELETE /bucket/backups/big?uploadId=upload-1"), 1u);
  EXPECT_EQ(state_->count("POST /bucket/backups/big?uploadId="), 0u);
  EXPECT_EQ(stored("backups/big"), "<none>");
  EXPECT_TRUE(state_->uploads.empty());
}

TEST_F(S3StorageTest, AnUnfinishedWriterAbortsItsUpload) {
  {
    auto writer = storage().create("big", ObjectUse::kData);
    ASSERT_TRUE(writer);
    ASSERT_TRUE((*writer)->write(test_data(2 * kPart + 1)));
  }
  EXPECT_EQ(state_->count("DELETE /bucket/backups/big?uploadId=upload-1"), 1u);
  EXPECT_EQ(state_->count("POST /bucket/backups/big?uploadId="), 0u);
  EXPECT_EQ(stored("backups/big"), "<none>");
  EXPECT_TRUE(state_->uploads.empty());
}

TEST_F(S3StorageTest, AnErrorAfterTheCompletes200IsAFailure) {
  state_->intercept = [&](const std::string& request) -> std::optional<HttpResponse> {
    if (request.starts_with("POST /bucket/backups/big?uploadId=")) {
      return s3_error(200, "AccessDenied", "Access Denied");
    }
    return std::nullopt;
  };
  auto uploaded = upload("big", test_data(kPart + 1));
  ASSERT_FALSE(uploaded);
  EXPECT_EQ(uploaded.error().message,
            "S3 denied completing the upload of s3://bucket/backups/big (AccessDenied): Access "
            "Denied; the credentials need access to bucket \"bucket\"");
  EXPECT_EQ(state_->count("DELETE /bucket/backups/big?uploadId=upload-1"), 1u);
  EXPECT_EQ(stored("backups/big"), "<none>");
}

TEST_F(S3StorageTest, ListFollowsContinuationTokensAndStripsThePrefix) {
  state_->page_size = 2;
  for (const char* key : {"backups/ns/a/1", "backups/ns/a/2", "backups/ns/b", "backups/ns/c",
                          "backups/ns/d", "backups/ns2/x", "other/y"}) {
    state_->objects[key] = key;
  }
  auto listed = storage().list("ns/");
  ASSERT_TRUE(listed) << listed.error().message;
  std::vector<std::string> keys;
  for (const auto& object : *listed) keys.push_back(object.key);
  EXPECT_EQ(keys, (std::vector<std::string>{"ns/a/1", "ns/a/2", "ns/b", "ns/c", "ns/d"}));
  EXPECT_EQ((*listed)[0].size, std::string("backups/ns/a/1").size());
  EXPECT_EQ(
      state_->requests,
      (std::vector<std::string>{
          "GET /bucket?list-type=2&prefix=backups%2Fns%2F",
          "GET /bucket?continuation-token=backups%2Fns%2Fa%2F2&list-type=2&prefix=backups%2Fns%2F",
          "GET /bucket?continuation-token=backups%2Fns%2Fc&list-type=2&prefix=backups%2Fns%2F",
      }));
}

TEST_F(S3StorageTest, WithoutAPrefixKeysAreAtTheBucketRoot) {
  config_.prefix = "";
  ASSERT_TRUE(storage().put_all("a", "1"));
  EXPECT_EQ(stored("a"), "1");
  EXPECT_EQ(storage().location("a"), "s3://bucket/a");
  auto listed = storage().list("");
  ASSERT_TRUE(listed);
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ((*listed)[0].key, "a");
}

TEST_F(S3StorageTest, PrefixSlashesDoNotMatter) {
  config_.prefix = "/backups/daily/";
  ASSERT_TRUE(storage().put_all("a", "1"));
  EXPECT_EQ(stored("backups/daily/a"), "1");
  EXPECT_EQ(storage().location("a"), "s3://bucket/backups/daily/a");
}

TEST_F(S3StorageTest, ReadStreamsIntoTheSink) {
  std::string data = test_data(100000);
  state_->objects["backups/k"] = data;
  CollectingSink sink;
  ASSERT_TRUE(storage().read("k", sink));
  EXPECT_EQ(sink.bytes(), data);
  EXPECT_GT(sink.writes(), 1);
  EXPECT_EQ(storage().read_all("k").value(), data);
}

TEST_F(S3StorageTest, AReadThatBrokeMidwayIsNotRetried) {
  state_->objects["backups/k"] = test_data(100000);
  state_->break_reads_after = 8192;
  CollectingSink sink;
  auto read = storage().read("k", sink);
  ASSERT_FALSE(read);
  EXPECT_EQ(read.error().message,
            "cannot reach S3 endpoint http://s3.test: Connection reset by peer");
  EXPECT_EQ(state_->count("GET "), 1u);
  EXPECT_EQ(sink.bytes().size(), 8192u);
}

TEST_F(S3StorageTest, ReadingAMissingObjectSaysWhich) {
  CollectingSink sink;
  auto read = storage().read("missing", sink);
  ASSERT_FALSE(read);
  EXPECT_EQ(read.error().message,
            "reading s3://bucket/backups/missing: no such object (NoSuchKey)");
  EXPECT_TRUE(is_not_found(read.error())) << "absent, which callers act on";
  EXPECT_EQ(sink.bytes(), "");
}

// Only an absent object is kNotFound: a storage that does not answer says nothing about it.
TEST_F(S3StorageTest, AReadTheStorageCouldNotServeIsNotNotFound) {
  state_->objects["backups/k"] = "x";
  state_->intercept = [](const std::string&) -> std::optional<HttpResponse> {
    return s3_error(503, "ServiceUnavailable", "Please reduce your request rate.");
  };
  auto read = storage().read_all("k");
  ASSERT_FALSE(read);
  EXPECT_FALSE(is_not_found(read.error())) << read.error().message;
}

TEST_F(S3StorageTest, RemoveDeletesAndIgnoresMissingKeys) {
  state_->objects["backups/k"] = "x";
  ASSERT_TRUE(storage().remove("k"));
  EXPECT_EQ(stored("backups/k"), "<none>");
  ASSERT_TRUE(storage().remove("k"));
  state_->intercept = [](const std::string&) -> std::optional<HttpResponse> {
    return s3_error(404, "NoSuchKey");  // some S3s answer 404 rather than 204
  };
  EXPECT_TRUE(storage().remove("k"));
}

TEST_F(S3StorageTest, WrongCredentialsAreNamed) {
  config_.access_key_id = "WRONG";
  auto put = storage().put_all("k", "x");
  ASSERT_FALSE(put);
  EXPECT_EQ(put.error().message,
            "S3 refused the credentials (InvalidAccessKeyId): check "
            "storage.s3.accessKeyIdSecretKeyRef");
  EXPECT_EQ(state_->requests.size(), 1u);  // not worth retrying
}

TEST_F(S3StorageTest, AMissingBucketIsNamed) {
  config_.bucket = "nobucket";
  auto listed = storage().list("");
  ASSERT_FALSE(listed);
  EXPECT_EQ(listed.error().message, "bucket \"nobucket\" does not exist (NoSuchBucket)");
  auto removed = storage().remove("k");  // a missing object is fine, a missing bucket is not
  ASSERT_FALSE(removed);
  EXPECT_EQ(removed.error().message, "bucket \"nobucket\" does not exist (NoSuchBucket)");
  auto read = storage().read_all("k");
  ASSERT_FALSE(read);
  EXPECT_FALSE(is_not_found(read.error())) << "a missing bucket is no missing object";
}

TEST_F(S3StorageTest, AnUnreachableEndpointIsRetriedThenNamed) {
  state_->intercept = [](const std::string&) -> std::optional<HttpResponse> {
    HttpResponse refused;
    refused.transport_error = "Couldn't connect to server";
    return refused;
  };
  auto put = storage().put_all("k", "x");
  ASSERT_FALSE(put);
  EXPECT_EQ(put.error().message,
            "cannot reach S3 endpoint http://s3.test: Couldn't connect to server");
  EXPECT_EQ(state_->requests.size(), 4u);
}

TEST_F(S3StorageTest, InvalidKeysAreRefused) {
  CollectingSink sink;
  EXPECT_FALSE(storage().create("../x", ObjectUse::kData));
  EXPECT_FALSE(storage().read("/x", sink));
  EXPECT_FALSE(storage().remove("a//b"));
  EXPECT_FALSE(storage().list(".."));
  EXPECT_TRUE(state_->requests.empty());
}

TEST_F(S3StorageTest, OpenChecksTheConfig) {
  config_.endpoint = "";
  EXPECT_FALSE(S3Storage::open(config_, std::make_unique<FakeS3>(state_)));
}

TEST(PartSizeTest, DoublesEvery2000Parts) {
  constexpr std::size_t kBase = 16 << 20;
  EXPECT_EQ(part_size_for(kBase, 1), kBase);
  EXPECT_EQ(part_size_for(kBase, 2000), kBase);
  EXPECT_EQ(part_size_for(kBase, 2001), 2 * kBase);
  EXPECT_EQ(part_size_for(kBase, 10000), 16 * kBase);
  std::uint64_t total = 0;
  for (int part = 1; part <= 10000; ++part) total += part_size_for(kBase, part);
  EXPECT_EQ(total, 62000ull * kBase);
}

}  // namespace
}  // namespace mdbop
