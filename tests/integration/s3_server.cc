#include "s3_server.h"

#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>

#include <random>
#include <thread>

#include <gtest/gtest.h>

#include "util/ports.h"
#include "util/subprocess.h"

namespace mdbop::testing {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

fs::path s3rver_script() {
  return fs::path(MDBOP_SOURCE_DIR) / "tests/s3/node_modules/s3rver/bin/s3rver.js";
}

}  // namespace

S3Server::S3Server() {
  char pattern[] = "/tmp/mdbop-s3-XXXXXX";
  directory_ = mkdtemp(pattern);
  start();
}

void S3Server::start() {
  if (pid_ > 0) return;
  std::mt19937 random(static_cast<unsigned>(getpid()) ^ static_cast<unsigned>(time(nullptr)));
  for (int attempt = 0; attempt < 100 && port_ == 0; ++attempt) {
    const int candidate = 12000 + static_cast<int>(random() % 7000);
    if (loopback_port_free(candidate)) port_ = candidate;
  }
  ASSERT_NE(port_, 0) << "no free port for s3rver";
  ASSERT_TRUE(fs::exists(s3rver_script()))
      << s3rver_script() << " is missing: run scripts/test.sh (it installs s3rver with npm)";
  SubprocessOptions server;
  server.argv = {"node",     s3rver_script().string(),
                 "-d",       (directory_ / "data").string(),
                 "-a",       "127.0.0.1",
                 "-p",       std::to_string(port_),
                 "--silent", "--configure-bucket",
                 "backups"};
  server.output_file = (directory_ / "s3rver.log").string();
  auto pid = spawn_detached(server);
  ASSERT_TRUE(pid) << pid.error().what();
  pid_ = *pid;
  for (int i = 0; i < 100 && loopback_port_free(port_); ++i) std::this_thread::sleep_for(100ms);
  ASSERT_FALSE(loopback_port_free(port_)) << "s3rver did not start listening";
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
  command.argv = {"s3cmd",
                  "--access_key=S3RVER",
                  "--secret_key=S3RVER",
                  "--host=" + endpoint(),
                  "--host-bucket=" + endpoint(),
                  "--no-ssl",
                  "--config=/dev/null"};
  command.argv.insert(command.argv.end(), args.begin(), args.end());
  auto result = run_process(command);
  EXPECT_TRUE(result && result->ok()) << "s3cmd failed: " << (result ? result->describe() : "");
  return result ? result->stdout_text : "";
}

}  // namespace mdbop::testing
