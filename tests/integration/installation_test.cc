// The installation defends itself against a hostile local user: a stale pid file, a home
// another user controls, names that walk out of MDBOP_HOME. No MariaDB is started here, so
// these tests run beside the cluster tests.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"
#include "util/curl_transport.h"
#include "util/files.h"
#include "util/ports.h"
#include "util/subprocess.h"

namespace mdbop::testing {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

constexpr uid_t kNobody = 65534;

// A process of ours that has nothing to do with mdbop, killed and reaped by pid at the end.
class Bystander {
 public:
  explicit Bystander(const std::string& name) {
    SubprocessOptions options;
    options.argv = {"/bin/bash", "-c", "exec -a " + name + " sleep 600"};
    auto pid = spawn_detached(options);
    EXPECT_TRUE(pid) << pid.error().what();
    pid_ = pid.value_or(0);
  }
  ~Bystander() {
    if (pid_ <= 0) return;
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }
  pid_t pid() const { return pid_; }
  bool alive() const {
    reap_if_exited(pid_);
    return process_alive(pid_);
  }

 private:
  pid_t pid_ = 0;
};

mode_t mode_of(const fs::path& path) {
  struct stat info {};
  EXPECT_EQ(stat(path.c_str(), &info), 0) << path;
  return info.st_mode & 07777;
}

// Every verb, as a user would give it; none of them reaches a mariadbd.
const std::vector<std::vector<std::string>>& every_command() {
  static const std::vector<std::vector<std::string>> commands = {
      {"operator", "start", "--ports", "30000-30100"},
      {"operator", "stop"},
      {"operator", "status"},
      {"apply", "-f", "-"},
      {"get", "mariadb"},
      {"describe", "secret", "s"},
      {"delete", "secret", "s"},
      {"wait", "secret/s", "--for=condition=Ready", "--timeout=1s"},
      {"backup", "run", "b"},
      {"events"},
      {"logs", "m-0"},
      {"sql", "mariadb/m", "-e", "SELECT 1"},
  };
  return commands;
}

const std::string kSecret =
    "apiVersion: v1\nkind: Secret\nmetadata:\n  name: s\nstringData:\n"
    "  password: pw\n";

TEST(Installation, OperatorStopSparesAStrangerNamedInAStalePidFile) {
  Installation mdbop;
  mdbop.start_operator();
  mdbop.kill_operator();  // SIGKILL: operator.json stays behind
  ASSERT_TRUE(fs::exists(mdbop.home() / "operator.json"));

  Bystander stranger("backup-operator-sidecar");
  ASSERT_TRUE(eventually(
      [&] {
        return process_cmdline(stranger.pid()).find("backup-operator-sidecar") != std::string::npos;
      },
      10s));
  json info = json::parse(*read_file(mdbop.home() / "operator.json"));
  info["pid"] = stranger.pid();
  ASSERT_TRUE(write_file_atomic(mdbop.home() / "operator.json", info.dump(), 0644));

  CommandResult status = mdbop.mdbop({"operator", "status"});
  EXPECT_EQ(status.exit_code, 1) << status.out;
  EXPECT_NE(status.out.find("operator not running"), std::string::npos) << status.out;
  CommandResult stop = mdbop.mdbop({"operator", "stop"});
  EXPECT_EQ(stop.exit_code, 0) << stop.err;
  EXPECT_NE(stop.out.find("operator not running"), std::string::npos) << stop.out;
  EXPECT_TRUE(stranger.alive());

  // And a new operator starts rather than taking the stranger for one.
  mdbop.start_operator();
  pid_t started = mdbop.operator_pid();
  EXPECT_GT(started, 0);
  EXPECT_NE(started, stranger.pid());
  mdbop.stop_operator();
  EXPECT_TRUE(stranger.alive());
}

TEST(Installation, OperatorStopEndsTheLockHolder) {
  Installation mdbop;
  mdbop.start_operator();
  pid_t pid = mdbop.operator_pid();
  ASSERT_GT(pid, 0);
  CommandResult status = mdbop.mdbop({"operator", "status"});
  EXPECT_EQ(status.exit_code, 0);
  EXPECT_NE(status.out.find("pid: " + std::to_string(pid)), std::string::npos) << status.out;
  EXPECT_NE(status.out.find("ports: " + std::to_string(mdbop.first_port())), std::string::npos)
      << status.out;
  EXPECT_NE(mdbop.mdbop({"operator", "start"}).out.find("already running"), std::string::npos);
  CommandResult stop = mdbop.mdbop({"operator", "stop"});
  EXPECT_EQ(stop.exit_code, 0) << stop.err;
  EXPECT_NE(stop.out.find("operator stopped"), std::string::npos) << stop.out;
  EXPECT_FALSE(process_alive(pid));
  EXPECT_EQ(mdbop.mdbop({"operator", "status"}).exit_code, 1);
}

TEST(Installation, HomeOwnedByAnotherUserIsRefusedByEveryCommand) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root to give the home away";
  Installation mdbop;
  ASSERT_EQ(chown(mdbop.home().c_str(), kNobody, kNobody), 0);
  for (const auto& command : every_command()) {
    CommandResult result = mdbop.mdbop(command, kSecret);
    EXPECT_NE(result.exit_code, 0) << command[0];
    EXPECT_NE(result.err.find(mdbop.home().string() + " is owned by uid 65534"), std::string::npos)
        << command[0] << ": " << result.err;
  }
  EXPECT_FALSE(fs::exists(mdbop.home() / "store"));
  EXPECT_FALSE(fs::exists(mdbop.home() / "operator.lock"));

  // A store given away inside a home of ours is refused as well.
  ASSERT_EQ(chown(mdbop.home().c_str(), 0, 0), 0);
  mdbop.must({"get", "secrets"});
  ASSERT_EQ(chown((mdbop.home() / "store").c_str(), kNobody, kNobody), 0);
  CommandResult result = mdbop.mdbop({"apply", "-f", "-"}, kSecret);
  EXPECT_NE(result.exit_code, 0);
  EXPECT_NE(result.err.find((mdbop.home() / "store").string() + " is owned by uid 65534"),
            std::string::npos)
      << result.err;
  ASSERT_EQ(chown((mdbop.home() / "store").c_str(), 0, 0), 0);
}

TEST(Installation, HomeWritableByOthersIsRefusedByEveryCommand) {
  Installation mdbop;
  ASSERT_EQ(chmod(mdbop.home().c_str(), 0777), 0);
  for (const auto& command : every_command()) {
    CommandResult result = mdbop.mdbop(command, kSecret);
    EXPECT_NE(result.exit_code, 0) << command[0];
    EXPECT_NE(result.err.find("is writable by group or others (mode 0777)"), std::string::npos)
        << command[0] << ": " << result.err;
    EXPECT_NE(result.err.find("chmod 0711 " + mdbop.home().string()), std::string::npos)
        << result.err;
  }
  EXPECT_FALSE(fs::exists(mdbop.home() / "store"));
  ASSERT_EQ(chmod(mdbop.home().c_str(), 0700), 0);
  mdbop.must({"get", "secrets"});
}

TEST(Installation, ApplyWithoutAnOperatorCreatesThePrivateLayout) {
  Installation mdbop;
  ASSERT_TRUE(fs::remove(mdbop.home()));
  mdbop.apply(kSecret);
  EXPECT_EQ(mode_of(mdbop.home()), 0711u);
  EXPECT_EQ(mode_of(mdbop.home() / "store"), 0700u);
  // The operator finds the same layout, and keeps its log to itself.
  mdbop.start_operator();
  EXPECT_EQ(mode_of(mdbop.home()), 0711u);
  EXPECT_EQ(mode_of(mdbop.home() / "store"), 0700u);
  EXPECT_EQ(mode_of(mdbop.home() / "operator.log"), 0600u);
}

TEST(Installation, NamesFromTheCommandLineAreCheckedAsOnApply) {
  Installation mdbop;
  struct Case {
    std::vector<std::string> command;
    std::string argument;  // what the error names
  };
  const std::vector<Case> cases = {
      {{"logs", "m-0", "-n", "../../x"}, "-n/--namespace"},
      {{"logs", "../../etc/m-0"}, "POD"},
      {{"get", "secret", "../s"}, "NAME"},
      {{"get", "secrets", "-n", "a/b"}, "-n/--namespace"},
      {{"describe", "secret", "../s"}, "NAME"},
      {{"delete", "secret", "../../s"}, "NAME"},
      {{"wait", "secret/../s", "--for=condition=Ready", "--timeout=1s"}, "NAME"},
      {{"events", "--for", "mariadb/../m"}, "--for"},
      {{"events", "-n", ".."}, "-n/--namespace"},
      {{"backup", "run", "../b"}, "NAME"},
      {{"sql", "mariadb/../m", "-e", "SELECT 1"}, "NAME"},
      {{"sql", "mariadb/m", "--pod", "../m-0", "-e", "SELECT 1"}, "--pod"},
  };
  for (const Case& c : cases) {
    CommandResult result = mdbop.mdbop(c.command);
    EXPECT_NE(result.exit_code, 0) << c.command[0];
    EXPECT_EQ(result.err.rfind("error: " + c.argument + ": not a valid ", 0), 0u)
        << c.command[0] << ": " << result.err;
    EXPECT_EQ(result.out, "");
  }
}

// `mdbop sql` takes its SQL from standard input when -e is not given (the cluster tests run it
// against a node); here, up to the lookup of the MariaDB.
TEST(Installation, SqlReadsTheStatementFromStandardInput) {
  Installation mdbop;
  CommandResult piped = mdbop.mdbop({"sql", "mariadb/m"}, "SELECT 1");
  EXPECT_NE(piped.exit_code, 0);
  EXPECT_NE(piped.err.find("mariadb m not found"), std::string::npos) << piped.err;
  CommandResult empty = mdbop.mdbop({"sql", "mariadb/m"}, " \n");
  EXPECT_NE(empty.exit_code, 0);
  EXPECT_NE(empty.err.find("no SQL given"), std::string::npos) << empty.err;
}

// The operator serves /metrics where --metrics-bind-address says, records the address for
// `operator status`, and names itself in the Prometheus targets; another operator cannot take
// the same address and says which flag to change.
TEST(Installation, OperatorServesMetricsAndNamesItselfInTheTargets) {
  Installation mdbop;
  // In this installation's block, which no one else uses, and not its last port (the default).
  const int port = mdbop.first_port() + 150;
  ASSERT_TRUE(loopback_port_free(port));
  const std::string address = "127.0.0.1:" + std::to_string(port);
  ASSERT_GT(mdbop.start_operator({}, {"--metrics-bind-address", address}), 0);

  const std::string status = mdbop.must({"operator", "status"});
  EXPECT_NE(status.find("metrics: http://" + address + "/metrics"), std::string::npos) << status;
  EXPECT_EQ(json::parse(*read_file(mdbop.home() / "operator.json")).value("metricsAddress", ""),
            address);

  CurlTransport http("");
  auto scraped = http.send({"GET", "http://" + address + "/metrics", {}, {}}, nullptr);
  ASSERT_TRUE(scraped) << scraped.error().what();
  ASSERT_EQ(scraped->status, 200) << scraped->transport_error;
  const std::string& text = scraped->body;
  EXPECT_NE(text.find("\nmdbop_build_info{version=\""), std::string::npos) << text;
  EXPECT_NE(text.find("\nmdbop_reconcile_total{kind=\"MariaDB\"} "), std::string::npos) << text;
  EXPECT_NE(text.find("\nmdbop_objects{kind=\"MariaDB\"} 0\n"), std::string::npos) << text;

  // Written by the operator's loop, which starts once `operator start` has returned.
  const auto targets_file = mdbop.home() / "prometheus" / "targets.json";
  ASSERT_TRUE(eventually([&] { return fs::exists(targets_file); }, 10s));
  EXPECT_EQ(json::parse(*read_file(targets_file)),
            json::array({{{"targets", {address}}, {"labels", {{"job", "mdbop"}}}}}));
  EXPECT_EQ(mode_of(targets_file), 0644u);

  Installation other;
  CommandResult refused = other.mdbop(
      {"operator", "start", "--ports", other.ports(), "--metrics-bind-address", address});
  EXPECT_NE(refused.exit_code, 0);
  EXPECT_NE(refused.err.find("--metrics-bind-address " + address + ": cannot listen there"),
            std::string::npos)
      << refused.err;
}

}  // namespace
}  // namespace mdbop::testing
