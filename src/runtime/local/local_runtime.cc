#include "runtime/local/local_runtime.h"

#include <signal.h>
#include <unistd.h>

#include <fstream>
#include <set>
#include <thread>

#include <nlohmann/json.hpp>

#include "galera/node_config.h"
#include "util/files.h"
#include "util/ports.h"
#include "util/subprocess.h"

namespace mdbop {

namespace fs = std::filesystem;
using json = nlohmann::json;

namespace {

constexpr size_t kMaxSocketPath = 100;  // sun_path is 108 bytes

json ports_to_json(const NodePorts& ports) {
  return {{"sql", ports.sql}, {"galera", ports.galera}, {"ist", ports.ist}, {"sst", ports.sst}};
}

NodePorts ports_from_json(const json& j) {
  return {j.at("sql").get<int>(), j.at("galera").get<int>(), j.at("ist").get<int>(),
          j.at("sst").get<int>()};
}

// The ports saved in a layout.json; nullopt when it is missing or unreadable.
std::optional<NodePorts> read_saved_ports(const fs::path& layout_file) {
  auto text = read_file(layout_file);
  if (!text) return std::nullopt;
  json saved = json::parse(*text, nullptr, false);
  if (saved.is_discarded() || !saved.contains("ports")) return std::nullopt;
  return ports_from_json(saved["ports"]);
}

}  // namespace

LocalRuntime::LocalRuntime(fs::path home, PortRange ports)
    : home_(std::move(home)), port_range_(ports) {}

fs::path LocalRuntime::node_dir(const NodeId& id) const {
  return home_ / "nodes" / id.namespace_ / id.pod();
}

std::optional<NodeLayout> LocalRuntime::find_layout(const NodeId& id) {
  fs::path dir = node_dir(id);
  auto ports = read_saved_ports(dir / "layout.json");
  if (!ports) return std::nullopt;
  NodeLayout layout;
  layout.id = id;
  layout.ports = *ports;
  layout.data_dir = (dir / "data").string();
  layout.config_file = (dir / "my.cnf").string();
  layout.socket = (dir / "mysqld.sock").string();
  layout.error_log = (dir / "error.log").string();
  layout.pid_file = (dir / "mariadbd.pid").string();
  return layout;
}

std::set<int> LocalRuntime::ports_in_use_by_layouts() {
  std::set<int> taken;
  std::error_code ec;
  fs::path nodes = home_ / "nodes";
  if (!fs::exists(nodes)) return taken;
  for (const auto& entry : fs::recursive_directory_iterator(nodes, ec)) {
    if (entry.path().filename() != "layout.json") continue;
    if (auto p = read_saved_ports(entry.path())) taken.insert({p->sql, p->galera, p->ist, p->sst});
  }
  return taken;
}

namespace {

// Picks `count` ports of the range that no layout holds and nothing has bound.
Result<std::vector<int>> pick_free_ports(PortRange range, std::set<int> taken, size_t count) {
  std::vector<int> chosen;
  for (int port = range.first; port <= range.last && chosen.size() < count; ++port) {
    if (!taken.contains(port) && loopback_port_free(port)) chosen.push_back(port);
  }
  if (chosen.size() < count) {
    return fail("no free ports left in " + std::to_string(range.first) + "-" +
                std::to_string(range.last) + "; start the operator with a wider --ports range");
  }
  return chosen;
}

}  // namespace

Result<NodeLayout> LocalRuntime::ensure_layout(const NodeId& id) {
  if (auto existing = find_layout(id)) return *existing;
  FileLock lock(home_ / "nodes" / "ports.lock");
  if (auto existing = find_layout(id)) return *existing;
  fs::path dir = node_dir(id);
  if ((dir / "mysqld.sock").string().size() > kMaxSocketPath) {
    return fail("MDBOP_HOME path is too long for a Unix socket (" + (dir / "mysqld.sock").string() +
                "); use a shorter MDBOP_HOME");
  }
  auto picked = pick_free_ports(port_range_, ports_in_use_by_layouts(), 4);
  if (!picked) return tl::unexpected(picked.error());
  std::error_code ec;
  fs::create_directories(dir / "data", ec);
  if (ec) return fail("cannot create " + dir.string() + ": " + ec.message());
  fs::permissions(dir, fs::perms::owner_all, ec);
  auto written = save_ports(id, {(*picked)[0], (*picked)[1], (*picked)[2], (*picked)[3]});
  if (!written) return tl::unexpected(written.error());
  return *find_layout(id);
}

std::vector<int> LocalRuntime::node_indices(const std::string& namespace_,
                                            const std::string& mariadb) {
  std::vector<int> indices;
  std::error_code ec;
  fs::path dir = home_ / "nodes" / namespace_;
  if (!fs::exists(dir, ec)) return indices;
  std::string prefix = mariadb + "-";
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    std::string name = entry.path().filename().string();
    if (name.rfind(prefix, 0) != 0) continue;
    std::string suffix = name.substr(prefix.size());
    if (suffix.empty() || suffix.find_first_not_of("0123456789") != std::string::npos) continue;
    if (!fs::exists(entry.path() / "layout.json", ec)) continue;
    indices.push_back(std::stoi(suffix));
  }
  std::sort(indices.begin(), indices.end());
  return indices;
}

namespace {

// The node's server, not a `--wsrep-recover` run on the same option file.
bool is_node_server(pid_t pid, const std::string& config_file) {
  std::vector<std::string> arguments = process_arguments(pid);
  bool names_config = false;
  for (const std::string& argument : arguments) {
    if (argument == "--wsrep-recover") return false;
    names_config = names_config || argument == "--defaults-file=" + config_file;
  }
  return names_config;
}

}  // namespace

std::optional<pid_t> LocalRuntime::running_pid(const NodeId& id) {
  auto layout = find_layout(id);
  if (!layout) return std::nullopt;
  pid_t recorded = recorded_pid(id);
  if (recorded > 0) {
    reap_if_exited(recorded);
    if (process_alive(recorded) && is_node_server(recorded, layout->config_file)) return recorded;
  }
  // An operator killed between starting a node and recording its pid left it unrecorded:
  // find it by its option file and record it now.
  for (pid_t pid : all_pids()) {
    if (pid == recorded || !is_node_server(pid, layout->config_file) || !process_alive(pid)) {
      continue;
    }
    record_pid(id, pid);
    return pid;
  }
  return std::nullopt;
}

bool LocalRuntime::data_present(const NodeId& id) {
  return fs::exists(node_dir(id) / "data" / "mysql");
}

bool LocalRuntime::sst_in_progress(const NodeId& id) {
  return fs::exists(node_dir(id) / "data" / "sst_in_progress");
}

Result<GraState> LocalRuntime::read_grastate(const NodeId& id) {
  auto text = read_file(node_dir(id) / "data" / "grastate.dat");
  if (!text) return tl::unexpected(text.error());
  return parse_grastate(*text);
}

Result<bool> LocalRuntime::write_grastate(const NodeId& id, const GraState& state) {
  // The running server owns its grastate.dat and would overwrite (or trust) a stale one.
  if (running_pid(id)) return fail(id.pod() + " is running; its grastate.dat is not written");
  return write_file_atomic(node_dir(id) / "data" / "grastate.dat", render_grastate(state), 0660);
}

Result<bool> LocalRuntime::initialize_data(const NodeId& id) {
  auto layout = find_layout(id);
  if (!layout) return fail("node " + id.pod() + " has no layout");
  SubprocessOptions install;
  // The node's own option file: settings fixed at creation (innodb_page_size) must match the
  // ones the node later starts with.
  install.argv = {"mariadb-install-db", "--defaults-file=" + layout->config_file,
                  "--datadir=" + layout->data_dir, "--auth-root-authentication-method=normal",
                  "--skip-test-db"};
  if (geteuid() == 0) install.argv.push_back("--user=root");
  install.timeout = std::chrono::minutes(2);
  auto result = run_process(install);
  if (!result) return tl::unexpected(result.error());
  if (!result->ok()) {
    // mariadbd's own [ERROR] line (an unknown variable in myCnf, say), not the installer's noise;
    // the node's option file sends it to the node's error log.
    std::string reason = startup_failure_reason(error_log_tail(id, 16384));
    if (reason.empty()) reason = startup_failure_reason(result->stdout_text + result->stderr_tail);
    return fail("mariadb-install-db for " + id.pod() +
                " failed: " + (reason.empty() ? result->describe() : reason));
  }
  return true;
}

namespace {

// Copies `source` into a staging sibling of `target`, then swaps it in: only a complete copy
// ever becomes a node's data directory.
Result<bool> copy_into_data(const fs::path& source, const fs::path& target) {
  fs::path staging = target.parent_path() / "data.copying";
  std::error_code ec;
  fs::remove_all(staging, ec);
  fs::create_directories(staging, ec);
  for (const auto& entry : fs::directory_iterator(source, ec)) {
    std::string name = entry.path().filename().string();
    // The gcache and group view belong to the source node; the caller writes grastate.dat.
    if (name == "galera.cache" || name == "gvwstate.dat" || name == "grastate.dat") continue;
    fs::copy(entry.path(), staging / name, fs::copy_options::recursive, ec);
    if (ec) return fail("copying " + entry.path().string() + ": " + ec.message());
  }
  if (ec) return fail("reading " + source.string() + ": " + ec.message());
  fs::remove_all(target, ec);
  fs::rename(staging, target, ec);
  if (ec) return fail("renaming " + staging.string() + ": " + ec.message());
  return true;
}

}  // namespace

Result<bool> LocalRuntime::copy_data(const NodeId& from, const NodeId& to) {
  return copy_into_data(node_dir(from) / "data", node_dir(to) / "data");
}

Result<bool> LocalRuntime::install_data(const NodeId& id, const std::string& directory) {
  return copy_into_data(directory, node_dir(id) / "data");
}

Result<bool> LocalRuntime::return_aside_data(const NodeId& id, const std::string& tag) {
  const fs::path data = node_dir(id) / "data";
  const fs::path aside = aside_data_location(id, tag);
  std::error_code ec;
  if (!fs::exists(aside)) return false;
  fs::remove_all(data, ec);
  fs::rename(aside, data, ec);
  if (ec)
    return fail("moving " + aside.string() + " back to " + data.string() + ": " + ec.message());
  return true;
}

std::string LocalRuntime::aside_data_location(const NodeId& id, const std::string& tag) {
  return (node_dir(id) / ("data.before-" + tag)).string();
}

Result<bool> LocalRuntime::set_aside_data(const NodeId& id, const std::string& tag) {
  const fs::path data = node_dir(id) / "data";
  const fs::path aside = aside_data_location(id, tag);
  std::error_code ec;
  if (!fs::exists(aside)) {
    fs::rename(data, aside, ec);
    if (ec) return fail("moving " + data.string() + " aside: " + ec.message());
  }
  return wipe_data(id);
}

Result<bool> LocalRuntime::discard_aside_data(const NodeId& id, const std::string& tag) {
  std::error_code ec;
  fs::remove_all(aside_data_location(id, tag), ec);
  if (ec) return fail("removing " + aside_data_location(id, tag) + ": " + ec.message());
  return true;
}

Result<bool> LocalRuntime::wipe_data(const NodeId& id) {
  fs::path data = node_dir(id) / "data";
  std::error_code ec;
  fs::remove_all(data, ec);
  if (ec) return fail("removing " + data.string() + ": " + ec.message());
  fs::create_directories(data, ec);
  return true;
}

Result<bool> LocalRuntime::write_config(const NodeId& id, const std::string& content) {
  return write_file_atomic(node_dir(id) / "my.cnf", content, 0600);
}

Result<GaleraPosition> LocalRuntime::recover_position(const NodeId& id) {
  auto layout = find_layout(id);
  if (!layout) return fail("node " + id.pod() + " has no layout");
  if (running_pid(id)) return fail(id.pod() + " is running; --wsrep-recover needs it stopped");
  fs::path log = node_dir(id) / "wsrep-recover.log";
  std::error_code ec;
  fs::remove(log, ec);
  SubprocessOptions recover;
  recover.argv = {"mariadbd", "--defaults-file=" + layout->config_file, "--wsrep-recover",
                  "--log-error=" + log.string()};
  recover.timeout = std::chrono::minutes(5);
  auto result = run_process(recover);
  if (!result) return tl::unexpected(result.error());
  auto text = read_file(log);
  if (!text) return fail("mariadbd --wsrep-recover on " + id.pod() + " left no log");
  auto position = parse_recovered_position(*text);
  if (!position) {
    return fail("mariadbd --wsrep-recover on " + id.pod() + " found no position (" +
                result->describe() + ")");
  }
  return position;
}

Result<bool> LocalRuntime::reclaim_ports(const NodeId& id) {
  if (running_pid(id)) return false;
  FileLock lock(home_ / "nodes" / "ports.lock");
  auto layout = find_layout(id);
  if (!layout) return fail("node " + id.pod() + " has no layout");
  NodePorts ports = layout->ports;
  std::vector<int*> busy;
  for (int* port : {&ports.sql, &ports.galera, &ports.ist, &ports.sst}) {
    if (!loopback_port_free(*port)) busy.push_back(port);
  }
  if (busy.empty()) return false;
  auto picked = pick_free_ports(port_range_, ports_in_use_by_layouts(), busy.size());
  if (!picked) return tl::unexpected(picked.error());
  for (size_t i = 0; i < busy.size(); ++i) *busy[i] = (*picked)[i];
  return save_ports(id, ports);
}

Result<bool> LocalRuntime::save_ports(const NodeId& id, const NodePorts& ports) {
  json saved = {{"pod", id.pod()}, {"ports", ports_to_json(ports)}};
  return write_file_atomic(node_dir(id) / "layout.json", saved.dump(2) + "\n", 0644);
}

pid_t LocalRuntime::recorded_pid(const NodeId& id) {
  auto text = read_file(node_dir(id) / "mdbop.pid");
  return text ? static_cast<pid_t>(std::atol(text->c_str())) : 0;
}

Result<bool> LocalRuntime::record_pid(const NodeId& id, pid_t pid) {
  return write_file_atomic(node_dir(id) / "mdbop.pid", std::to_string(pid) + "\n", 0644);
}

void LocalRuntime::kill_leftovers(const NodeId& id) {
  // The dead server led its own session; SST scripts, socat and mariabackup it started are
  // still in that session.
  pid_t session = recorded_pid(id);
  if (session <= 0 || process_alive(session)) return;
  for (pid_t pid : all_pids()) {
    auto stat = process_stat(pid);
    if (stat && stat->session == session) kill(pid, SIGKILL);
  }
}

Result<pid_t> LocalRuntime::start(const NodeId& id, bool new_cluster, NodeAccess access,
                                  const std::string& sst_donor) {
  auto layout = find_layout(id);
  if (!layout) return fail("node " + id.pod() + " has no layout");
  if (auto pid = running_pid(id)) return *pid;
  kill_leftovers(id);
  std::error_code ec;
  fs::remove(layout->socket, ec);
  SubprocessOptions server;
  server.argv = {"mariadbd", "--defaults-file=" + layout->config_file};
  if (new_cluster) server.argv.push_back("--wsrep-new-cluster");
  if (!sst_donor.empty()) server.argv.push_back("--wsrep-sst-donor=" + sst_donor);
  if (access != NodeAccess::kNetwork) server.argv.push_back("--skip-networking");
  if (access == NodeAccess::kSocketOnlyWithoutGrants) server.argv.push_back("--skip-grant-tables");
  server.output_file = layout->error_log;
  auto pid = spawn_detached(server);
  if (!pid) return tl::unexpected(pid.error());
  if (auto written = record_pid(id, *pid); !written) {
    kill(*pid, SIGKILL);
    return tl::unexpected(written.error());
  }
  return *pid;
}

Result<bool> LocalRuntime::stop(const NodeId& id, std::chrono::seconds grace) {
  auto pid = running_pid(id);
  if (!pid) return false;
  kill(*pid, SIGTERM);
  auto deadline = std::chrono::steady_clock::now() + grace;
  while (std::chrono::steady_clock::now() < deadline) {
    reap_if_exited(*pid);
    if (!process_alive(*pid)) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  kill(*pid, SIGKILL);
  for (int i = 0; i < 250 && process_alive(*pid); ++i) {
    reap_if_exited(*pid);
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  if (process_alive(*pid)) {
    return fail(id.pod() + " (pid " + std::to_string(*pid) + ") survived SIGKILL for 5s");
  }
  kill_leftovers(id);
  return true;
}

Result<bool> LocalRuntime::remove(const NodeId& id, bool purge) {
  fs::path dir = node_dir(id);
  std::error_code ec;
  if (purge) {
    fs::remove_all(dir, ec);
  } else {
    fs::remove(dir / "layout.json", ec);
  }
  if (ec) return fail("removing " + dir.string() + ": " + ec.message());
  return true;
}

std::string LocalRuntime::error_log_tail(const NodeId& id, size_t max_bytes) {
  std::ifstream in(node_dir(id) / "error.log", std::ios::binary);
  if (!in) return "";
  in.seekg(0, std::ios::end);
  std::streamoff size = in.tellg();
  std::streamoff start = size > static_cast<std::streamoff>(max_bytes)
                             ? size - static_cast<std::streamoff>(max_bytes)
                             : 0;
  in.seekg(start);
  std::string tail(static_cast<size_t>(size - start), '\0');
  in.read(tail.data(), static_cast<std::streamsize>(tail.size()));
  return tail;
}

SqlEndpoint LocalRuntime::sql_endpoint(const NodeId& id, const std::string& root_password) {
  SqlEndpoint endpoint;
  if (auto layout = find_layout(id)) {
    endpoint.socket = layout->socket;
    endpoint.port = layout->ports.sql;
  }
  endpoint.password = root_password;
  return endpoint;
}

}  // namespace mdbop
