#include <arpa/inet.h>
#include <signal.h>
#include <unistd.h>

#include <iostream>
#include <sstream>
#include <thread>

#include <prometheus/exposer.h>
#include <spdlog/spdlog.h>

#include "agent/kube/pod_agents.h"
#include "agent/local/agent_processes.h"
#include "agent/local/local_agent.h"
#include "cli/admission_server.h"
#include "cli/commands.h"
#include "cli/operator_process.h"
#include "controller/kind_registry.h"
#include "controller/operator.h"
#include "kube/kube_config.h"
#include "kube/leader_election.h"
#include "kube/object_cache.h"
#include "kube/own_pod_image.h"
#include "kube/webhook_certificate.h"
#include "metrics/operator_stats.h"
#include "metrics/store_collector.h"
#include "metrics/targets_file.h"
#include "store/kube_store.h"
#include "store/local_store.h"
#include "util/curl_transport.h"
#include "util/files.h"
#include "util/pid_lock.h"
#include "util/private_home.h"
#include "util/stop_signals.h"
#include "util/subprocess.h"

namespace mdbop {

using namespace std::chrono_literals;

std::filesystem::path mdbop_home() {
  std::filesystem::path home;
  if (const char* configured = std::getenv("MDBOP_HOME"); configured && *configured != '\0') {
    home = configured;
  } else if (geteuid() == 0) {
    // Root's nodes run as the mysql user, who cannot enter /root (0700).
    home = "/var/lib/mdbop";
  } else {
    const char* user_home = std::getenv("HOME");
    home = std::filesystem::path(user_home ? user_home : "/") / ".local/state/mdbop";
  }
  // Absolute and normal: node processes are recognised by the paths in their arguments.
  return std::filesystem::weakly_canonical(std::filesystem::absolute(home));
}

int report_failure(const std::string& message) {
  std::cerr << "error: " << message << "\n";
  return 1;
}

Result<PortRange> parse_port_range(const std::string& text) {
  auto dash = text.find('-');
  try {
    if (dash != std::string::npos) {
      PortRange range{std::stoi(text.substr(0, dash)), std::stoi(text.substr(dash + 1))};
      if (range.first >= 1024 && range.last <= 65535 && range.last - range.first >= 16) {
        return range;
      }
    }
  } catch (const std::exception&) {
  }
  return fail(
      "--ports must be FROM-TO within 1024-65535 with at least 16 ports, e.g. "
      "33000-34999");
}

Result<std::optional<std::string>> parse_metrics_bind_address(const std::string& text,
                                                              PortRange ports) {
  if (text.empty()) return std::optional<std::string>("127.0.0.1:" + std::to_string(ports.last));
  if (text == "0") return std::optional<std::string>();
  // The text becomes civetweb's listening_ports option; Debian's civetweb listens on numeric
  // IPv4 addresses only.
  const auto refused = fail(
      "--metrics-bind-address must be HOST:PORT with HOST a numeric IPv4 address and PORT "
      "1-65535 (127.0.0.1:9104, 0.0.0.0:9104), or 0 to serve no metrics");
  const auto address = split_host_port(text);
  in_addr ipv4{};
  if (!address || inet_pton(AF_INET, address->host.c_str(), &ipv4) != 1) return refused;
  return std::optional<std::string>(text);
}

namespace {

// The /metrics endpoint (prometheus-cpp over civetweb, on its own threads): what each
// collectable gives at the moment of a scrape.
Result<std::unique_ptr<prometheus::Exposer>> serve_metrics(
    const std::string& address,
    const std::vector<std::shared_ptr<prometheus::Collectable>>& collectables) {
  std::unique_ptr<prometheus::Exposer> exposer;
  try {
    exposer = std::make_unique<prometheus::Exposer>(address, 2);
  } catch (const std::exception&) {
    // civetweb says no more than that it could not set up the port.
    return fail("--metrics-bind-address " + address +
                ": cannot listen there (is another program using that port?); choose another "
                "HOST:PORT, or 0 to serve no metrics");
  }
  for (const auto& collectable : collectables) exposer->RegisterCollectable(collectable);
  return exposer;
}

// The reason an operator that failed to start gave: the last "error: " line it wrote to its log
// (from byte `from` on), without that prefix; empty when there is none.
std::string last_error_line(const std::filesystem::path& log, std::uintmax_t from) {
  auto text = read_file(log);
  if (!text || text->size() <= from) return "";
  std::istringstream lines(text->substr(from));
  std::string reason;
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind("error: ", 0) == 0) reason = line.substr(7);
  }
  return reason;
}

// The image the pods' agents run: --image, else, in a pod, the operator's own, read from its pod
// (POD_NAME, the downward API's metadata.name, as deploy/operator gives it).
Result<std::string> agent_image(const KubeClient& kube, const std::string& given) {
  if (!given.empty()) return given;
  const char* pod = std::getenv("POD_NAME");
  if (!kube.config().in_cluster || pod == nullptr || *pod == '\0') {
    return fail_field("--image",
                      "not given: name the mdbop image the pods run (in a pod whose POD_NAME "
                      "names it, as deploy/operator sets it, the operator takes its own)");
  }
  return own_pod_image(kube, kube.config().namespace_, pod, kOperatorContainer);
}

// The admission webhook on `address`, with the certificate kept in the Secret
// mdbop-webhook-certificate of `namespace_` (made when missing) and its CA put into the
// ValidatingWebhookConfiguration "mdbop".
Result<std::unique_ptr<AdmissionServer>> serve_webhook(const std::filesystem::path& home,
                                                       const KubeClient& client,
                                                       const std::string& namespace_,
                                                       const std::string& address) {
  auto where = split_host_port(address);
  in_addr ipv4{};
  if (!where || inet_pton(AF_INET, where->host.c_str(), &ipv4) != 1) {
    return fail(
        "--webhook-bind-address must be HOST:PORT with HOST a numeric IPv4 address "
        "(0.0.0.0:9443 in a pod, 127.0.0.1:9443 on one machine)");
  }
  std::vector<std::string> addresses;
  if (where->host != "0.0.0.0") addresses.push_back(where->host);
  auto certificate = ensure_webhook_certificate(client, namespace_, "mdbop-webhook-certificate",
                                                "mdbop-webhook." + namespace_ + ".svc", addresses);
  if (!certificate) {
    return fail("the admission webhook's certificate: " + certificate.error().what());
  }
  const std::filesystem::path directory = home / "webhook";
  std::error_code ignored;
  std::filesystem::create_directories(directory, ignored);
  std::filesystem::permissions(directory, std::filesystem::perms::owner_all, ignored);
  for (const auto& [file, pem] : {std::pair{"tls.crt", certificate->serving.certificate},
                                  std::pair{"tls.key", certificate->serving.private_key}}) {
    if (auto written = write_file_atomic(directory / file, pem, 0600); !written) {
      return tl::unexpected(written.error());
    }
  }
  auto server = AdmissionServer::start((directory / "tls.crt").string(),
                                       (directory / "tls.key").string(), where->host, where->port);
  if (!server) return tl::unexpected(server.error());
  // Without the configuration the API server never calls the webhook: said, not fatal.
  if (auto installed = install_ca_bundle(client, "mdbop", certificate->ca_pem); !installed) {
    spdlog::warn("the admission webhook is served but not trusted yet: {}",
                 installed.error().what());
  }
  spdlog::info("admission webhook served on https://{}/validate", address);
  return server;
}

// This operator among others: its host's (a pod's) name and its pid.
std::string operator_identity() {
  char host[256] = "";
  gethostname(host, sizeof host - 1);
  return std::string(host) + "-" + std::to_string(getpid());
}

// The store the operator reconciles: the installation's own, or a Kubernetes API server's (then
// with the client that reaches it).
struct OperatorStore {
  std::unique_ptr<Store> store;
  std::shared_ptr<const KubeClient> kube;  // null for the local store
};

Result<OperatorStore> open_store(const std::filesystem::path& home,
                                 const OperatorOptions& options) {
  if (!options.kubernetes) return OperatorStore{std::make_unique<LocalStore>(home / "store"), {}};
  auto config = find_kube_config(options.kubeconfig, options.context);
  if (!config) return tl::unexpected(config.error());
  spdlog::info("objects from the Kubernetes API server {}", config->server);
  auto transport = std::make_shared<CurlTransport>(config->ca_pem, config->client);
  auto client = std::make_shared<const KubeClient>(*config, transport);
  auto store = std::make_unique<KubeStore>(client, "", operator_identity());
  // A pass reads its objects from watches, not from the API server every second.
  store->cache_reconciled_kinds();
  return OperatorStore{std::move(store), client};
}

// The operator process: one per installation, holding its lock for its whole life. Here the
// concrete store and node agent are chosen.
Result<bool> run_operator_process(const std::filesystem::path& home,
                                  const OperatorOptions& options) {
  const PortRange ports = options.ports;
  const std::optional<std::string>& metrics_address = options.metrics_address;
  // Held for the operator's whole life: it is how others know that it runs, and which pid.
  auto lock = take_pid_lock(home / "operator.lock");
  if (!lock) {
    auto other = running_operator(home);
    return fail("another operator is already running for " + home.string() +
                (other ? " (pid " + std::to_string(other->pid) + ")" : ""));
  }
  // Signals are taken synchronously by the loop, never by a worker thread.
  sigset_t signals = block_stop_signals();

  auto opened = open_store(home, options);
  if (!opened) return tl::unexpected(opened.error());
  Store& store = *opened->store;
  // The operator's namespace, for what it keeps in the API server (its Lease, its Secrets): its
  // own in a pod, else the one deploy/ makes, whatever namespace its kubeconfig names.
  const std::string operator_namespace = opened->kube && opened->kube->config().in_cluster
                                             ? opened->kube->config().namespace_
                                             : "mdbop-system";
  std::unique_ptr<NodeAgent> agent;
  if (options.node_agents == NodeAgents::kPod) {
    auto image = agent_image(*opened->kube, options.image);
    if (!image) return tl::unexpected(image.error());
    // Of every namespace, as the store's watch: a standby keeps them warm too.
    PodRuntimeCaches caches{
        std::make_shared<const ObjectCache>(opened->kube, ApiResource{"v1", "pods"}, "",
                                            kManagedBySelector),
        std::make_shared<const ObjectCache>(
            opened->kube, ApiResource{"v1", "persistentvolumeclaims"}, "", kManagedBySelector)};
    auto runtime = std::make_shared<PodRuntime>(
        opened->kube,
        PodRuntimeSettings{{*image, *image}, operator_namespace, options.cluster_domain},
        std::move(caches));
    // The operator's client identity for the pods' agents, ours alone.
    const std::filesystem::path identity = home / "agent-client";
    if (auto made = ensure_owned_dir(identity, 0700); !made) return tl::unexpected(made.error());
    agent = std::make_unique<PodAgents>(runtime, identity);
  } else if (options.node_agents == NodeAgents::kProcessPerNode) {
    // The agents run this very binary (its file, even if replaced or removed meanwhile).
    agent = std::make_unique<NodeAgentProcesses>(home, ports, "/proc/self/exe");
  } else {
    agent = std::make_unique<LocalAgent>(home, ports);
  }
  std::vector<std::string> kinds;
  for (const ReconciledKind& kind : reconciled_kinds()) kinds.push_back(kind.kind);
  auto stats = std::make_shared<OperatorStats>(kinds, MDBOP_VERSION);
  auto from_store = std::make_shared<StoreCollector>(store, kinds);
  // Declared after the store it reads: stopped (and every scrape finished) before it goes.
  std::unique_ptr<prometheus::Exposer> exposer;
  if (metrics_address) {
    auto served = serve_metrics(*metrics_address, {stats, from_store});
    if (!served) return tl::unexpected(served.error());
    exposer = std::move(*served);
  }
  TargetsFile targets(home / "prometheus" / "targets.json", metrics_address.value_or(""));
  nlohmann::json info = {{"pid", getpid()},
                         {"portsFrom", ports.first},
                         {"portsTo", ports.last},
                         {"startedAt", rfc3339_now()}};
  if (metrics_address) info["metricsAddress"] = *metrics_address;
  if (auto written = write_file_atomic(home / "operator.json", info.dump() + "\n", 0644);
      !written) {
    return written;
  }
  spdlog::info(
      "operator started pid={} home={} ports={}-{} metrics={} node-agents={} store={} version={}",
      getpid(), home.string(), ports.first, ports.last, metrics_address.value_or("off"),
      node_agents_name(options.node_agents), options.kubernetes ? "kubernetes" : "local",
      MDBOP_VERSION);
  auto should_stop = [&] {
    timespec no_wait{0, 0};
    const int signal_number = sigtimedwait(&signals, nullptr, &no_wait);
    if (signal_number == SIGTERM || signal_number == SIGINT) return true;
    // A home removed under us (a test's, say) leaves nothing to manage.
    if (!std::filesystem::exists(home / "operator.lock")) {
      spdlog::warn("operator home {} is gone; stopping", home.string());
      return true;
    }
    return false;
  };
  // Beside other operators of the same API server, only the one holding the Lease acts; every
  // one serves the admission webhook.
  std::unique_ptr<LeaderElection> election;
  std::unique_ptr<AdmissionServer> webhook;
  if (opened->kube) {
    // One Lease for every operator of the API server.
    const std::string& namespace_ = operator_namespace;
    election = std::make_unique<LeaderElection>(opened->kube, namespace_, "mdbop-operator",
                                                operator_identity());
    if (!options.webhook_address.empty()) {
      auto served = serve_webhook(home, *opened->kube, namespace_, options.webhook_address);
      if (!served) return tl::unexpected(served.error());
      webhook = std::move(*served);
    }
  }
  Result<bool> ran = true;
  if (!election || election->lead(should_stop)) {
    ran = run_operator(
        store, *agent, home, *stats, [&] { targets.refresh(store.list("MariaDB")); },
        [&] { return should_stop() || (election && election->lost()); });
  }
  std::error_code ignored;
  std::filesystem::remove(home / "operator.json", ignored);
  if (ran && election && election->lost()) {
    return fail("lost the leadership lease: stopping, so that two operators never act at once");
  }
  return ran;
}

}  // namespace

Result<NodeAgents> parse_node_agents(const std::string& text) {
  if (text == "in-process") return NodeAgents::kInProcess;
  if (text == "process") return NodeAgents::kProcessPerNode;
  if (text == "pod") return NodeAgents::kPod;
  return fail_field("--node-agents", "\"" + text + "\" is none of in-process, process and pod");
}

std::string node_agents_name(NodeAgents node_agents) {
  switch (node_agents) {
    case NodeAgents::kInProcess:
      return "in-process";
    case NodeAgents::kProcessPerNode:
      return "process";
    case NodeAgents::kPod:
      return "pod";
  }
  return "in-process";
}

int cmd_operator_run(const OperatorOptions& options) {
  auto ran = run_operator_process(mdbop_home(), options);
  if (!ran) return report_failure(ran.error().what());
  return 0;
}

int cmd_operator_start(const OperatorOptions& operator_options) {
  auto home = mdbop_home();
  if (auto info = running_operator(home)) {
    std::cout << "operator already running (pid " << info->pid << ")\n";
    return 0;
  }
  const PortRange ports = operator_options.ports;
  SubprocessOptions options;
  options.argv = {"/proc/self/exe",
                  "operator",
                  "run",
                  "--ports",
                  std::to_string(ports.first) + "-" + std::to_string(ports.last),
                  "--metrics-bind-address",
                  operator_options.metrics_address.value_or("0"),
                  "--node-agents",
                  node_agents_name(operator_options.node_agents)};
  if (operator_options.kubernetes) {
    options.argv.push_back("--kubernetes");
    // A file name and a context name, not credentials: they may be in argv.
    if (!operator_options.kubeconfig.empty()) {
      options.argv.push_back("--kubeconfig");
      options.argv.push_back(std::filesystem::absolute(operator_options.kubeconfig).string());
    }
    if (!operator_options.context.empty()) {
      options.argv.push_back("--context");
      options.argv.push_back(operator_options.context);
    }
    if (!operator_options.webhook_address.empty()) {
      options.argv.push_back("--webhook-bind-address");
      options.argv.push_back(operator_options.webhook_address);
    }
    if (operator_options.node_agents == NodeAgents::kPod) {
      if (!operator_options.image.empty()) {
        options.argv.insert(options.argv.end(), {"--image", operator_options.image});
      }
      options.argv.insert(options.argv.end(),
                          {"--cluster-domain", operator_options.cluster_domain});
    }
  }
  options.output_file = (home / "operator.log").string();
  // What this operator writes to the log, for the reason it gives if it does not start.
  std::error_code ec;
  const auto log_size_before = std::filesystem::file_size(options.output_file, ec);
  const std::uintmax_t written_from = ec ? 0 : log_size_before;
  options.extra_env["MDBOP_HOME"] = home.string();
  auto pid = spawn_detached(options);
  if (!pid) return report_failure(pid.error().what());
  for (int i = 0; i < 200; ++i) {
    if (auto info = running_operator(home); info && info->pid == *pid && info->serving) {
      std::cout << "operator started (pid " << *pid << ", log " << options.output_file << ")\n";
      return 0;
    }
    reap_if_exited(*pid);
    if (!process_alive(*pid)) break;
    std::this_thread::sleep_for(50ms);
  }
  const std::string reason = last_error_line(options.output_file, written_from);
  return report_failure("the operator did not start" + (reason.empty() ? "" : ": " + reason) +
                        "; see " + options.output_file);
}

int cmd_operator_stop() {
  const auto lock = mdbop_home() / "operator.lock";
  auto signalled = signal_pid_lock_holder(lock, SIGTERM);
  if (!signalled) return report_failure(signalled.error().what());
  if (!*signalled) {
    std::cout << "operator not running\n";
    return 0;
  }
  // Stopped once it has let go of the lock: it does so last, as its process ends.
  for (int i = 0; i < 600; ++i) {
    if (pid_lock_holder(lock) != *signalled) {
      std::cout << "operator stopped (nodes keep running)\n";
      return 0;
    }
    std::this_thread::sleep_for(50ms);
  }
  return report_failure("operator pid " + std::to_string(**signalled) + " did not stop within 30s");
}

int cmd_operator_status() {
  auto home = mdbop_home();
  auto info = running_operator(home);
  if (!info) {
    std::cout << "operator not running (MDBOP_HOME " << home.string() << ")\n";
    return 1;
  }
  std::cout << "operator running\n  pid: " << info->pid << "\n  home: " << home.string()
            << "\n  ports: " << info->ports.first << "-" << info->ports.last << "\n  metrics: "
            << (info->metrics_address.empty() ? "off"
                                              : "http://" + info->metrics_address + "/metrics")
            << "\n  since: " << info->started_at << "\n";
  return 0;
}

}  // namespace mdbop
