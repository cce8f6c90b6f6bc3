// mdbop_kube_bench: mdbop on Kubernetes against the same figures on one machine (see
// README.md). Through a real control plane whose kubelets are the kubelet double
// (tests/integration/pods_story.h), with the nodes as pods: how long a manifest applied with
// kubectl takes to be Ready, and a full crash (every server SIGKILLed) to be Ready again; how
// many requests the operator sends the API server per minute and how much memory it holds while
// nothing changes. Then the same manifest on the local runtime (an operator on this machine, its
// nodes its own processes): apply to Ready and full crash to Ready, measured the same way.
// Prints figures; asserts nothing.
#include <signal.h>
#include <sys/types.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <fmt/chrono.h>
#include <fmt/format.h>
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "bench_cluster.h"
#include "harness.h"
#include "kube_control_plane.h"
#include "pods_story.h"
#include "sql/connection.h"
#include "util/files.h"
#include "util/subprocess.h"

namespace mdbop::bench {
namespace {

using json = nlohmann::json;
using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;
using testing::Installation;
using testing::KubeControlPlane;
using testing::PodsStory;

// Seconds since `start`.
double since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// object[key] when it is an integer; 0 otherwise.
int integer_at(const json& object, const char* key) {
  auto found = object.is_object() ? object.find(key) : object.end();
  return found != object.end() && found->is_number_integer() ? found->get<int>() : 0;
}

// One node as the bench sees it: its server's pid and where it serves SQL.
struct Node {
  pid_t server = 0;
  std::string host;
  int port = 0;
};

// What differs between the runtimes: where the nodes are, and the MariaDB's Ready condition.
struct Runtime {
  std::string name;  // "pods", "local"
  std::function<std::vector<Node>()> nodes;
  std::function<bool()> ready;
};

// The server answers as a Synced member of a Primary component of `replicas`.
bool synced_member(const Node& node, const std::string& password, int replicas) {
  SqlEndpoint endpoint;
  endpoint.host = node.host;
  endpoint.port = node.port;
  endpoint.password = password;
  endpoint.timeout = 2s;
  auto connection = SqlConnection::connect(endpoint);
  if (!connection) return false;
  auto rows = connection->query(
      "SELECT VARIABLE_NAME, VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS WHERE "
      "VARIABLE_NAME IN ('WSREP_LOCAL_STATE_COMMENT', 'WSREP_CLUSTER_SIZE', "
      "'WSREP_CLUSTER_STATUS')");
  if (!rows) return false;
  std::map<std::string, std::string> status;
  for (const auto& row : rows->rows) status[row[0].value_or("")] = row[1].value_or("");
  return status["WSREP_LOCAL_STATE_COMMENT"] == "Synced" &&
         status["WSREP_CLUSTER_STATUS"] == "Primary" &&
         status["WSREP_CLUSTER_SIZE"] == std::to_string(replicas);
}

// Ready as a user would check it: the Ready condition True, and every node's server (not one
// of `killed`) a Synced member of the whole cluster.
bool serving(const Runtime& runtime, const Cluster& cluster, const std::string& password,
             const std::set<pid_t>& killed) {
  const std::vector<Node> nodes = runtime.nodes();
  if (static_cast<int>(nodes.size()) != cluster.replicas) return false;
  for (const Node& node : nodes) {
    if (node.server <= 0 || killed.contains(node.server) || !process_alive(node.server)) {
      return false;
    }
  }
  if (!runtime.ready()) return false;
  return std::all_of(nodes.begin(), nodes.end(), [&](const Node& node) {
    return synced_member(node, password, cluster.replicas);
  });
}

// Seconds from `start` until `condition` holds, polled every 100 ms; nullopt after `limit`.
std::optional<double> seconds_until(Clock::time_point start, std::chrono::seconds limit,
                                    const std::function<bool()>& condition) {
  while (Clock::now() - start < limit && !interrupted) {
    if (condition()) return since(start);
    std::this_thread::sleep_for(100ms);
  }
  return std::nullopt;
}

// Every server SIGKILLed at once; seconds until the cluster serves again.
std::optional<double> full_crash_to_ready(const Runtime& runtime, const Cluster& cluster,
                                          const std::string& password) {
  std::set<pid_t> killed;
  for (const Node& node : runtime.nodes()) {
    if (node.server > 0) killed.insert(node.server);
  }
  if (static_cast<int>(killed.size()) != cluster.replicas) {
    note(fmt::format("{}: {} servers found of {}", runtime.name, killed.size(), cluster.replicas));
    return std::nullopt;
  }
  const Clock::time_point start = Clock::now();
  for (pid_t pid : killed) kill(pid, SIGKILL);
  return seconds_until(start, 600s, [&] { return serving(runtime, cluster, password, killed); });
}

// The operator's resident memory (VmRSS) and its peak (VmHWM), in MiB.
std::pair<double, double> memory_mib(pid_t pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  double rss = 0;
  double peak = 0;
  for (std::string line; std::getline(status, line);) {
    if (line.rfind("VmRSS:", 0) == 0) rss = std::stod(line.substr(6)) / 1024;
    if (line.rfind("VmHWM:", 0) == 0) peak = std::stod(line.substr(6)) / 1024;
  }
  return {rss, peak};
}

// UTC now as the audit log writes its timestamps ("2026-12-03T23:05:00.123456Z"), which
// compare as text.
std::string audit_now() {
  const auto now = std::chrono::system_clock::now();
  const auto micros =
      std::chrono::duration_cast<std::chrono::microseconds>(now.time_since_epoch()).count() %
      1000000;
  return fmt::format("{:%Y-%m-%dT%H:%M:%S}.{:06d}Z",
                     fmt::gmtime(std::chrono::system_clock::to_time_t(now)), micros);
}

// The requests `user` sent in [from, to) by the audit log, by verb and resource ("get pods"): a
// request is counted once, when its answer is complete, and a watch when it starts.
std::map<std::string, int> requests_by_kind(const std::filesystem::path& audit_log,
                                            const std::string& user, const std::string& from,
                                            const std::string& to) {
  std::map<std::string, int> requests;
  std::ifstream log(audit_log);
  for (std::string line; std::getline(log, line);) {
    const json event = json::parse(line, nullptr, false);
    if (event.is_discarded() || !event.is_object()) continue;
    if (event.value("user", json::object()).value("username", "") != user) continue;
    const std::string verb = event.value("verb", "");
    const std::string stage = event.value("stage", "");
    const bool counted = verb == "watch" ? stage == "ResponseStarted" : stage == "ResponseComplete";
    const std::string at = event.value("stageTimestamp", "");
    const json resource = event.value("objectRef", json::object());
    const std::string kind =
        verb + " " + (resource.is_object() ? resource.value("resource", "") : "");
    if (counted && at >= from && at < to) ++requests[kind];
  }
  return requests;
}

// The figures of every run, printed as median, minimum and maximum.
class Figures {
 public:
  void add(const std::string& name, std::optional<double> value) {
    std::cout << fmt::format("  {:<40} {}", name, value ? fmt::format("{:.2f}", *value) : "never")
              << std::endl;
    if (value) values_[name].push_back(*value);
    order_.push_back(name);
  }
  void print_summary() const {
    std::cout << "\nsummary (median, min, max over runs)\n";
    std::set<std::string> printed;
    for (const std::string& name : order_) {
      if (!printed.insert(name).second) continue;
      auto found = values_.find(name);
      if (found == values_.end()) {
        std::cout << fmt::format("  {:<40} never", name) << std::endl;
        continue;
      }
      std::vector<double> sorted = found->second;
      std::sort(sorted.begin(), sorted.end());
      std::cout << fmt::format("  {:<40} {:.2f} ({:.2f}-{:.2f}, {} runs)", name,
                               sorted[sorted.size() / 2], sorted.front(), sorted.back(),
                               sorted.size())
                << std::endl;
    }
  }

 private:
  std::map<std::string, std::vector<double>> values_;
  std::vector<std::string> order_;
};

struct Options {
  std::string manifest;
  int runs = 3;
  int idle_seconds = 60;
};

constexpr char kOperatorUser[] = "system:serviceaccount:mdbop-system:mdbop-operator";

// One run on pods: applied, Ready, crashed, Ready again, idle, deleted with its claims.
void run_on_pods(PodsStory& story, const Cluster& cluster, int run, const Options& options,
                 Figures& figures) {
  KubeControlPlane& kube = story.kube();
  const std::string ns = cluster.namespace_;
  // Each run's claims on volumes of their own: a released local volume is not bound again.
  const std::string storage_class = cluster.storage_class.empty() ? "local" : cluster.storage_class;
  story.add_volumes(fmt::format("run-{}-volumes", run), fmt::format("run-{}-", run), storage_class,
                    cluster.storage_size.empty() ? "1Gi" : cluster.storage_size);
  if (cluster.storage_class.empty()) {
    kube.kubectl({"annotate", "--overwrite", "storageclass", "local",
                  "storageclass.kubernetes.io/is-default-class=true"});
  }
  kube.kubectl({"create", "namespace", ns});

  const std::string password = cluster.password.value_or("");
  const Runtime pods{
      "pods",
      [&] {
        std::vector<Node> nodes;
        for (const auto& [pod, address] : testing::pod_addresses_by_name(kube, cluster.name, ns)) {
          if (!address.empty())
            nodes.push_back({testing::server_of(pod, ns), address, cluster.port});
        }
        return nodes;
      },
      [&] {
        const json object =
            json::parse(kube.kubectl({"-n", ns, "get", "mariadb", cluster.name, "-o", "json"}).out,
                        nullptr, false);
        return object.is_object() && ready_condition(object);
      }};

  const Clock::time_point applied = Clock::now();
  const testing::KubectlResult apply = kube.kubectl({"apply", "-f", "-"}, cluster.manifest);
  if (apply.exit_code != 0) {
    note("kubectl apply failed: " + apply.err);
    return;
  }
  figures.add("pods_apply_to_ready_seconds",
              seconds_until(applied, 900s, [&] { return serving(pods, cluster, password, {}); }));
  figures.add("pods_full_crash_to_ready_seconds", full_crash_to_ready(pods, cluster, password));

  // Idle: nothing changes for a while after the recovery has settled.
  std::this_thread::sleep_for(10s);
  const std::string from = audit_now();
  std::this_thread::sleep_for(std::chrono::seconds(options.idle_seconds));
  const std::string to = audit_now();
  const std::map<std::string, int> requests =
      requests_by_kind(kube.audit_log(), kOperatorUser, from, to);
  int total = 0;
  std::string by_kind;
  for (const auto& [kind, count] : requests) {
    total += count;
    by_kind += fmt::format(" {} {},", kind, count);
  }
  note(fmt::format("idle {} s: operator requests:{}", options.idle_seconds,
                   by_kind.empty() ? " none" : by_kind));
  figures.add("pods_idle_api_requests_per_minute", total * 60.0 / options.idle_seconds);
  const auto [rss, peak] = memory_mib(story.installation().operator_pid());
  figures.add("pods_idle_operator_rss_mib", rss);
  figures.add("pods_operator_peak_rss_mib", peak);

  kube.kubectl({"-n", ns, "delete", "mariadb", cluster.name, "--timeout=300s"});
  kube.kubectl({"-n", ns, "delete", "pvc", "-l", "app.kubernetes.io/instance=" + cluster.name,
                "--timeout=120s"});
}

// One run on the local runtime: an operator of its own, the same manifest, the same figures.
void run_locally(const Cluster& cluster, Figures& figures) {
  Installation local;
  if (local.start_operator() <= 0) {
    note("the local operator did not start");
    return;
  }
  const std::string password = cluster.password.value_or("");
  const Runtime processes{
      "local",
      [&] {
        std::vector<Node> nodes;
        auto list = local.mdbop({"get", "pods", "-n", cluster.namespace_, "-o", "json"});
        const json pods = json::parse(list.out, nullptr, false);
        if (pods.is_discarded() || !pods.is_object()) return nodes;
        for (const json& pod : pods.value("items", json::array())) {
          const json labels = pod.value("metadata", json::object()).value("labels", json::object());
          if (labels.value("app.kubernetes.io/instance", "") != cluster.name) continue;
          const json status = pod.value("status", json::object());
          nodes.push_back({integer_at(status, "pid"), "127.0.0.1",
                           integer_at(status.value("ports", json::object()), "sql")});
        }
        return nodes;
      },
      [&] {
        auto got =
            local.mdbop({"get", "mariadb", cluster.name, "-n", cluster.namespace_, "-o", "json"});
        const json object = json::parse(got.out, nullptr, false);
        return object.is_object() && ready_condition(object);
      }};
  const Clock::time_point applied = Clock::now();
  const testing::CommandResult apply = local.mdbop({"apply", "-f", "-"}, cluster.manifest);
  if (apply.exit_code != 0) {
    note("mdbop apply failed: " + apply.err);
    return;
  }
  figures.add("local_apply_to_ready_seconds", seconds_until(applied, 900s, [&] {
                return serving(processes, cluster, password, {});
              }));
  figures.add("local_full_crash_to_ready_seconds",
              full_crash_to_ready(processes, cluster, password));
  std::this_thread::sleep_for(10s);
  figures.add("local_idle_operator_rss_mib", memory_mib(local.operator_pid()).first);
  local.mdbop({"delete", "mariadb", cluster.name, "-n", cluster.namespace_});
}

int run(const Options& options) {
  end_steps_on_signals();
  const std::string manifest = options.manifest.empty()
                                   ? std::string(MDBOP_SOURCE_DIR) + "/examples/galera.yaml"
                                   : options.manifest;
  auto cluster = cluster_from_file(manifest);
  if (!cluster) {
    std::cerr << "error: " << manifest << ": " << cluster.error().what() << "\n";
    return 2;
  }
  if (!cluster->password) {
    std::cerr << "error: " << manifest << " must carry root's password in its Secret\n";
    return 2;
  }
  std::cout << "manifest " << cluster->path << "\n";
  note("manifest: " + cluster->describe());

  PodsStory story(/*audit_log=*/true);
  if (!story.start()) return 1;
  Figures figures;
  for (int run = 1; run <= options.runs && !interrupted; ++run) {
    std::cout << "run " << run << "\n";
    run_on_pods(story, *cluster, run, options, figures);
    run_locally(*cluster, figures);
  }
  figures.print_summary();
  return interrupted ? 130 : 0;
}

}  // namespace
}  // namespace mdbop::bench

int main(int argc, char** argv) {
  mdbop::bench::Options options;
  CLI::App app{
      "mdbop on Kubernetes (nodes as pods) beside the local runtime: apply to Ready, "
      "full crash to Ready, API requests and operator memory while idle"};
  app.add_option("--manifest", options.manifest,
                 "the manifest (a Galera MariaDB and its root Secret); default "
                 "examples/galera.yaml");
  app.add_option("--runs", options.runs, "runs (default 3)")->check(CLI::Range(1, 20));
  app.add_option("--idle-seconds", options.idle_seconds, "idle window (default 60)")
      ->check(CLI::Range(10, 3600));
  CLI11_PARSE(app, argc, argv);
  return mdbop::bench::run(options);
}
