// The mdbop command line (see DESIGN.md "The command line"). Each function is one verb; it
// prints its output and returns the process exit status (0 success, 1 failure with a one-line
// reason on stderr).
#pragma once

#include <filesystem>
#include <istream>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "agent/node_agent.h"
#include "util/ports.h"

namespace mdbop {

// $MDBOP_HOME, or ~/.local/state/mdbop.
std::filesystem::path mdbop_home();

struct ObjectSelector {
  std::string kind;  // as typed
  std::string name;  // empty: all
  std::string namespace_ = "default";
  bool all_namespaces = false;
};

// How the operator reaches its nodes: through a node agent in its own process, or through each
// node's own `mdbop agent` process over the network (as on Kubernetes, one per pod).
// kPod: each node is a pod of the Kubernetes cluster (--kubernetes), running `mdbop agent`.
enum class NodeAgents { kInProcess, kProcessPerNode, kPod };
// The name --node-agents takes for it.
std::string node_agents_name(NodeAgents node_agents);
Result<NodeAgents> parse_node_agents(const std::string& text);

struct OperatorOptions {
  PortRange ports;
  std::optional<std::string>
      metrics_address;  // where /metrics is served (HOST:PORT); nullopt: nowhere
  NodeAgents node_agents = NodeAgents::kInProcess;
  // The objects are the Kubernetes API server's (kube/kube_config.h find_kube_config), not
  // $MDBOP_HOME's store.
  bool kubernetes = false;
  std::string kubeconfig;  // --kubeconfig; empty: found as kubectl finds it
  std::string context;     // --context; empty: the kubeconfig's current context
  // --webhook-bind-address: where the validating admission webhook is served (HOST:PORT);
  // empty: not served. Needs kubernetes.
  std::string webhook_address;
  // With node_agents kPod: the mdbop image whose agent every pod runs, and the server image of
  // a MariaDB that names none (empty: in a pod, the operator's own, kube/own_pod_image.h);
  // and the cluster's DNS domain, in the pods' names.
  std::string image;
  std::string cluster_domain = "cluster.local";
};
int cmd_operator_run(const OperatorOptions& options);
int cmd_operator_start(const OperatorOptions& options);
int cmd_operator_stop();
// One node's agent (agent/remote/agent_server.h) in the foreground, until SIGTERM or SIGINT.
struct AgentCommand {
  std::string home;
  NodeId node;
  std::string listen;  // HOST:PORT
  PortRange ports;
  std::string probe_listen;  // HOST:PORT of the pod's probes; empty: none
  // In a pod: the address the node listens on at the pod's fixed ports (SQL at sql_port), with
  // its TLS identities from tls_dir (runtime/local/local_runtime.h, PodPlace). Empty: on this
  // machine, at ports of the range, identities from the installation's authorities.
  std::string pod_address;
  int sql_port = 3306;
  std::string tls_dir;
};
int cmd_agent(const AgentCommand& command);
int cmd_operator_status();
int cmd_apply(const std::vector<std::string>& files);
// Node-level commands (pods, logs, sql) ask the node agent.
int cmd_get(NodeAgent& agent, const ObjectSelector& selector, const std::string& output);
int cmd_describe(NodeAgent& agent, const ObjectSelector& selector);
int cmd_delete(const ObjectSelector& selector, const std::vector<std::string>& files, bool purge);
int cmd_wait(const std::string& kind_slash_name, const std::string& namespace_,
             const std::string& condition, const std::string& timeout);
// Asks the operator to take a backup now (annotation mdbop.io/run-now).
int cmd_backup_run(const std::string& name, const std::string& namespace_);
// Checks an artifact (cli/artifact_lookup.h says what ARTIFACT names) without restoring it:
// unpacked and prepared in a scratch area of the node agent, which is removed afterwards.
int cmd_backup_verify(NodeAgent& agent, const std::string& artifact, const std::string& namespace_);
// Writes the artifact decrypted and decompressed to `output` (a file created 0600, which must
// not exist unless `force`; "-": standard output).
int cmd_backup_download(const std::string& artifact, const std::string& namespace_,
                        const std::string& output, bool force);
int cmd_events(const std::string& namespace_, bool all_namespaces, const std::string& for_object);
int cmd_logs(NodeAgent& agent, const std::string& pod, const std::string& namespace_, int tail,
             bool follow);
int cmd_sql(NodeAgent& agent, const std::string& kind_slash_name, const std::string& namespace_,
            const std::string& pod, const std::string& sql);
// The SQL for cmd_sql: -e's text if given, else all of `input` (standard input, which keeps a
// statement holding a password out of the process list). Fails when it is blank.
Result<std::string> sql_from(const std::optional<std::string>& execute, std::istream& input);

// Parses "33000-34999".
Result<PortRange> parse_port_range(const std::string& text);
// Parses --metrics-bind-address: "HOST:PORT" (HOST a numeric IPv4 address, PORT 1-65535), "0"
// for no endpoint (nullopt), or "" for the default: 127.0.0.1 and the last port of `ports`
// (which no node takes).
Result<std::optional<std::string>> parse_metrics_bind_address(const std::string& text,
                                                              PortRange ports);

// Prints "error: <message>" to stderr and returns 1.
int report_failure(const std::string& message);

}  // namespace mdbop

namespace mdbop {

// What apply and delete -f act on: the objects mdbop serves, validated and defaulted, and a
// note for each ServiceMonitor or PrometheusRule set aside (api/skipped_kinds.h).
struct Manifests {
  std::vector<nlohmann::json> objects;
  std::vector<std::string> skipped;
};
// Shared by apply and delete -f: reads, decodes and validates every document (all or none).
Result<Manifests> load_manifests(const std::vector<std::string>& files);
// "mariadb.k8s.mariadb.com/galera", as kubectl prints it.
std::string object_reference(const nlohmann::json& object);
// The Pod views of a MariaDB's nodes: pid (checked live), ports, data dir, Galera state.
std::vector<nlohmann::json> pod_views(NodeAgent& agent, const nlohmann::json& mariadb);

}  // namespace mdbop
