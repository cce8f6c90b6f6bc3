// mdbop_kubelet_double: plays the kubelet of N nodes on this machine for the tests, running
// each pod bound to them as local processes (see docs/kubelet-double.md). It registers and
// heartbeats the nodes (NodeKeeper), follows their pods (a PodWatch per node), and steps their
// workers (NodePods) from a single main loop; SIGTERM or SIGINT stop every process it started
// before it exits.
#include <signal.h>
#include <unistd.h>

#include <spdlog/spdlog.h>
#include <CLI/CLI.hpp>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "kube/kube_config.h"
#include "kubelet_double/hosts_file.h"
#include "kubelet_double/node_pods.h"
#include "kubelet_double/node_registration.h"
#include "kubelet_double/pod_network.h"
#include "kubelet_double/pod_watch.h"
#include "kubelet_double/pod_worker.h"
#include "util/curl_transport.h"
#include "util/files.h"
#include "util/stop_signals.h"

namespace mdbop::kubelet {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

// Debian's libnss-wrapper: every process resolves the pods' names through it.
// How long the double waits for its processes to end on SIGTERM before SIGKILL.
constexpr auto kStopGrace = 5s;

// Waits up to `timeout` for SIGTERM or SIGINT; true when one came.
bool stop_signal(const sigset_t& signals, std::chrono::milliseconds timeout) {
  const timespec wait{0, static_cast<long>(timeout.count()) * 1000000L};
  return ::sigtimedwait(&signals, nullptr, &wait) > 0;
}

int run(int argc, char** argv) {
  const sigset_t signals = block_stop_signals();
  CLI::App app{"mdbop_kubelet_double: the kubelet of test nodes, running pods as processes"};
  std::string kubeconfig;
  std::string directory;
  std::vector<std::string> nodes;
  std::vector<std::string> exec_rules;
  std::vector<std::string> skip_init;
  NodeCapacity capacity;
  app.add_option("--kubeconfig", kubeconfig, "the API server and credentials")->required();
  app.add_option("--directory", directory, "where pods' directories, logs and hosts go")
      ->required();
  // One value per occurrence: the node names follow.
  app.add_option("--exec", exec_rules, "FROM=TO: run TO where a command runs FROM")
      ->allow_extra_args(false);
  app.add_option("--skip-init", skip_init, "init containers of this name complete unrun")
      ->allow_extra_args(false);
  app.add_option("--cpu", capacity.cpu, "each node's cpu capacity")->capture_default_str();
  app.add_option("--memory", capacity.memory, "each node's memory")->capture_default_str();
  app.add_option("--max-pods", capacity.pods, "each node's pod capacity")->capture_default_str();
  std::string pod_network;
  app.add_option("--pod-network", pod_network,
                 "198.18 or 198.19: pods' addresses from that /16 of the benchmarking range, made "
                 "local with an AnyIP route (needs CAP_NET_ADMIN; without it, or without this "
                 "option, pods get loopback addresses)");
  app.add_option("nodes", nodes, "the names of the nodes to play")->required();
  CLI11_PARSE(app, argc, argv);

  KubeletSettings settings;
  for (const std::string& text : exec_rules) {
    auto rule = parse_exec_rule(text);
    if (!rule) {
      spdlog::error("{}", rule.error().what());
      return 2;
    }
    settings.exec_rules.push_back(*rule);
  }
  settings.skip_init.insert(skip_init.begin(), skip_init.end());
  if (!fs::exists(kNssWrapper)) {
    spdlog::error("{} is missing: install Debian's libnss-wrapper", kNssWrapper);
    return 2;
  }
  auto config = load_kubeconfig(kubeconfig, "");
  if (!config) {
    spdlog::error("{}", config.error().what());
    return 2;
  }
  settings.client = std::make_shared<KubeClient>(
      *config, std::make_shared<CurlTransport>(config->ca_pem, config->client));
  settings.probe_http = std::make_shared<CurlTransport>("");
  settings.directory = fs::absolute(directory);
  std::error_code ec;
  // Pods' directories of an earlier run are stale: their emptyDirs start fresh.
  fs::remove_all(settings.directory / "pods", ec);
  fs::create_directories(settings.directory / "logs", ec);
  fs::create_directories(settings.directory / "pods", ec);
  const fs::path hosts = settings.directory / "hosts";
  // nss_wrapper needs no passwd or group file: without NSS_WRAPPER_PASSWD and _GROUP it
  // passes users and groups to the system's.
  settings.process_env = {{"LD_PRELOAD", hosts_file_preload()},
                          {"NSS_WRAPPER_HOSTS", hosts.string()}};
  if (auto written = write_file_atomic(hosts, render_hosts_file({}), 0644); !written) {
    spdlog::error("cannot write {}: {}", hosts.string(), written.error().what());
    return 1;
  }

  // Pods on loopback addresses run, but the API server refuses their addresses in Services'
  // EndpointSlices.
  std::optional<LocalPodNetwork> network;
  if (!pod_network.empty()) {
    if (!valid_pod_network(pod_network)) {
      spdlog::error("--pod-network: \"{}\" is neither 198.18 nor 198.19", pod_network);
      return 2;
    }
    auto made = LocalPodNetwork::make(pod_network);
    if (made) {
      network.emplace(std::move(*made));
    } else {
      spdlog::warn(
          "pods get loopback addresses: the pod network {}.0.0/16 cannot be made local: {}",
          pod_network, made.error().what());
    }
  }
  NodeKeeper keeper(settings.client, nodes, capacity);
  PodEvents events;
  NodePods pods(settings, hosts, network ? pod_network : std::string(kLoopbackNetwork));
  std::vector<std::unique_ptr<PodWatch>> watches;
  for (const std::string& node : nodes) {
    watches.push_back(std::make_unique<PodWatch>(settings.client, node, events));
  }
  spdlog::info("kubelet double running nodes={} directory={}", nodes.size(), directory);
  while (!stop_signal(signals, 200ms)) {
    for (const PodEvent& event : events.take()) pods.apply(event);
    pods.step();
  }
  spdlog::info("stopping: every process started is stopped");
  pods.shut_down(kStopGrace);
  for (auto& watch : watches) watch->stop();  // all at once: each takes up to a second
  watches.clear();
  const auto deadline = Clock::now() + kStopGrace + 2s;
  while (!pods.empty() && Clock::now() < deadline) {
    pods.step();
    std::this_thread::sleep_for(100ms);
  }
  pods.clear();
  return 0;
}

}  // namespace
}  // namespace mdbop::kubelet

int main(int argc, char** argv) { return mdbop::kubelet::run(argc, argv); }
