// A real S3 server for the backup tests: MinIO (pinned, built by scripts/install-minio.sh), which
// verifies Signature Version 4 and joins multipart uploads as S3 does. It runs on a free loopback
// port with its own data directory and generated root credentials, and is killed by pid when the
// test ends. s3cmd, a standard client, reads back what mdbop wrote.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <string>
#include <vector>

namespace mdbop::testing {

class S3Server {
 public:
  // The key id under which MinIO's built-in KMS key accepts SSE-KMS requests (SSE-S3 uses it
  // too).
  static constexpr const char* kKmsKeyId = "mdbop-test-key";

  S3Server();  // starts MinIO with bucket "backups" and waits until it answers
  ~S3Server();
  S3Server(const S3Server&) = delete;
  S3Server& operator=(const S3Server&) = delete;

  void stop();   // kills the server (an S3 that disappears)
  void start();  // (again) on the same port and data: what was stored before is back
  int port() const { return port_; }
  std::string endpoint() const { return "127.0.0.1:" + std::to_string(port_); }
  // The root user's credentials, generated for this server.
  const std::string& access_key() const { return access_key_; }
  const std::string& secret_key() const { return secret_key_; }

  // Runs s3cmd against this server; returns its stdout, failing the test on a non-zero exit.
  std::string s3cmd(const std::vector<std::string>& args);

 private:
  std::filesystem::path directory_;
  int port_ = 0;
  int console_port_ = 0;
  std::string access_key_;
  std::string secret_key_;
  std::string kms_secret_key_;  // MINIO_KMS_SECRET_KEY: the same across restarts
  pid_t pid_ = 0;
};

}  // namespace mdbop::testing
