// LocalRuntime's side of node metrics, without a server: a node's layout has four ports, and a
// metrics port only while its exporter is wanted (an old layout is complete as it is); the
// exporter is started once, restarted for new credentials, stopped with its password file (and
// its port), and answers mysql_up 0 while no server runs. Neither it nor the server is ever
// another user's process that names the node's files.
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <set>
#include <thread>

#include <nlohmann/json.hpp>

#include "runtime/local/exporter_config.h"
#include "runtime/local/local_runtime.h"
#include "runtime/local/node_user.h"
#include "temp_dir_test.h"
#include "util/curl_transport.h"
#include "util/files.h"
#include "util/ports.h"
#include "util/subprocess.h"

namespace mdbop {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

constexpr PortRange kPorts{38100, 38199};

class LocalExporterTest : public TempDirTest {
 protected:
  void SetUp() override {
    TempDirTest::SetUp();
    runtime_.emplace(dir_, kPorts);
  }
  void TearDown() override {
    for (const NodeId& id : {node(0), node(1)}) {
      if (auto pid = runtime_->running_exporter_pid(id)) kill(*pid, SIGKILL);
    }
    TempDirTest::TearDown();
  }

  static NodeId node(int index) { return {"default", "g", index}; }
  fs::path node_dir(int index) const { return dir_ / "nodes" / "default" / node(index).pod(); }

  std::optional<LocalRuntime> runtime_;
};

std::set<int> ports_of(const NodePorts& p) { return {p.sql, p.galera, p.ist, p.sst}; }

TEST_F(LocalExporterTest, ANodeHasFourPortsUntilItsExporterRunsAndAnOldLayoutIsComplete) {
  auto first = runtime_->ensure_layout(node(0));
  ASSERT_TRUE(first) << first.error().what();
  EXPECT_EQ(ports_of(first->ports).size(), 4u);
  EXPECT_EQ(first->ports.metrics, 0);
  for (int port : ports_of(first->ports)) {
    EXPECT_TRUE(port >= kPorts.first && port < kPorts.last) << port;
  }

  // A layout saved before nodes had an exporter: four ports, no "metrics". It is complete.
  auto second = runtime_->ensure_layout(node(1));
  ASSERT_TRUE(second) << second.error().what();
  const NodePorts old = second->ports;
  const nlohmann::json saved = {
      {"pod", "g-1"},
      {"ports", {{"sql", old.sql}, {"galera", old.galera}, {"ist", old.ist}, {"sst", old.sst}}}};
  ASSERT_TRUE(write_file_atomic(node_dir(1) / "layout.json", saved.dump(), 0644));
  auto kept = runtime_->ensure_layout(node(1));
  ASSERT_TRUE(kept) << kept.error().what();
  EXPECT_EQ(ports_of(kept->ports), ports_of(old));
  EXPECT_EQ(kept->ports.metrics, 0);
  EXPECT_EQ(*read_file(node_dir(1) / "layout.json"), saved.dump());
}

// An installation whose --ports range its nodes fill (all but the last port, the operator's
// metrics endpoint's) places them again at every pass.
TEST_F(LocalExporterTest, ARangeFullOfNodesKeepsThemPlacedAndNeverGivesItsLastPort) {
  // Nine ports that are free now, below the kernel's ephemeral range (32768 and up), so that no
  // outgoing connection takes one meanwhile.
  std::optional<PortRange> free;
  for (int first = 20000 + ::getpid() % 1000 * 10; !free && first < 32000; first += 10) {
    bool all_free = true;
    for (int port = first; port <= first + 8 && all_free; ++port) {
      all_free = loopback_port_free(port);
    }
    if (all_free) free = PortRange{first, first + 8};
  }
  ASSERT_TRUE(free) << "no nine free ports in 20000-32000";
  const PortRange kFull = *free;
  LocalRuntime full(dir_, kFull);
  auto first = full.ensure_layout(node(0));
  ASSERT_TRUE(first) << first.error().what();
  auto second = full.ensure_layout(node(1));
  ASSERT_TRUE(second) << second.error().what();
  std::set<int> all = ports_of(first->ports);
  all.merge(ports_of(second->ports));
  std::set<int> all_but_last;
  for (int port = kFull.first; port < kFull.last; ++port) all_but_last.insert(port);
  EXPECT_EQ(all, all_but_last);

  auto again = full.ensure_layout(node(0));
  ASSERT_TRUE(again) << again.error().what();
  EXPECT_EQ(ports_of(again->ports), ports_of(first->ports));
  auto third = full.ensure_layout(node(2));
  ASSERT_FALSE(third);
  EXPECT_NE(third.error().message.find("--ports"), std::string::npos) << third.error().message;
}

// The value of an unlabelled sample in the exporter's answer; nullopt when it does not answer.
std::optional<std::string> sample(int port, const std::string& name) {
  static CurlTransport transport("");
  HttpRequest request;
  request.method = "GET";
  request.url = "http://127.0.0.1:" + std::to_string(port) + "/metrics";
  auto response = transport.send(request, nullptr);
  if (!response || response->status != 200) return std::nullopt;
  const size_t at = response->body.find("\n" + name + " ");
  if (at == std::string::npos) return std::nullopt;
  const size_t from = at + name.size() + 2;
  return response->body.substr(from, response->body.find('\n', from) - from);
}

bool exporter_installed() {
  SubprocessOptions version;
  version.argv = {kExporterProgram, "--version"};
  auto ran = run_process(version);
  return ran && ran->ok();
}

TEST_F(LocalExporterTest, RunsOnceRestartsForNewCredentialsAndStopsWithItsPasswordFile) {
  if (!exporter_installed()) GTEST_SKIP() << kExporterProgram << " is not installed";
  ASSERT_TRUE(runtime_->ensure_layout(node(0)));
  const fs::path config = node_dir(0) / "exporter.cnf";

  auto started = runtime_->run_exporter(node(0), "g-metrics", "Pass#word;1");
  ASSERT_TRUE(started) << started.error().what();
  EXPECT_TRUE(*started);
  // Its port is given now, a fifth one of the range, and never the range's last.
  const auto layout = runtime_->find_layout(node(0));
  ASSERT_TRUE(layout);
  EXPECT_FALSE(ports_of(layout->ports).contains(layout->ports.metrics));
  EXPECT_TRUE(layout->ports.metrics >= kPorts.first && layout->ports.metrics < kPorts.last)
      << layout->ports.metrics;
  const auto pid = runtime_->running_exporter_pid(node(0));
  ASSERT_TRUE(pid);
  auto again = runtime_->run_exporter(node(0), "g-metrics", "Pass#word;1");
  ASSERT_TRUE(again) << again.error().what();
  EXPECT_FALSE(*again);
  EXPECT_EQ(runtime_->running_exporter_pid(node(0)), pid);

  // Its password is in its file, which only the user it runs as reads, and not in its argv.
  struct stat st;
  ASSERT_EQ(stat(config.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_NE(read_file(config)->find("Pass#word;1"), std::string::npos);
  // Until the child has exec'd, its command line is still this test's (slow under ASan).
  const std::string listen =
      "--web.listen-address=127.0.0.1:" + std::to_string(layout->ports.metrics);
  std::string command = process_cmdline(*pid);
  for (auto deadline = std::chrono::steady_clock::now() + 10s;
       command.find(listen) == std::string::npos && std::chrono::steady_clock::now() < deadline;
       std::this_thread::sleep_for(20ms)) {
    command = process_cmdline(*pid);
  }
  EXPECT_NE(command.find(listen), std::string::npos) << command;
  EXPECT_EQ(command.find("Pass#word;1"), std::string::npos);

  // No server runs: it answers, saying so.
  std::optional<std::string> up;
  for (auto deadline = std::chrono::steady_clock::now() + 20s;
       !up && std::chrono::steady_clock::now() < deadline; std::this_thread::sleep_for(50ms)) {
    up = sample(layout->ports.metrics, "mysql_up");
  }
  EXPECT_EQ(up, "0");

  auto restarted = runtime_->run_exporter(node(0), "g-metrics", "Pass#word;2");
  ASSERT_TRUE(restarted) << restarted.error().what();
  EXPECT_TRUE(*restarted);
  const auto new_pid = runtime_->running_exporter_pid(node(0));
  ASSERT_TRUE(new_pid);
  EXPECT_NE(new_pid, pid);
  EXPECT_FALSE(process_alive(*pid));
  EXPECT_NE(read_file(config)->find("Pass#word;2"), std::string::npos);

  auto stopped = runtime_->stop_exporter(node(0));
  ASSERT_TRUE(stopped) << stopped.error().what();
  EXPECT_TRUE(*stopped);
  EXPECT_FALSE(process_alive(*new_pid));
  EXPECT_FALSE(fs::exists(config));
  EXPECT_FALSE(runtime_->running_exporter_pid(node(0)));
  EXPECT_FALSE(*runtime_->stop_exporter(node(0)));
  // Its port went back to the range.
  EXPECT_EQ(runtime_->find_layout(node(0))->ports.metrics, 0);
}

TEST_F(LocalExporterTest, RemovingANodeStopsItsExporter) {
  if (!exporter_installed()) GTEST_SKIP() << kExporterProgram << " is not installed";
  ASSERT_TRUE(runtime_->ensure_layout(node(0)));
  ASSERT_TRUE(runtime_->run_exporter(node(0), "g-metrics", "secret"));
  const auto pid = runtime_->running_exporter_pid(node(0));
  ASSERT_TRUE(pid);
  ASSERT_TRUE(runtime_->remove(node(0), false));
  EXPECT_FALSE(process_alive(*pid));
  EXPECT_FALSE(fs::exists(node_dir(0) / "exporter.cnf"));
}

// A process started with `argv`, once it runs its own program (not setpriv any more).
pid_t start_process(const std::vector<std::string>& argv) {
  SubprocessOptions options;
  options.argv = argv;
  auto pid = spawn_detached(options);
  EXPECT_TRUE(pid) << pid.error().what();
  if (!pid) return 0;
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  for (auto running = process_arguments(*pid);
       (running.empty() || running[0] != "sh") && std::chrono::steady_clock::now() < deadline;
       running = process_arguments(*pid)) {
    std::this_thread::sleep_for(10ms);
  }
  return *pid;
}

// Ends the process and the sleep it started (its session).
void end_session(pid_t pid) {
  kill(-pid, SIGKILL);
  while (process_alive(pid)) reap_if_exited(pid);
}

// Anyone can start a program whose arguments name a node's files: the node's server and
// exporter are the node user's processes only.
TEST_F(LocalExporterTest, AnotherUsersProcessNamingTheNodesFilesIsNeitherItsServerNorItsExporter) {
  if (geteuid() != 0) GTEST_SKIP() << "starting another user's process takes root";
  auto layout = runtime_->ensure_layout(node(0));
  ASSERT_TRUE(layout) << layout.error().what();
  const fs::path config = node_dir(0) / "exporter.cnf";
  ASSERT_TRUE(write_file_atomic(config, "", 0600));  // an exporter is wanted
  const std::vector<std::string> named = {"sh", "-c",
                                          "sleep 600; :", "--defaults-file=" + layout->config_file,
                                          "--config.my-cnf=" + config.string()};

  std::vector<std::string> as_nobody = {"setpriv", "--reuid=65534", "--regid=65534",
                                        "--clear-groups", "--"};
  as_nobody.insert(as_nobody.end(), named.begin(), named.end());
  const pid_t forged = start_process(as_nobody);
  ASSERT_GT(forged, 0);
  EXPECT_EQ(process_user(forged), 65534u);
  EXPECT_FALSE(runtime_->running_pid(node(0)));
  EXPECT_FALSE(runtime_->running_exporter_pid(node(0)));
  end_session(forged);

  // The same process as the node user is taken for both.
  auto node_user = node_user_for_this_process();
  ASSERT_TRUE(node_user) << node_user.error().what();
  const pid_t ours = start_process(run_as(*node_user, named));
  ASSERT_GT(ours, 0);
  EXPECT_EQ(runtime_->running_pid(node(0)), ours);
  EXPECT_EQ(runtime_->running_exporter_pid(node(0)), ours);
  end_session(ours);
}

TEST(ExporterOptionFile, KeepsEveryPrintableCharacterOfThePassword) {
  auto file = exporter_option_file("g-metrics", "a#b;c\"d'e`f g\\h@i/j:k", "/h/run/mysqld.sock");
  ASSERT_TRUE(file) << file.error().what();
  EXPECT_EQ(*file,
            "[client]\nuser=g-metrics\npassword=`a#b;c\"d'e`f g\\h@i/j:k`\n"
            "socket=`/h/run/mysqld.sock`\n");
}

TEST(ExporterOptionFile, RefusesWhatTheExporterCannotPassOn) {
  const std::string socket = "/h/run/mysqld.sock";
  EXPECT_FALSE(exporter_option_file("g-metrics", "line\nbreak", socket));
  auto question = exporter_option_file("g-metrics", "why?", socket);
  ASSERT_FALSE(question);
  EXPECT_NE(question.error().message.find("'?'"), std::string::npos) << question.error().message;
  EXPECT_FALSE(exporter_option_file("g metrics", "secret", socket));
  EXPECT_FALSE(exporter_option_file("g-metrics", "secret", "/home/a@b/run/mysqld.sock"));
}

}  // namespace
}  // namespace mdbop
