// mdbop: a declarative control plane for MariaDB Galera clusters.
#include <sys/stat.h>

#include <iostream>

#include <spdlog/spdlog.h>
#include <CLI/CLI.hpp>

#include "agent/local/local_agent.h"
#include "cli/commands.h"
#include "util/private_home.h"

namespace {

using mdbop::ObjectSelector;

// -n/-A and a namespace default shared by the verbs that take them.
void add_namespace_options(CLI::App* command, ObjectSelector& selector, bool with_all) {
  command->add_option("-n,--namespace", selector.namespace_, "namespace (default: default)");
  if (with_all)
    command->add_flag("-A,--all-namespaces", selector.all_namespaces, "every namespace");
}

}  // namespace

int main(int argc, char** argv) {
  // Whatever mdbop creates (staged restores, backup scratch, logs) is private unless it is
  // opened on purpose with an explicit mode (node directories, option files, certificates).
  umask(077);
  spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%l%$ %v");
  CLI::App app{"mdbop: declarative MariaDB Galera clusters (k8s.mariadb.com/v1alpha1 manifests)"};
  app.require_subcommand(1);
  int status = 0;
  // Every command works in MDBOP_HOME: refuse one that another user could have tampered with.
  // Runs after parsing (so --help needs no home) and before any command.
  app.parse_complete_callback([] {
    if (auto home = mdbop::prepare_home(mdbop::mdbop_home()); !home) {
      std::exit(mdbop::report_failure(home.error().what()));
    }
  });

  // The wiring: nodes are processes on this machine, reached through the local node agent.
  // Node-level commands (pods, logs, sql) only look through it; the operator command
  // (cli/cmd_operator.cc) runs them.
  auto local_agent = [](mdbop::PortRange ports) {
    return mdbop::LocalAgent(mdbop::mdbop_home(), ports);
  };

  auto* operator_command = app.add_subcommand("operator", "run or manage the operator");
  operator_command->require_subcommand(1);
  std::string ports_text = "33000-34999";
  auto port_range = [&]() {
    auto range = mdbop::parse_port_range(ports_text);
    if (!range) std::exit(mdbop::report_failure(range.error().what()));
    return *range;
  };
  std::string metrics_text;
  auto metrics_address = [&](mdbop::PortRange ports) {
    auto address = mdbop::parse_metrics_bind_address(metrics_text, ports);
    if (!address) std::exit(mdbop::report_failure(address.error().what()));
    return *address;
  };
  std::string node_agents_text = "in-process";
  auto node_agents = [&]() {
    auto chosen = mdbop::parse_node_agents(node_agents_text);
    if (!chosen) std::exit(mdbop::report_failure(chosen.error().what()));
    return *chosen;
  };
  const char* node_agents_help =
      "in-process (default): the operator drives its nodes itself; process: each node runs "
      "under its own `mdbop agent`, reached over mutual TLS; pod (with --kubernetes and "
      "--image): each node is a pod running `mdbop agent`";
  const char* metrics_help =
      "HOST:PORT of the operator's /metrics (default 127.0.0.1 and the last port of --ports); "
      "0: none";
  bool kubernetes = false;
  std::string kubeconfig;
  std::string kube_context;
  std::string webhook_address;
  std::string image;
  std::string cluster_domain = "cluster.local";
  auto operator_options = [&]() {
    mdbop::OperatorOptions options;
    options.ports = port_range();
    options.metrics_address = metrics_address(options.ports);
    options.node_agents = node_agents();
    options.kubernetes = kubernetes;
    options.kubeconfig = kubeconfig;
    options.context = kube_context;
    options.webhook_address = webhook_address;
    options.image = image;
    options.cluster_domain = cluster_domain;
    if (!kubernetes && (!kubeconfig.empty() || !kube_context.empty() || !webhook_address.empty() ||
                        options.node_agents == mdbop::NodeAgents::kPod)) {
      std::exit(mdbop::report_failure(
          "--kubeconfig, --context, --webhook-bind-address and --node-agents pod need "
          "--kubernetes"));
    }
    if (options.node_agents != mdbop::NodeAgents::kPod && !image.empty()) {
      std::exit(mdbop::report_failure("--image: only with --node-agents pod"));
    }
    return options;
  };
  auto* run = operator_command->add_subcommand("run", "run in the foreground");
  auto* start = operator_command->add_subcommand("start", "start in the background");
  for (CLI::App* command : {run, start}) {
    command->add_option("--ports", ports_text, "port range for nodes, FROM-TO");
    command->add_option("--metrics-bind-address", metrics_text, metrics_help);
    command->add_option("--node-agents", node_agents_text, node_agents_help);
    command->add_flag("--kubernetes", kubernetes,
                      "reconcile the objects held by a Kubernetes API server (nodes still run on "
                      "this machine: see docs/kubernetes.md)");
    command->add_option("--kubeconfig", kubeconfig,
                        "the kubeconfig to use with --kubernetes (default: the pod's service "
                        "account, else $KUBECONFIG, else ~/.kube/config)");
    command->add_option("--context", kube_context, "the kubeconfig context (default: current)");
    command->add_option("--image", image,
                        "with --node-agents pod: the mdbop image whose agent every pod runs "
                        "(and the server image of a MariaDB that names no spec.image); default "
                        "in a pod: the image of its container named operator");
    command->add_option("--cluster-domain", cluster_domain,
                        "with --node-agents pod: the cluster's DNS domain (default cluster.local)");
    command->add_option("--webhook-bind-address", webhook_address,
                        "HOST:PORT where the validating admission webhook is served, with "
                        "--kubernetes (default: not served)");
  }
  run->callback([&] { status = mdbop::cmd_operator_run(operator_options()); });
  start->callback([&] { status = mdbop::cmd_operator_start(operator_options()); });
  operator_command->add_subcommand("stop", "stop gracefully; nodes keep running")->callback([&] {
    status = mdbop::cmd_operator_stop();
  });
  operator_command->add_subcommand("status", "report whether it runs")->callback([&] {
    status = mdbop::cmd_operator_status();
  });

  mdbop::AgentCommand agent_command;
  std::string agent_ports = "33000-34999";
  auto* agent = app.add_subcommand(
      "agent", "serve one node's agent over mutual TLS (the operator starts these itself)");
  agent->add_option("--home", agent_command.home, "the installation's MDBOP_HOME")->required();
  agent->add_option("--namespace", agent_command.node.namespace_, "the node's namespace")
      ->required();
  agent->add_option("--mariadb", agent_command.node.mariadb, "the node's MariaDB")->required();
  agent->add_option("--index", agent_command.node.index, "the node's index")->required();
  agent->add_option("--listen", agent_command.listen, "HOST:PORT to serve on")->required();
  agent->add_option("--ports", agent_ports, "the installation's port range, FROM-TO");
  agent->add_option("--probe-listen", agent_command.probe_listen,
                    "HOST:PORT to answer a kubelet's probes on, in plain HTTP (/startup, /live, "
                    "/ready)");
  auto* pod_address = agent
                          ->add_option("--pod-address", agent_command.pod_address,
                                       "in a pod: the node listens on this address at the pod's "
                                       "ports (SQL at --sql-port, Galera "
                                       "4567, IST 4568, SST 4444, metrics 9104); an IPv4 address")
                          ->check(CLI::ValidIPV4);
  agent->add_option("--sql-port", agent_command.sql_port, "in a pod: the node's SQL port")
      ->check(CLI::Range(1, 65535))
      ->needs(pod_address);
  agent
      ->add_option("--tls-dir", agent_command.tls_dir,
                   "in a pod: the node's and the agent's TLS identities (ca.crt, node.crt, "
                   "node.key, agent-ca.crt, agent.crt, agent.key)")
      ->needs(pod_address);
  pod_address->needs("--tls-dir");
  agent->callback([&] {
    ports_text = agent_ports;
    agent_command.ports = port_range();
    status = mdbop::cmd_agent(agent_command);
  });

  std::vector<std::string> files;
  auto* apply = app.add_subcommand("apply", "create or update objects from manifests");
  apply->add_option("-f,--filename", files, "file, directory or - for stdin")->required();
  apply->callback([&] { status = mdbop::cmd_apply(files); });

  ObjectSelector selector;
  std::string output;
  auto* get = app.add_subcommand("get", "list objects");
  get->add_option("kind", selector.kind, "kind (mariadb, pod, secret, configmap, ...)")->required();
  get->add_option("name", selector.name, "object name");
  get->add_option("-o,--output", output, "wide | yaml | json");
  add_namespace_options(get, selector, true);
  get->callback([&] {
    mdbop::LocalAgent agent = local_agent({});
    status = mdbop::cmd_get(agent, selector, output);
  });

  auto* describe = app.add_subcommand("describe", "spec, status, conditions and events");
  describe->add_option("kind", selector.kind, "kind")->required();
  describe->add_option("name", selector.name, "object name")->required();
  add_namespace_options(describe, selector, false);
  describe->callback([&] {
    mdbop::LocalAgent agent = local_agent({});
    status = mdbop::cmd_describe(agent, selector);
  });

  bool purge = false;
  auto* remove = app.add_subcommand("delete", "delete objects (a MariaDB's nodes are stopped)");
  remove->add_option("kind", selector.kind, "kind");
  remove->add_option("name", selector.name, "object name");
  remove->add_option("-f,--filename", files, "delete what these manifests name");
  remove->add_flag("--purge", purge, "also remove the nodes' data directories");
  add_namespace_options(remove, selector, false);
  remove->callback([&] {
    if (files.empty() && selector.kind.empty()) {
      status = mdbop::report_failure("delete needs KIND NAME or -f FILE");
      return;
    }
    status = mdbop::cmd_delete(selector, files, purge);
  });

  std::string target;
  std::string condition;
  std::string timeout = "30s";
  auto* wait = app.add_subcommand("wait", "wait for a condition");
  wait->add_option("target", target, "KIND/NAME")->required();
  wait->add_option("--for", condition, "condition=TYPE[=STATUS]")->required();
  wait->add_option("--timeout", timeout, "e.g. 30s, 5m (default 30s)");
  add_namespace_options(wait, selector, false);
  wait->callback(
      [&] { status = mdbop::cmd_wait(target, selector.namespace_, condition, timeout); });

  std::string backup_name;
  auto* backup = app.add_subcommand("backup", "day-2 actions on backups");
  backup->require_subcommand(1);
  auto* backup_run = backup->add_subcommand("run", "take a backup now (a scheduled one too)");
  backup_run->add_option("name", backup_name, "NAME of a Backup or PhysicalBackup")->required();
  add_namespace_options(backup_run, selector, false);
  backup_run->callback([&] { status = mdbop::cmd_backup_run(backup_name, selector.namespace_); });
  std::string artifact;
  const char* artifact_help =
      "an artifact id from status.artifacts (NAME-20261202T013000.123Z), or backup/NAME "
      "(physicalbackup/NAME) for the newest";
  auto* backup_verify = backup->add_subcommand(
      "verify", "check an artifact: digest, decryption, and a prepare in scratch space");
  backup_verify->add_option("artifact", artifact, artifact_help)->required();
  add_namespace_options(backup_verify, selector, false);
  backup_verify->callback([&] {
    mdbop::LocalAgent agent = local_agent({});
    status = mdbop::cmd_backup_verify(agent, artifact, selector.namespace_);
  });
  std::string download_output;
  bool force = false;
  auto* backup_download = backup->add_subcommand(
      "download", "write an artifact decrypted and decompressed, checking its digest");
  backup_download->add_option("artifact", artifact, artifact_help)->required();
  backup_download->add_option("-o,--output", download_output, "FILE (created 0600), or -")
      ->required();
  backup_download->add_flag("--force", force, "replace FILE if it exists");
  add_namespace_options(backup_download, selector, false);
  backup_download->callback([&] {
    status = mdbop::cmd_backup_download(artifact, selector.namespace_, download_output, force);
  });

  std::string for_object;
  auto* events = app.add_subcommand("events", "recent events");
  events->add_option("--for", for_object, "KIND/NAME");
  add_namespace_options(events, selector, true);
  events->callback([&] {
    status = mdbop::cmd_events(selector.namespace_, selector.all_namespaces, for_object);
  });

  int tail = -1;
  bool follow = false;
  auto* logs = app.add_subcommand("logs", "a node's error log");
  logs->add_option("pod", target, "POD, e.g. galera-0")->required();
  logs->add_option("--tail", tail, "last N lines");
  logs->add_flag("-f,--follow", follow, "keep printing new lines");
  add_namespace_options(logs, selector, false);
  logs->callback([&] {
    mdbop::LocalAgent agent = local_agent({});
    status = mdbop::cmd_logs(agent, target, selector.namespace_, tail, follow);
  });

  std::string pod;
  std::string sql;
  auto* sql_command = app.add_subcommand("sql", "run SQL as root on the primary or a pod");
  sql_command->add_option("target", target, "mariadb/NAME")->required();
  sql_command->add_option("--pod", pod, "a pod instead of the primary");
  auto* execute = sql_command->add_option(
      "-e,--execute", sql,
      "SQL to run (default: read from standard input, out of the process list)");
  add_namespace_options(sql_command, selector, false);
  sql_command->callback([&] {
    auto text = mdbop::sql_from(execute->count() > 0 ? std::optional(sql) : std::nullopt, std::cin);
    mdbop::LocalAgent agent = local_agent({});
    status = text ? mdbop::cmd_sql(agent, target, selector.namespace_, pod, *text)
                  : mdbop::report_failure(text.error().what());
  });

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  return status;
}
