#include "storage/s3_storage.h"

#include "storage/s3_object_writer.h"
#include "storage/s3_xml.h"
#include "util/curl_transport.h"

namespace mdbop {

namespace {

std::string normalized_root(std::string_view prefix) {
  while (prefix.starts_with('/')) prefix.remove_prefix(1);
  while (prefix.ends_with('/')) prefix.remove_suffix(1);
  return prefix.empty() ? "" : std::string(prefix) + "/";
}

// The headers of an object's PUT or multipart initiation. S3 signs them with the request
// (every header sent is in SignedHeaders). UploadPart takes none of them: the object's
// class and encryption are fixed when the upload begins.
HttpHeaders object_headers(const S3Config& config, ObjectUse use) {
  HttpHeaders headers{{"content-type", "application/octet-stream"}};
  if (use == ObjectUse::kData && !config.storage_class.empty()) {
    headers.emplace_back("x-amz-storage-class", config.storage_class);
  }
  if (!config.server_side_encryption.empty()) {
    headers.emplace_back("x-amz-server-side-encryption", config.server_side_encryption);
  }
  if (!config.kms_key_id.empty()) {
    headers.emplace_back("x-amz-server-side-encryption-aws-kms-key-id", config.kms_key_id);
  }
  return headers;
}

}  // namespace

Result<std::unique_ptr<S3Storage>> S3Storage::open(S3Config config) {
  std::string ca_bundle = config.ca_bundle_pem;
  return open(std::move(config), std::make_unique<CurlTransport>(std::move(ca_bundle)));
}

Result<std::unique_ptr<S3Storage>> S3Storage::open(S3Config config,
                                                   std::unique_ptr<HttpTransport> transport) {
  std::string root = normalized_root(config.prefix);
  auto client = S3Client::create(std::move(config), std::move(transport));
  if (!client) return tl::unexpected(client.error());
  return std::unique_ptr<S3Storage>(new S3Storage(std::move(*client), std::move(root)));
}

Result<std::unique_ptr<ObjectWriter>> S3Storage::create(const std::string& key, ObjectUse use) {
  if (auto valid = check_key(key); !valid) return tl::unexpected(valid.error());
  return std::make_unique<S3ObjectWriter>(*client_, root_ + key,
                                          object_headers(client_->config(), use));
}

Result<void> S3Storage::read(const std::string& key, ByteSink& sink) {
  if (auto valid = check_key(key); !valid) return valid;
  S3Call get{"GET", root_ + key, {}, {}, {}, "reading " + location(key)};
  auto response = client_->call(get, &sink);
  if (!response) return tl::unexpected(response.error());
  return {};
}

Result<std::vector<StoredObject>> S3Storage::list(const std::string& prefix) {
  if (auto valid = check_prefix(prefix); !valid) return tl::unexpected(valid.error());
  std::vector<StoredObject> objects;
  std::string token;
  do {
    QueryParams query{{"list-type", "2"}, {"prefix", root_ + prefix}};
    if (!token.empty()) query.emplace_back("continuation-token", token);
    S3Call call{"GET", "", std::move(query), {}, {}, "listing " + location(prefix)};
    auto response = client_->call(call);
    if (!response) return tl::unexpected(response.error());
    auto page = parse_list_objects_v2(response->body);
    if (!page) return tl::unexpected(page.error());
    for (StoredObject& object : page->objects) {
      object.key.erase(0, root_.size());
      objects.push_back(std::move(object));
    }
    token = std::move(page->next_continuation_token);
  } while (!token.empty());
  return objects;
}

Result<void> S3Storage::remove(const std::string& key) {
  if (auto valid = check_key(key); !valid) return valid;
  S3Call call{"DELETE", root_ + key, {}, {}, {}, "removing " + location(key)};
  call.not_found_is_success = true;
  auto response = client_->call(call);
  if (!response) return tl::unexpected(response.error());
  return {};
}

std::string S3Storage::location(const std::string& key) const {
  return client_->location(root_ + key);
}

}  // namespace mdbop
