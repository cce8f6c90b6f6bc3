// S3Storage: backup objects in an S3 bucket (AWS, MinIO, ...), under an optional
// prefix, addressed path-style. Large objects go up in parts (s3_object_writer.h); reads stream.
#pragma once

#include <memory>
#include <string>

#include "storage/backup_storage.h"
#include "storage/s3_client.h"
#include "storage/s3_config.h"
#include "util/http_transport.h"

namespace mdbop {

class S3Storage : public BackupStorage {
 public:
  // Checks the config; does not contact S3.
  static Result<std::unique_ptr<S3Storage>> open(S3Config config);
  // The same over a given transport (tests).
  static Result<std::unique_ptr<S3Storage>> open(S3Config config,
                                                 std::unique_ptr<HttpTransport> transport);

  Result<std::unique_ptr<ObjectWriter>> create(const std::string& key, ObjectUse use) override;
  Result<void> read(const std::string& key, ByteSink& sink) override;
  Result<std::vector<StoredObject>> list(const std::string& prefix) override;
  Result<void> remove(const std::string& key) override;
  std::string location(const std::string& key) const override;

 private:
  S3Storage(std::unique_ptr<S3Client> client, std::string root)
      : client_(std::move(client)), root_(std::move(root)) {}

  std::unique_ptr<S3Client> client_;
  std::string root_;  // the config's prefix with one trailing '/', or empty
};

}  // namespace mdbop
