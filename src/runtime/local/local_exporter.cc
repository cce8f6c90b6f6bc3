// A node's metrics exporter: prometheus-mysqld-exporter, run as the node user in its own session
// (it outlives the operator, as the server does) on 127.0.0.1:<the node's metrics port>. Its
// credentials are in exporter.cnf, the node user's and no one else's; its command line holds
// paths and the listen address only. It runs whether or not the server does.
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <sstream>

#include "runtime/local/exporter_config.h"
#include "runtime/local/local_runtime.h"
#include "util/files.h"
#include "util/ports.h"
#include "util/subprocess.h"

namespace mdbop {

namespace fs = std::filesystem;

namespace {

// The exporter's absolute path, so that a missing package is reported as such (setpriv would
// only fail after it has started).
Result<std::string> exporter_program() {
  const char* path = std::getenv("PATH");
  std::istringstream directories(path != nullptr ? path : "/usr/bin:/bin");
  std::string directory;
  while (std::getline(directories, directory, ':')) {
    const fs::path candidate = fs::path(directory.empty() ? "." : directory) / kExporterProgram;
    if (access(candidate.c_str(), X_OK) == 0) return candidate.string();
  }
  return fail(std::string(kExporterProgram) +
              " is not installed; install Debian's prometheus-mysqld-exporter package "
              "(scripts/install-deps.sh does)");
}

bool is_exporter_of(pid_t pid, const std::string& config_argument) {
  for (const std::string& argument : process_arguments(pid)) {
    if (argument == config_argument) return true;
  }
  return false;
}

}  // namespace

std::optional<pid_t> LocalRuntime::running_exporter_pid(const NodeId& id) {
  const fs::path dir = node_dir(id);
  // Written before an exporter starts, removed once it is stopped: without it none of ours
  // runs, and /proc need not be searched (a node without metrics is observed often).
  if (!fs::exists(dir / "exporter.cnf")) return std::nullopt;
  const std::string config_argument = exporter_arguments((dir / "exporter.cnf").string(), "", 0)[0];
  return find_process(dir / "exporter.pid",
                      [&](pid_t pid) { return is_exporter_of(pid, config_argument); });
}

Result<bool> LocalRuntime::run_exporter(const NodeId& id, const std::string& user,
                                        const std::string& password) {
  auto layout = find_layout(id);
  if (!layout) return fail("node " + id.pod() + " has no layout");
  if (!node_user_) return tl::unexpected(node_user_.error());
  const fs::path dir = node_dir(id);
  const fs::path config = dir / "exporter.cnf";
  auto content = exporter_option_file(user, password, layout->socket);
  if (!content) return tl::unexpected(content.error());

  if (auto pid = running_exporter_pid(id)) {
    const std::vector<std::string> wanted =
        exporter_arguments(config.string(), layout->address, layout->ports.metrics);
    const std::vector<std::string> running = process_arguments(*pid);
    const bool same_port = std::find(running.begin(), running.end(), wanted[1]) != running.end();
    auto current = read_file(config);
    if (same_port && current && *current == *content) return false;
    // It reads its option file once, when it starts.
    if (auto ended = end_process(*pid, std::chrono::seconds(5), id.pod() + "'s exporter"); !ended) {
      return ended;
    }
  }
  // Nothing of ours listens on the metrics port now: busy means another program took it. A
  // node whose metrics were never enabled has none yet.
  if (auto moved = move_taken_ports(id, {&NodePorts::metrics}); !moved) return moved;
  layout = find_layout(id);
  if (!layout) return fail("node " + id.pod() + " lost its layout (layout.json unreadable)");

  auto program = exporter_program();
  if (!program) return tl::unexpected(program.error());
  // Written as ours, then given to the node user: at no moment can anyone else read it.
  if (auto written = write_file_atomic(config, *content, 0600); !written) return written;
  if (auto given = hand_over(config, *node_user_); !given) return given;
  SubprocessOptions exporter;
  exporter.argv = {*program};
  for (std::string& argument :
       exporter_arguments(config.string(), layout->address, layout->ports.metrics)) {
    exporter.argv.push_back(std::move(argument));
  }
  exporter.argv = run_as(*node_user_, std::move(exporter.argv));
  exporter.output_file = (dir / "exporter.log").string();
  auto pid = spawn_detached(exporter);
  if (!pid) return tl::unexpected(pid.error());
  if (auto recorded = record_pid(dir / "exporter.pid", *pid); !recorded) {
    kill(*pid, SIGKILL);
    return recorded;
  }
  return true;
}

Result<bool> LocalRuntime::stop_exporter(const NodeId& id) {
  auto pid = running_exporter_pid(id);
  if (pid) {
    if (auto ended = end_process(*pid, std::chrono::seconds(5), id.pod() + "'s exporter"); !ended) {
      return ended;
    }
  }
  // The password goes with the exporter that needed it.
  const fs::path dir = node_dir(id);
  std::error_code ec;
  fs::remove(dir / "exporter.cnf", ec);
  if (ec) return fail("removing " + (dir / "exporter.cnf").string() + ": " + ec.message());
  fs::remove(dir / "exporter.pid", ec);
  // Its port goes back to the range: only a node whose metrics are enabled holds one. A pod's
  // ports are its own.
  if (auto layout = find_layout(id); !pod_ && layout && layout->ports.metrics != 0) {
    FileLock lock(home_ / "nodes" / "ports.lock");
    if (layout = find_layout(id); layout) {
      layout->ports.metrics = 0;
      if (auto saved = save_ports(id, layout->ports); !saved) return saved;
    }
  }
  return pid.has_value();
}

}  // namespace mdbop
