// A real S3 server for the backup tests: s3rver (from the npm registry, installed under
// tests/s3 by scripts/test.sh) on a free loopback port with its own data directory, stopped by
// pid when the test ends. s3cmd reads back what mdbop wrote.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <string>
#include <vector>

namespace mdbop::testing {

class S3Server {
 public:
  S3Server();  // starts s3rver with bucket "backups" and waits until it answers
  ~S3Server();
  S3Server(const S3Server&) = delete;
  S3Server& operator=(const S3Server&) = delete;

  void stop();   // kills the server (an S3 that disappears)
  void start();  // (again) on the same port and data: what was stored before is back
  int port() const { return port_; }
  std::string endpoint() const { return "127.0.0.1:" + std::to_string(port_); }

  // Runs s3cmd against this server; returns its stdout, failing the test on a non-zero exit.
  std::string s3cmd(const std::vector<std::string>& args);

 private:
  std::filesystem::path directory_;
  int port_ = 0;
  pid_t pid_ = 0;
};

}  // namespace mdbop::testing
