#include "runtime/local/local_runtime.h"

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <set>
#include <thread>

#include <nlohmann/json.hpp>

#include "galera/node_config.h"
#include "runtime/local/certificate_authority.h"
#include "runtime/local/data_lineage.h"
#include "runtime/local/data_transfer.h"
#include "runtime/local/node_user.h"
#include "util/files.h"
#include "util/ports.h"
#include "util/subprocess.h"
#include "util/x509.h"

namespace mdbop {

namespace fs = std::filesystem;
using json = nlohmann::json;

namespace {

constexpr size_t kMaxSocketPath = 100;  // sun_path is 108 bytes

json ports_to_json(const NodePorts& ports) {
  return {{"sql", ports.sql}, {"galera", ports.galera},   {"ist", ports.ist},
          {"sst", ports.sst}, {"metrics", ports.metrics}, {"agent", ports.agent}};
}

NodePorts ports_from_json(const json& j) {
  return {j.at("sql").get<int>(), j.at("galera").get<int>(), j.at("ist").get<int>(),
          j.at("sst").get<int>(), j.value("metrics", 0),     j.value("agent", 0)};
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

LocalRuntime::LocalRuntime(fs::path home, PortRange ports, std::optional<PodPlace> pod)
    : home_(std::move(home)),
      port_range_(ports),
      pod_(std::move(pod)),
      node_user_(node_user_for_this_process()) {}

std::string LocalRuntime::listen_address() const { return pod_ ? pod_->address : "127.0.0.1"; }

std::optional<gid_t> LocalRuntime::node_group() const {
  if (!node_user_ || !node_user_->is_other_user) return std::nullopt;
  return node_user_->gid;
}

fs::path LocalRuntime::node_dir(const NodeId& id) const {
  return home_ / "nodes" / id.namespace_ / id.pod();
}

std::optional<NodeLayout> LocalRuntime::find_layout(const NodeId& id) {
  fs::path dir = node_dir(id);
  auto ports = read_saved_ports(dir / "layout.json");
  if (!ports) return std::nullopt;
  NodeLayout layout;
  layout.id = id;
  layout.address = listen_address();
  layout.ports = *ports;
  layout.data_dir = (dir / "data").string();
  layout.config_file = (dir / "my.cnf").string();
  layout.socket = (dir / "run" / "mysqld.sock").string();
  layout.error_log = (dir / "error.log").string();
  layout.pid_file = (dir / "run" / "mariadbd.pid").string();
  layout.files_dir = (dir / "files").string();
  layout.tls = {(dir / "tls" / "node.crt").string(), (dir / "tls" / "node.key").string(),
                (dir / "tls" / "ca.crt").string()};
  return layout;
}

std::set<int> LocalRuntime::ports_in_use_by_layouts() {
  std::set<int> taken;
  std::error_code ec;
  fs::path nodes = home_ / "nodes";
  if (!fs::exists(nodes)) return taken;
  for (const auto& entry : fs::recursive_directory_iterator(nodes, ec)) {
    if (entry.path().filename() != "layout.json") continue;
    if (auto p = read_saved_ports(entry.path())) {
      taken.insert({p->sql, p->galera, p->ist, p->sst, p->metrics, p->agent});
    }
  }
  return taken;
}

namespace {

// Picks `count` ports of the range that no layout holds and nothing has bound. The range's
// last port is never a node's: it is the operator's metrics endpoint by default, free for the
// next operator whatever --metrics-bind-address the one that placed the node was given.
Result<std::vector<int>> pick_free_ports(PortRange range, std::set<int> taken, size_t count) {
  std::vector<int> chosen;
  for (int port = range.first; port < range.last && chosen.size() < count; ++port) {
    if (!taken.contains(port) && loopback_port_free(port)) chosen.push_back(port);
  }
  if (chosen.size() < count) {
    return fail("no free ports left in " + std::to_string(range.first) + "-" +
                std::to_string(range.last) + "; start the operator with a wider --ports range");
  }
  return chosen;
}

}  // namespace

// A node's layout is complete once its key is there (layout.json is written last). Its metrics
// port is not part of it: run_exporter gives one when metrics are enabled.
Result<NodeLayout> LocalRuntime::ensure_layout(const NodeId& id) {
  const auto complete = [](const std::optional<NodeLayout>& layout) {
    return layout && fs::exists(layout->tls.key);
  };
  if (auto existing = find_layout(id); complete(existing)) {
    return pod_ ? adopt_pod_place(*existing) : *existing;
  }
  if (!node_user_) return tl::unexpected(node_user_.error());
  FileLock lock(home_ / "nodes" / "ports.lock");
  if (auto existing = find_layout(id); complete(existing)) return *existing;
  fs::path dir = node_dir(id);
  if ((dir / "run" / "mysqld.sock").string().size() > kMaxSocketPath) {
    return fail("MDBOP_HOME path is too long for a Unix socket (" +
                (dir / "run" / "mysqld.sock").string() + "); use a shorter MDBOP_HOME");
  }
  if (auto made = make_node_directories(id); !made) return tl::unexpected(made.error());
  // Our directories are passable now; the ones above MDBOP_HOME are the user's to open.
  if (auto reachable = check_reachable(dir / "data", *node_user_); !reachable) {
    return tl::unexpected(reachable.error());
  }
  if (auto issued = issue_node_certificate(id); !issued) return tl::unexpected(issued.error());
  // A layout saved before nodes had certificates keeps its ports.
  if (pod_ && !find_layout(id)) {
    if (auto saved = save_ports(id, pod_->ports); !saved) return tl::unexpected(saved.error());
  }
  if (!find_layout(id)) {
    auto picked = pick_free_ports(port_range_, ports_in_use_by_layouts(), 4);
    if (!picked) return tl::unexpected(picked.error());
    const NodePorts ports{(*picked)[0], (*picked)[1], (*picked)[2], (*picked)[3]};
    if (auto saved = save_ports(id, ports); !saved) return tl::unexpected(saved.error());
  }
  return *find_layout(id);
}

// A pod made again keeps its claim, and with it a layout saved by an earlier pod, whose
// Secret may have been made again since (a MariaDB deleted and applied again has a new
// authority) and whose ports the operator may have moved: the pod's own are taken.
Result<NodeLayout> LocalRuntime::adopt_pod_place(const NodeLayout& existing) {
  if (!node_user_) return tl::unexpected(node_user_.error());
  auto identity = node_identity(existing.id);
  if (!identity) return tl::unexpected(identity.error());
  const auto differs = [](const std::string& file, const std::string& content) {
    auto text = read_file(file);
    return !text || *text != content;
  };
  if (differs(existing.tls.authority, identity->authority) ||
      differs(existing.tls.certificate, identity->certificate) ||
      differs(existing.tls.key, identity->key)) {
    if (auto issued = issue_node_certificate(existing.id); !issued) {
      return tl::unexpected(issued.error());
    }
  }
  if (existing.ports != pod_->ports) {
    if (auto saved = save_ports(existing.id, pod_->ports); !saved) {
      return tl::unexpected(saved.error());
    }
  }
  return *find_layout(existing.id);
}

// The pod directory and the ones above it are ours and only passable (0711: the node user
// reaches its own directories, nobody lists the installation's pods); below it, what the
// server writes is the node user's and nobody else's (0700).
Result<bool> LocalRuntime::make_node_directories(const NodeId& id) {
  const fs::path dir = node_dir(id);
  std::error_code ec;
  for (const fs::path& passable : {home_, home_ / "nodes", dir.parent_path(), dir}) {
    if (auto made = make_passable(passable, *node_user_); !made) return made;
  }
  for (const char* owned : {"data", "run", "files"}) {
    fs::create_directories(dir / owned, ec);
    if (ec) return fail("cannot create " + (dir / owned).string() + ": " + ec.message());
    fs::permissions(dir / owned, fs::perms::owner_all, ec);
    if (auto given = hand_over(dir / owned, *node_user_); !given) return given;
  }
  if (!fs::exists(dir / "error.log")) {
    if (auto made = write_file_atomic(dir / "error.log", "", 0600); !made) return made;
  }
  return hand_over(dir / "error.log", *node_user_);
}

Result<LocalRuntime::NodeIdentity> LocalRuntime::node_identity(const NodeId& id) {
  if (pod_) {
    NodeIdentity given;
    for (const auto& [name, content] :
         {std::pair{"ca.crt", &given.authority}, std::pair{"node.crt", &given.certificate},
          std::pair{"node.key", &given.key}}) {
      auto text = read_file(pod_->tls_dir / name);
      if (!text) {
        return fail("the pod's TLS Secret has no readable " + std::string(name) + " in " +
                    pod_->tls_dir.string());
      }
      *content = std::move(*text);
    }
    return given;
  }
  auto ca =
      ensure_certificate_authority(home_ / "ca", "mdbop installation CA " + home_.string(), 0644);
  if (!ca) return tl::unexpected(ca.error());
  auto issued = issue_certificate(*ca, id.pod(), {"127.0.0.1"}, std::chrono::days(3650));
  if (!issued) return tl::unexpected(issued.error());
  return NodeIdentity{ca->certificate, issued->certificate, issued->private_key};
}

// The node's certificate from the installation's CA (made on first use), or the pod's: what
// lets it, and only it, into the cluster's replication, IST and SST connections.
Result<bool> LocalRuntime::issue_node_certificate(const NodeId& id) {
  auto identity = node_identity(id);
  if (!identity) return tl::unexpected(identity.error());
  std::error_code ec;
  const fs::path tls = node_dir(id) / "tls";
  fs::create_directories(tls, ec);
  if (ec) return fail("cannot create " + tls.string() + ": " + ec.message());
  if (auto shared = share_read_only(tls, *node_user_, 0750); !shared) return shared;
  for (const auto& [name, content, mode] : {std::tuple{"ca.crt", identity->authority, 0644},
                                            std::tuple{"node.crt", identity->certificate, 0644},
                                            std::tuple{"node.key", identity->key, 0640}}) {
    if (auto w = write_file_atomic(tls / name, content, mode, node_group()); !w) return w;
  }
  return true;
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
  return find_process(node_dir(id) / "mdbop.pid",
                      [&](pid_t pid) { return is_node_server(pid, layout->config_file); });
}

std::optional<pid_t> LocalRuntime::find_process(const fs::path& pid_file,
                                                const std::function<bool(pid_t)>& is_it) {
  // Anyone can start a program whose arguments name our files: only one running as the node
  // user is ours, or as ourselves (setpriv, which we start, switches to the node user).
  const auto is_ours = [&](pid_t pid) {
    if (!is_it(pid)) return false;
    const std::optional<uid_t> user = process_user(pid);
    return user && (*user == geteuid() || (node_user_ && *user == node_user_->uid));
  };
  pid_t recorded = recorded_pid(pid_file);
  if (recorded > 0) {
    reap_if_exited(recorded);
    if (process_alive(recorded) && is_ours(recorded)) return recorded;
  }
  // An operator killed between starting a process and recording its pid left it unrecorded:
  // find it by its arguments and user, and record it now.
  for (pid_t pid : all_pids()) {
    if (pid == recorded || !is_ours(pid) || !process_alive(pid)) continue;
    record_pid(pid_file, pid);
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

bool LocalRuntime::sst_waiting_for_donor(const NodeId& id) {
  const fs::path data = node_dir(id) / "data";
  return fs::exists(data / "sst_in_progress") && !fs::exists(data / ".sst");
}

Result<GraState> LocalRuntime::read_grastate(const NodeId& id) {
  auto text = read_file(node_dir(id) / "data" / "grastate.dat");
  if (!text) return tl::unexpected(text.error());
  return parse_grastate(*text);
}

Result<bool> LocalRuntime::write_grastate(const NodeId& id, const GraState& state) {
  // The running server owns its grastate.dat and would overwrite (or trust) a stale one.
  if (running_pid(id)) return fail(id.pod() + " is running; its grastate.dat is not written");
  const fs::path file = node_dir(id) / "data" / "grastate.dat";
  if (auto written = write_file_atomic(file, render_grastate(state), 0660); !written) {
    return written;
  }
  return hand_over(file, *node_user_);
}

Result<bool> LocalRuntime::initialize_data(const NodeId& id) {
  auto layout = find_layout(id);
  if (!layout) return fail("node " + id.pod() + " has no layout");
  if (!node_user_) return tl::unexpected(node_user_.error());
  SubprocessOptions install;
  // The node's own option file: settings fixed at creation (innodb_page_size) must match the
  // ones the node later starts with.
  install.argv =
      run_as(*node_user_, {"mariadb-install-db", "--defaults-file=" + layout->config_file,
                           "--datadir=" + layout->data_dir,
                           "--auth-root-authentication-method=normal", "--skip-test-db"});
  install.timeout = std::chrono::minutes(2);
  auto result = run_process(install);
  if (!result) return tl::unexpected(result.error());
  if (!result->ok()) {
    // mariadbd's own [ERROR] line (an unknown variable in myCnf, say), not the installer's noise;
    // the node's option file sends it to the node's error log.
    std::string reason = startup_failure(id);
    if (reason.empty()) reason = startup_failure_reason(result->stdout_text + result->stderr_tail);
    return fail("mariadb-install-db for " + id.pod() +
                " failed: " + (reason.empty() ? result->describe() : reason));
  }
  return true;
}

namespace {

// Copies `source` into a staging sibling of `target`, then swaps it in: only a complete copy
// ever becomes a node's data directory.
Result<bool> copy_into_data(const fs::path& source, const fs::path& target, const NodeUser& owner) {
  fs::path staging = target.parent_path() / "data.copying";
  std::error_code ec;
  fs::remove_all(staging, ec);
  fs::create_directories(staging, ec);
  fs::permissions(staging, fs::perms::owner_all, ec);
  for (const auto& entry : fs::directory_iterator(source, ec)) {
    std::string name = entry.path().filename().string();
    if (std::find(std::begin(kNodeOwnDataFiles), std::end(kNodeOwnDataFiles), name) !=
        std::end(kNodeOwnDataFiles)) {
      continue;
    }
    fs::copy(entry.path(), staging / name, fs::copy_options::recursive, ec);
    if (ec) return fail("copying " + entry.path().string() + ": " + ec.message());
  }
  if (ec) return fail("reading " + source.string() + ": " + ec.message());
  return move_staged_data(staging, target, owner);
}

}  // namespace

Result<bool> move_staged_data(const fs::path& staging, const fs::path& target,
                              const NodeUser& owner) {
  std::error_code ec;
  // The copy is a lineage of its own (data_lineage.h): the source's mark stays with it.
  fs::remove(staging / kLineageMark, ec);
  if (ec) return fail("removing the copied " + std::string(kLineageMark) + ": " + ec.message());
  if (auto given = hand_over(staging, owner); !given) return given;
  fs::remove_all(target, ec);
  fs::rename(staging, target, ec);
  if (ec) return fail("renaming " + staging.string() + ": " + ec.message());
  return true;
}

Result<bool> LocalRuntime::copy_data(const NodeId& from, const NodeId& to) {
  if (!node_user_) return tl::unexpected(node_user_.error());
  return copy_into_data(node_dir(from) / "data", node_dir(to) / "data", *node_user_);
}

Result<bool> LocalRuntime::install_data(const NodeId& id, const std::string& directory) {
  if (!node_user_) return tl::unexpected(node_user_.error());
  return copy_into_data(directory, node_dir(id) / "data", *node_user_);
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
  if (ec) return fail("creating " + data.string() + ": " + ec.message());
  fs::permissions(data, fs::perms::owner_all, ec);
  if (!node_user_) return tl::unexpected(node_user_.error());
  return hand_over(data, *node_user_);
}

Result<bool> LocalRuntime::write_config(const NodeId& id, const std::string& content) {
  // The node reads its options (and the SST password in them) but cannot change them.
  if (!node_user_) return tl::unexpected(node_user_.error());
  const fs::path file = node_dir(id) / "my.cnf";
  // Unchanged options are not rewritten: the node's SST script may be reading them.
  if (auto current = read_file(file); current && *current == content) return true;
  return write_file_atomic(file, content, 0640, node_group());
}

Result<bool> LocalRuntime::save_cluster_config(const NodeId& id, const std::string& text) {
  const fs::path file = node_dir(id) / "cluster.json";
  if (auto current = read_file(file); current && *current == text) return true;
  return write_file_atomic(file, text, 0600);
}

std::optional<std::string> LocalRuntime::saved_cluster_config(const NodeId& id) {
  auto text = read_file(node_dir(id) / "cluster.json");
  if (!text) return std::nullopt;
  return *text;
}

Result<GaleraPosition> LocalRuntime::recover_position(const NodeId& id) {
  auto layout = find_layout(id);
  if (!layout) return fail("node " + id.pod() + " has no layout");
  if (running_pid(id)) return fail(id.pod() + " is running; --wsrep-recover needs it stopped");
  if (!node_user_) return tl::unexpected(node_user_.error());
  fs::path log = node_dir(id) / "run" / "wsrep-recover.log";
  std::error_code ec;
  fs::remove(log, ec);
  SubprocessOptions recover;
  recover.argv = run_as(*node_user_, {"mariadbd", "--defaults-file=" + layout->config_file,
                                      "--wsrep-recover", "--log-error=" + log.string()});
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
  // The metrics port is the exporter's, which may be listening now (see move_taken_ports).
  if (running_pid(id)) return false;
  return move_taken_ports(id,
                          {&NodePorts::sql, &NodePorts::galera, &NodePorts::ist, &NodePorts::sst});
}

Result<bool> LocalRuntime::move_taken_ports(const NodeId& id,
                                            const std::vector<int NodePorts::*>& which) {
  if (pod_) return false;
  FileLock lock(home_ / "nodes" / "ports.lock");
  auto layout = find_layout(id);
  if (!layout) return fail("node " + id.pod() + " has no layout");
  NodePorts ports = layout->ports;
  std::vector<int*> busy;
  for (int NodePorts::*port : which) {
    if (ports.*port == 0 || !loopback_port_free(ports.*port)) busy.push_back(&(ports.*port));
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

pid_t LocalRuntime::recorded_pid(const fs::path& pid_file) {
  auto text = read_file(pid_file);
  return text ? static_cast<pid_t>(std::atol(text->c_str())) : 0;
}

Result<bool> LocalRuntime::record_pid(const fs::path& pid_file, pid_t pid) {
  return write_file_atomic(pid_file, std::to_string(pid) + "\n", 0644);
}

void LocalRuntime::kill_leftovers(const NodeId& id) {
  // The dead server led its own session; SST scripts, socat and mariabackup it started are
  // still in that session.
  pid_t session = recorded_pid(node_dir(id) / "mdbop.pid");
  if (session <= 0 || process_alive(session)) return;
  for (pid_t pid : all_pids()) {
    auto stat = process_stat(pid);
    if (stat && stat->session == session) kill(pid, SIGKILL);
  }
}

Result<pid_t> LocalRuntime::start(const NodeId& id, const ServerStart& how) {
  auto layout = find_layout(id);
  if (!layout) return fail("node " + id.pod() + " has no layout");
  if (auto pid = running_pid(id)) return *pid;
  if (!node_user_) return tl::unexpected(node_user_.error());
  kill_leftovers(id);
  std::error_code ec;
  fs::remove(layout->socket, ec);
  SubprocessOptions server;
  server.argv = {"mariadbd", "--defaults-file=" + layout->config_file};
  if (how.new_cluster) server.argv.push_back("--wsrep-new-cluster");
  if (!how.sst_donor.empty()) server.argv.push_back("--wsrep-sst-donor=" + how.sst_donor);
  if (how.skip_networking) server.argv.push_back("--skip-networking");
  if (how.skip_grant_tables) server.argv.push_back("--skip-grant-tables");
  server.argv = run_as(*node_user_, std::move(server.argv));
  server.output_file = layout->error_log;
  auto pid = spawn_detached(server);
  if (!pid) return tl::unexpected(pid.error());
  if (auto written = record_pid(node_dir(id) / "mdbop.pid", *pid); !written) {
    kill(*pid, SIGKILL);
    return tl::unexpected(written.error());
  }
  return *pid;
}

Result<bool> LocalRuntime::end_process(pid_t pid, std::chrono::seconds grace,
                                       const std::string& what) {
  kill(pid, SIGTERM);
  auto deadline = std::chrono::steady_clock::now() + grace;
  while (std::chrono::steady_clock::now() < deadline) {
    reap_if_exited(pid);
    if (!process_alive(pid)) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  kill(pid, SIGKILL);
  for (int i = 0; i < 250 && process_alive(pid); ++i) {
    reap_if_exited(pid);
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  if (process_alive(pid)) {
    return fail(what + " (pid " + std::to_string(pid) + ") survived SIGKILL for 5s");
  }
  return true;
}

Result<bool> LocalRuntime::stop(const NodeId& id, std::chrono::seconds grace) {
  auto pid = running_pid(id);
  if (!pid) return false;
  if (auto ended = end_process(*pid, grace, id.pod()); !ended) return ended;
  kill_leftovers(id);
  return true;
}

Result<bool> LocalRuntime::remove(const NodeId& id, bool purge) {
  if (auto stopped = stop_exporter(id); !stopped) return stopped;
  // An agent left by an operator that ran with --node-agents=process goes with its node.
  if (auto stopped = stop_agent(id); !stopped) return stopped;
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

std::string LocalRuntime::startup_failure(const NodeId& id) {
  // Enough of the log for the last start attempt's errors.
  constexpr std::streamoff max_bytes = 16384;
  std::ifstream in(node_dir(id) / "error.log", std::ios::binary);
  if (!in) return "";
  in.seekg(0, std::ios::end);
  std::streamoff size = in.tellg();
  std::streamoff start = size > max_bytes ? size - max_bytes : 0;
  in.seekg(start);
  std::string tail(static_cast<size_t>(size - start), '\0');
  in.read(tail.data(), static_cast<std::streamsize>(tail.size()));
  return startup_failure_reason(tail);
}

}  // namespace mdbop
