// Harness for integration tests: a private MDBOP_HOME and port range, the real mdbop binary
// (operator in the background), real mariadbd nodes, and cleanup of every process it started.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "sql/connection.h"

namespace mdbop::testing {

using json = nlohmann::json;

struct CommandResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};

class Installation {
 public:
  Installation();   // fresh MDBOP_HOME under /tmp and a free port range; starts no process
  ~Installation();  // stops the operator and kills every mariadbd of this home, by pid
  Installation(const Installation&) = delete;
  Installation& operator=(const Installation&) = delete;

  // Runs `mdbop ARGS...` with this installation's MDBOP_HOME (and `env` added to the inherited
  // environment).
  CommandResult mdbop(const std::vector<std::string>& args, const std::string& stdin_text = "",
                      const std::map<std::string, std::string>& env = {});
  // mdbop, and fails the test when it exits non-zero.
  std::string must(const std::vector<std::string>& args, const std::string& stdin_text = "",
                   const std::map<std::string, std::string>& env = {});

  // Starts the operator in the background, with `env` added to its environment (such as
  // MDBOP_CRASH_POINT, util/crash_point.h) and `args` to its command line; returns its pid, 0
  // if it did not start.
  pid_t start_operator(const std::map<std::string, std::string>& env = {},
                       const std::vector<std::string>& args = {});
  // The --ports range the operator is started with.
  std::string ports() const;
  void stop_operator();
  void kill_operator();  // SIGKILL
  pid_t operator_pid();

  void apply(const std::string& yaml) { must({"apply", "-f", "-"}, yaml); }
  void wait_ready(const std::string& mariadb, const std::string& timeout = "180s");
  // The operator, then a 3-node Galera MariaDB `name` (galera_manifest) waited for Ready.
  void start_with_cluster(const std::string& name, const std::string& password);
  json pods(const std::string& mariadb);  // `get pods -o json` items of that MariaDB
  json mariadb(const std::string& name);
  std::vector<json> events(const std::string& mariadb);
  // Pids of every process whose command line names a path in this home: mariadbd and its SST
  // helpers (what cleanup kills, with the agents).
  std::vector<pid_t> node_processes();
  // Pids of the nodes' own `mdbop agent` processes (the operator's --node-agents process).
  std::vector<pid_t> agent_processes();
  // Whether this run of the suite puts every node under its own agent (MDBOP_TEST_NODE_AGENTS).
  static bool nodes_under_agents() { return std::getenv("MDBOP_TEST_NODE_AGENTS") != nullptr; }
  // Root session on a pod's TCP port with the password from the manifest.
  SqlConnection connect(const std::string& mariadb, int index, const std::string& password);

  const std::filesystem::path& home() const { return home_; }
  int first_port() const { return first_port_; }

 private:
  std::vector<pid_t> processes_naming(const std::string& text);
  std::filesystem::path home_;
  int first_port_ = 0;
};

// A 3-node (or N-node) Galera manifest with the given root password and extra spec YAML.
std::string galera_manifest(const std::string& name, int replicas, const std::string& password,
                            const std::string& extra_spec = "");

// The real user id a process runs as; -1 when it is gone.
uid_t process_uid(pid_t pid);

// The lines containing `needle` in every error.log under `directory` (nodes' servers' logs).
int count_in_error_logs(const std::filesystem::path& directory, const std::string& needle);

// A loopback port in [first, last] that is free now, drawn at random so that concurrent tests
// do not collide; 0 when none is found.
int free_loopback_port(int first, int last);

// Waits until `predicate` holds, polling every 100 ms; false on timeout.
bool eventually(const std::function<bool()>& predicate, std::chrono::seconds timeout);

}  // namespace mdbop::testing
