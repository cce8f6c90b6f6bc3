// LocalRuntime: nodes are mariadbd processes on this machine, run as the node user (see
// node_user.h), each with a metrics exporter (prometheus-mysqld-exporter) beside it when asked
// for. Everything of one node lives in $MDBOP_HOME/nodes/<namespace>/<pod>/ (ours, 0711):
// layout.json (ports), mdbop.pid, exporter.pid and exporter.log (ours), my.cnf and tls/ (ours,
// readable by the node user's group), exporter.cnf (the node user's, 0600: it holds the
// exporter's password), error.log, data/, run/ (socket, pid file) and files/
// (secure_file_priv) (the node user's, 0700). Processes run in their own session and outlive
// the operator; a later operator finds them again through the pid files and /proc.
#pragma once

#include <filesystem>
#include <functional>
#include <optional>
#include <set>

#include <sys/types.h>

#include <chrono>
#include <string>
#include <vector>

#include "galera/grastate.h"
#include "galera/node_layout.h"
#include "runtime/local/node_user.h"
#include "util/byte_sink.h"
#include "util/ports.h"
#include "util/result.h"
#include "util/tls_files.h"

namespace mdbop {

// A node alone in a pod (`mdbop agent --pod-address`): every pod has an address of its own, so
// the node listens there on fixed ports, which never move (a port taken in its own pod is an
// error to report, not to route around); its TLS identities come from the pod's Secret, which
// the operator issued, not from authorities under MDBOP_HOME. `tls_dir` holds ca.crt, node.crt
// and node.key (the nodes' authority and the node's identity for Galera's traffic) and
// agent-ca.crt, agent.crt and agent.key (the agents' authority, which the operator's client
// certificate is checked against, and the agent's server identity).
struct PodPlace {
  std::string address;
  NodePorts ports;
  std::filesystem::path tls_dir;
};

// How a server is started.
struct ServerStart {
  bool new_cluster = false;  // --wsrep-new-cluster
  std::string sst_donor;     // --wsrep-sst-donor, when set
  bool skip_networking = false;
  bool skip_grant_tables = false;
};

class LocalRuntime {
 public:
  LocalRuntime(std::filesystem::path home, PortRange ports,
               std::optional<PodPlace> pod = std::nullopt);

  Result<NodeLayout> ensure_layout(const NodeId& id);
  std::optional<NodeLayout> find_layout(const NodeId& id);
  std::vector<int> node_indices(const std::string& namespace_, const std::string& mariadb);
  std::optional<pid_t> running_pid(const NodeId& id);
  bool data_present(const NodeId& id);
  bool sst_in_progress(const NodeId& id);
  // The SST script's marker is there but not the directory it makes once a donor has sent
  // the first bytes of a full transfer (wsrep_sst_mariabackup).
  bool sst_waiting_for_donor(const NodeId& id);
  Result<GraState> read_grastate(const NodeId& id);
  Result<bool> write_grastate(const NodeId& id, const GraState& state);
  Result<bool> initialize_data(const NodeId& id);
  Result<bool> copy_data(const NodeId& from, const NodeId& to);
  Result<bool> wipe_data(const NodeId& id);
  // The data as copy_data copies it, as a tar archive into `out`; and a sink taking one in as
  // the node's data (staged beside it, moved in by finish()).
  Result<bool> send_data(const NodeId& id, ByteSink& out);
  Result<std::unique_ptr<ByteSink>> take_data(const NodeId& id);
  Result<bool> install_data(const NodeId& id, const std::string& directory);
  Result<bool> set_aside_data(const NodeId& id, const std::string& tag);
  Result<bool> discard_aside_data(const NodeId& id, const std::string& tag);
  Result<bool> return_aside_data(const NodeId& id, const std::string& tag);
  std::string aside_data_location(const NodeId& id, const std::string& tag);
  Result<bool> write_config(const NodeId& id, const std::string& content);
  // The cluster's configuration the node was last configured from (`text`, ours alone: it holds
  // the SST password), so that its options are rendered again at a start after its agent
  // restarted (in a new pod: a new address); nullopt when none was saved.
  Result<bool> save_cluster_config(const NodeId& id, const std::string& text);
  std::optional<std::string> saved_cluster_config(const NodeId& id);
  Result<GaleraPosition> recover_position(const NodeId& id);
  Result<bool> reclaim_ports(const NodeId& id);
  // Starts the server unless it runs; its pid. Leftovers of its previous process (an orphaned
  // SST script holding the SST port, say) are killed first.
  Result<pid_t> start(const NodeId& id, const ServerStart& how);
  Result<bool> stop(const NodeId& id, std::chrono::seconds grace);
  // Stops the exporter and the node's agent, then gives up the node's place (with purge, its
  // directory).
  Result<bool> remove(const NodeId& id, bool purge);

  // The node's metrics exporter (local_exporter.cc), run as the node user.
  std::optional<pid_t> running_exporter_pid(const NodeId& id);
  // Starts it with these credentials unless it runs with them (and the node's metrics port)
  // already; one running with others is restarted. The node's metrics port is given here, the
  // first time, and one another program took meanwhile moves to a free one. True when it
  // started one.
  Result<bool> run_exporter(const NodeId& id, const std::string& user, const std::string& password);
  // Stops it, removes its option file and gives its metrics port back to the range (0 in the
  // layout); true when one was running.
  Result<bool> stop_exporter(const NodeId& id);
  // Why the server's last start failed, from the end of its error log; empty when it says
  // nothing.
  std::string startup_failure(const NodeId& id);

  // The node's own agent (local_agent_process.cc): `program agent ...` serving the node over
  // HTTPS on 127.0.0.1:<the node's agent port> (given the first time, like the metrics port),
  // run as us in its own session, outliving the operator like the server. Started unless one
  // runs; returns once it listens.
  struct AgentProcess {
    pid_t pid = 0;
    int port = 0;
  };
  Result<AgentProcess> run_agent(const NodeId& id, const std::string& program);
  std::optional<AgentProcess> running_agent(const NodeId& id);
  // Stops it; true when one was running.
  Result<bool> stop_agent(const NodeId& id);
  // The TLS identities of the agents' channel, made on first use. Their authority is the
  // installation's second one, not the nodes': a node's server holds its own node certificate
  // and must never be able to drive an agent. Every key is ours alone (0600).
  Result<TlsFiles> agent_server_tls(const NodeId& id);  // the node's agent's
  Result<TlsFiles> agent_client_tls();                  // the operator's

 private:
  std::filesystem::path node_dir(const NodeId& id) const;
  // The node user's group, for what a node reads but must not change (its options, its key);
  // none when nodes run as our own user.
  std::optional<gid_t> node_group() const;
  // REQUIRES: the ports lock is held.
  std::set<int> ports_in_use_by_layouts();
  void kill_leftovers(const NodeId& id);
  // The pod's identity and ports written into a layout kept from an earlier pod (each file
  // written atomically, only when it differs).
  Result<NodeLayout> adopt_pod_place(const NodeLayout& existing);
  // REQUIRES: the ports lock is held (all three).
  Result<bool> make_node_directories(const NodeId& id);
  Result<bool> issue_node_certificate(const NodeId& id);
  Result<bool> save_ports(const NodeId& id, const NodePorts& ports);
  // Gives those of the node's ports (`which`) that it has not been given (0) or that another
  // program has bound a free one; true when any changed. REQUIRES: nothing of the node listens
  // on them.
  Result<bool> move_taken_ports(const NodeId& id, const std::vector<int NodePorts::*>& which);
  // The process recorded in `pid_file` when it is alive, runs as the node user (or as us) and
  // `is_it` says it is the one; else the first such process of /proc, recorded now.
  std::optional<pid_t> find_process(const std::filesystem::path& pid_file,
                                    const std::function<bool(pid_t)>& is_it);
  // The pid in a pid file (mdbop.pid: the last server started), 0 when none is recorded.
  static pid_t recorded_pid(const std::filesystem::path& pid_file);
  static Result<bool> record_pid(const std::filesystem::path& pid_file, pid_t pid);
  // SIGTERM, up to `grace` to exit, then SIGKILL; fails (naming `what`) when it survives that.
  static Result<bool> end_process(pid_t pid, std::chrono::seconds grace, const std::string& what);
  // The node's identity for Galera's traffic: issued by the installation's authority, or, in a
  // pod, the one its Secret holds.
  struct NodeIdentity {
    std::string authority;
    std::string certificate;
    std::string key;
  };
  Result<NodeIdentity> node_identity(const NodeId& id);
  // Where the node listens: the pod's address, else loopback.
  std::string listen_address() const;
  std::filesystem::path home_;
  PortRange port_range_;
  std::optional<PodPlace> pod_;
  Result<NodeUser> node_user_;  // an error when the node account is missing
};

}  // namespace mdbop
