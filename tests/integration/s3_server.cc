#include "s3_server.h"

#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>

#include <fstream>
#include <iterator>

#include <gtest/gtest.h>

#include "harness.h"
#include "util/base64.h"
#include "util/curl_transport.h"
#include "util/random_password.h"
#include "util/subprocess.h"

namespace mdbop::testing {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

// Where scripts/install-minio.sh put it: $MDBOP_MINIO (scripts/test.sh sets it), else where
// `go install` puts binaries by default (GOBIN, else the first GOPATH entry's bin, else ~/go/bin).
fs::path minio_binary() {
  if (const char* path = std::getenv("MDBOP_MINIO")) return path;
  if (const char* gobin = std::getenv("GOBIN"); gobin && *gobin) return fs::path(gobin) / "minio";
  if (const char* gopath = std::getenv("GOPATH"); gopath && *gopath) {
    const std::string_view paths(gopath);
    return fs::path(paths.substr(0, paths.find(':'))) / "bin/minio";
  }
  const char* home = std::getenv("HOME");
  return fs::path(home ? home : "") / "go/bin/minio";
}

std::string random_text(size_t length) {
  auto text = random_password(length);
  EXPECT_TRUE(text) << text.error().what();
  return text ? *text : "";
}

// The last 2000 bytes of the file at `path` (its directory goes with the server).
std::string log_tail(const fs::path& path) {
  std::ifstream in(path);
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return text.size() > 2000 ? text.substr(text.size() - 2000) : text;
}

}  // namespace

S3Server::S3Server() {
  char pattern[] = "/tmp/mdbop-s3-XXXXXX";
  directory_ = mkdtemp(pattern);  // 0700: the s3cmd configuration below holds the secret key
  access_key_ = random_text(20);
  secret_key_ = random_text(40);
  unsigned char key[32];
  EXPECT_TRUE(openssl_random_bytes(key, sizeof key));
  kms_secret_key_ = std::string(kKmsKeyId) + ":" +
                    base64_encode(std::string(reinterpret_cast<const char*>(key), sizeof key));
  port_ = free_loopback_port(12000, 15499);
  console_port_ = free_loopback_port(15500, 18999);
  if (port_ == 0 || console_port_ == 0) {
    ADD_FAILURE() << "no free ports for MinIO";
    return;
  }
  std::ofstream(directory_ / "s3cmd.cfg") << "[default]\n"
                                          << "access_key = " << access_key_ << "\n"
                                          << "secret_key = " << secret_key_ << "\n"
                                          << "host_base = " << endpoint() << "\n"
                                          << "host_bucket = " << endpoint() << "\n"
                                          << "bucket_location = us-east-1\n"
                                          << "use_https = False\n"
                                          << "signature_v2 = False\n";
  start();
  if (pid_ > 0) s3cmd({"mb", "s3://backups"});
}

void S3Server::start() {
  if (pid_ > 0) return;
  const fs::path minio = minio_binary();
  ASSERT_TRUE(fs::exists(minio))
      << minio << " is missing: run scripts/install-minio.sh (it builds the pinned MinIO with "
      << "go install), or set MDBOP_MINIO to a minio binary";
  SubprocessOptions server;
  server.argv = {minio.string(),
                 "server",
                 "--quiet",
                 "--address",
                 endpoint(),
                 "--console-address",
                 "127.0.0.1:" + std::to_string(console_port_),
                 (directory_ / "data").string()};
  // Credentials by environment, never on the command line.
  server.extra_env = {{"MINIO_ROOT_USER", access_key_},
                      {"MINIO_ROOT_PASSWORD", secret_key_},
                      {"MINIO_KMS_SECRET_KEY", kms_secret_key_},
                      {"MINIO_BROWSER", "off"}};
  server.output_file = (directory_ / "minio.log").string();
  auto pid = spawn_detached(server);
  ASSERT_TRUE(pid) << pid.error().what();
  pid_ = *pid;
  CurlTransport http("");
  const std::string ready = "http://" + endpoint() + "/minio/health/ready";
  ASSERT_TRUE(eventually(
      [&] {
        auto response = http.send({"GET", ready, {}, {}}, nullptr);
        return response && response->status == 200;
      },
      60s))
      << "MinIO did not become ready on " << endpoint()
      << (process_alive(pid_) ? " (still running)" : " (it exited)") << "; the end of its log:\n"
      << log_tail(server.output_file);
}

void S3Server::stop() {
  if (pid_ <= 0) return;
  kill(pid_, SIGKILL);
  waitpid(pid_, nullptr, 0);
  pid_ = 0;
}

S3Server::~S3Server() {
  stop();
  std::error_code ec;
  fs::remove_all(directory_, ec);
}

std::string S3Server::s3cmd(const std::vector<std::string>& args) {
  SubprocessOptions command;
  command.argv = {"s3cmd", "--config=" + (directory_ / "s3cmd.cfg").string()};
  command.argv.insert(command.argv.end(), args.begin(), args.end());
  auto result = run_process(command);
  EXPECT_TRUE(result && result->ok()) << "s3cmd failed: " << (result ? result->describe() : "");
  return result ? result->stdout_text : "";
}

}  // namespace mdbop::testing
