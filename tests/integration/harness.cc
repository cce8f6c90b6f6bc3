#include "harness.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <fstream>
#include <random>
#include <stdexcept>
#include <thread>

#include "cli/operator_process.h"
#include "util/files.h"
#include "util/ports.h"
#include "util/subprocess.h"

namespace mdbop::testing {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

constexpr int kPortsPerInstallation = 200;

std::string mdbop_binary() {
  const char* path = std::getenv("MDBOP_BINARY");
  return path ? path : MDBOP_BINARY_DEFAULT;
}

}  // namespace

Installation::Installation() {
  char pattern[] = "/tmp/mdbop-test-XXXXXX";
  home_ = mkdtemp(pattern);
  // A random free block, so that concurrent installations (and other programs) do not collide,
  // below Linux's ephemeral range (32768+) so that outgoing connections cannot take them.
  // One generator for the process: two installations made in the same second differ too.
  static std::mt19937 random(std::random_device{}());
  for (int attempt = 0; attempt < 100; ++attempt) {
    int first = 20000 + static_cast<int>(random() % 60) * kPortsPerInstallation;
    bool free = true;
    for (int port = first; port < first + kPortsPerInstallation && free; port += 7) {
      free = loopback_port_free(port);
    }
    if (free) {
      first_port_ = first;
      break;
    }
  }
  EXPECT_NE(first_port_, 0) << "no free port block found";
}

Installation::~Installation() {
  mdbop({"operator", "stop"});
  if (pid_t pid = operator_pid(); pid > 0) kill(pid, SIGKILL);
  for (pid_t pid : agent_processes()) kill(pid, SIGKILL);
  for (pid_t pid : node_processes()) kill(pid, SIGKILL);
  for (int i = 0; i < 100 && !node_processes().empty(); ++i) std::this_thread::sleep_for(50ms);
  std::error_code ec;
  if (!std::getenv("MDBOP_KEEP_TEST_HOME")) fs::remove_all(home_, ec);
}

CommandResult Installation::mdbop(const std::vector<std::string>& args,
                                  const std::string& stdin_text,
                                  const std::map<std::string, std::string>& env) {
  SubprocessOptions options;
  options.argv = {mdbop_binary()};
  options.argv.insert(options.argv.end(), args.begin(), args.end());
  options.extra_env = env;
  options.extra_env["MDBOP_HOME"] = home_.string();
  options.stdin_data = stdin_text;
  options.timeout = 10min;
  auto result = run_process(options);
  if (!result) return {-1, "", result.error().what()};
  return {result->exit_code, result->stdout_text, result->stderr_tail};
}

std::string Installation::must(const std::vector<std::string>& args, const std::string& stdin_text,
                               const std::map<std::string, std::string>& env) {
  CommandResult result = mdbop(args, stdin_text, env);
  std::string command;
  for (const auto& arg : args) command += " " + arg;
  EXPECT_EQ(result.exit_code, 0) << "mdbop" << command << "\n" << result.out << result.err;
  return result.out;
}

std::string Installation::ports() const {
  return std::to_string(first_port_) + "-" +
         std::to_string(first_port_ + kPortsPerInstallation - 1);
}

pid_t Installation::start_operator(const std::map<std::string, std::string>& env,
                                   const std::vector<std::string>& args) {
  std::vector<std::string> command = {"operator", "start", "--ports", ports()};
  // The suite run once more with every node under its own agent (CMakeLists.txt).
  if (const char* node_agents = std::getenv("MDBOP_TEST_NODE_AGENTS")) {
    command.insert(command.end(), {"--node-agents", node_agents});
  }
  command.insert(command.end(), args.begin(), args.end());
  const std::string out = must(command, "", env);
  // "operator started (pid 1234, log ...)", or "operator already running (pid 1234)".
  const std::size_t at = out.find("(pid ");
  return at == std::string::npos ? 0 : static_cast<pid_t>(std::stol(out.substr(at + 5)));
}

void Installation::stop_operator() { must({"operator", "stop"}); }

pid_t Installation::operator_pid() {
  // The lock's holder, as `operator stop` finds it: operator.json may name a stranger's pid.
  auto info = running_operator(home_);
  return info ? info->pid : 0;
}

void Installation::kill_operator() {
  pid_t pid = operator_pid();
  ASSERT_GT(pid, 0) << "operator not running";
  kill(pid, SIGKILL);
  ASSERT_TRUE(eventually([&] { return !process_alive(pid); }, 10s));
}

void Installation::start_with_cluster(const std::string& name, const std::string& password) {
  start_operator();
  apply(galera_manifest(name, 3, password));
  wait_ready(name);
}

void Installation::wait_ready(const std::string& mariadb, const std::string& timeout) {
  CommandResult result =
      mdbop({"wait", "mariadb/" + mariadb, "--for=condition=Ready", "--timeout=" + timeout});
  ASSERT_EQ(result.exit_code, 0) << result.err << "\n"
                                 << mdbop({"describe", "mariadb", mariadb}).out
                                 << mdbop({"events"}).out;
  // Ready may have been read just before a restart was recorded: every pod must agree.
  ASSERT_TRUE(eventually(
      [&] {
        json all = pods(mariadb);
        for (const json& pod : all) {
          if (!pod["status"]["ready"].get<bool>()) return false;
        }
        return !all.empty();
      },
      120s))
      << mdbop({"get", "pods", "-o", "wide"}).out;
}

json Installation::pods(const std::string& mariadb) {
  json list = json::parse(must({"get", "pods", "-o", "json"}));
  json selected = json::array();
  for (const json& pod : list["items"]) {
    if (pod["metadata"]["labels"]["app.kubernetes.io/instance"] == mariadb) selected.push_back(pod);
  }
  return selected;
}

json Installation::mariadb(const std::string& name) {
  return json::parse(must({"get", "mariadb", name, "-o", "json"}));
}

std::vector<json> Installation::events(const std::string& mariadb) {
  auto text = read_file(home_ / "store" / "events.jsonl");
  std::vector<json> found;
  if (!text) return found;
  std::istringstream lines(*text);
  std::string line;
  while (std::getline(lines, line)) {
    json event = json::parse(line, nullptr, false);
    if (!event.is_discarded() && event["involvedObject"].value("name", "") == mariadb) {
      found.push_back(event);
    }
  }
  return found;
}

std::vector<pid_t> Installation::processes_naming(const std::string& text) {
  std::vector<pid_t> pids;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator("/proc", ec)) {
    std::string name = entry.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    pid_t pid = std::stoi(name);
    if (pid != getpid() && process_cmdline(pid).find(text) != std::string::npos &&
        process_alive(pid)) {
      pids.push_back(pid);
    }
  }
  return pids;
}

// mariadbd, and the SST scripts and socat it starts: all name a path in this home.
std::vector<pid_t> Installation::node_processes() { return processes_naming(home_.string() + "/"); }

// The nodes' own agents (--node-agents process) name the home itself.
std::vector<pid_t> Installation::agent_processes() {
  return processes_naming("--home " + home_.string() + " ");
}

SqlConnection Installation::connect(const std::string& mariadb, int index,
                                    const std::string& password) {
  json all = pods(mariadb);
  SqlEndpoint endpoint;
  endpoint.port = all.at(static_cast<size_t>(index))["status"]["ports"]["sql"].get<int>();
  endpoint.password = password;
  endpoint.timeout = 10s;
  auto connection = SqlConnection::connect(endpoint);
  if (!connection) {
    // Thrown, not aborted: the test fails and the Installation still cleans up.
    throw std::runtime_error("connect to " + mariadb + "-" + std::to_string(index) + ": " +
                             connection.error().what());
  }
  return std::move(*connection);
}

std::string galera_manifest(const std::string& name, int replicas, const std::string& password,
                            const std::string& extra_spec) {
  return "apiVersion: v1\nkind: Secret\nmetadata:\n  name: " + name +
         "-root\nstringData:\n  password: " + password +
         "\n---\napiVersion: k8s.mariadb.com/v1alpha1\nkind: MariaDB\nmetadata:\n  name: " + name +
         "\nspec:\n  rootPasswordSecretKeyRef:\n    name: " + name +
         "-root\n    key: password\n  replicas: " + std::to_string(replicas) +
         "\n  galera:\n    enabled: true\n" + extra_spec;
}

int count_in_error_logs(const std::filesystem::path& directory, const std::string& needle) {
  int count = 0;
  std::error_code ec;
  for (auto entry = std::filesystem::recursive_directory_iterator(
           directory, std::filesystem::directory_options::skip_permission_denied, ec);
       !ec && entry != std::filesystem::recursive_directory_iterator(); entry.increment(ec)) {
    if (entry->path().filename() != "error.log") continue;
    std::ifstream in(entry->path());
    std::string line;
    while (std::getline(in, line)) count += line.find(needle) != std::string::npos ? 1 : 0;
  }
  return count;
}

uid_t process_uid(pid_t pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("Uid:", 0) == 0) return static_cast<uid_t>(std::stoul(line.substr(4)));
  }
  return static_cast<uid_t>(-1);
}

int free_loopback_port(int first, int last) {
  std::random_device seed;
  std::mt19937 random(seed());
  for (int attempt = 0; attempt < 100; ++attempt) {
    const int candidate =
        first + static_cast<int>(random() % static_cast<unsigned>(last - first + 1));
    if (loopback_port_free(candidate)) return candidate;
  }
  return 0;
}

bool eventually(const std::function<bool()>& predicate, std::chrono::seconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (predicate()) return true;
    std::this_thread::sleep_for(100ms);
  }
  return predicate();
}

}  // namespace mdbop::testing
