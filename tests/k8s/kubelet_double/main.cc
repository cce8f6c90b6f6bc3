// mdbop_kubelet_double: plays the kubelet of N nodes on this machine for the tests, running
// each pod bound to them as local processes (see docs/kubelet-double.md). It registers and
// heartbeats the nodes, follows their pods, and runs one PodWorker per pod from a single main
// loop; SIGTERM or SIGINT stop every process it started before it exits.
#include <signal.h>
#include <unistd.h>

#include <spdlog/spdlog.h>
#include <CLI/CLI.hpp>
#include <condition_variable>
#include <filesystem>
#include <map>
#include <memory>
#include <set>
#include <thread>

#include "kube/kube_config.h"
#include "kubelet_double/hosts_file.h"
#include "kubelet_double/node_registration.h"
#include "kubelet_double/pod_addresses.h"
#include "kubelet_double/pod_watch.h"
#include "kubelet_double/pod_worker.h"
#include "util/curl_transport.h"
#include "util/files.h"
#include "util/stop_signals.h"

namespace mdbop::kubelet {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;
using namespace std::chrono_literals;

// Debian's libnss-wrapper: every process resolves the pods' names through it.
constexpr char kNssWrapper[] = "/usr/lib/x86_64-linux-gnu/libnss_wrapper.so";
// How long the double waits for its processes to end on SIGTERM before SIGKILL.
constexpr auto kStopGrace = 5s;

// Registers the nodes, then heartbeats them every kHeartbeatPeriod until destroyed.
class NodeKeeper {
 public:
  NodeKeeper(std::shared_ptr<KubeClient> client, std::vector<std::string> nodes,
             NodeCapacity capacity)
      : client_(std::move(client)), nodes_(std::move(nodes)), capacity_(std::move(capacity)) {
    thread_ = std::thread([this] { run(); });
  }
  ~NodeKeeper() {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    wake_.notify_all();
    thread_.join();
  }

 private:
  void run() {
    const SysSeconds registered = now_seconds();
    std::vector<bool> known(nodes_.size(), false);
    std::unique_lock lock(mutex_);
    while (!stopping_) {
      for (size_t i = 0; i < nodes_.size(); ++i) {
        if (!known[i]) {
          auto registered_now = register_node(*client_, nodes_[i], capacity_, registered);
          if (!registered_now) {
            spdlog::warn("node={} {}", nodes_[i], registered_now.error().what());
            continue;
          }
          spdlog::info("node={} registered", nodes_[i]);
          known[i] = true;
        }
        if (auto beat = heartbeat(*client_, nodes_[i], capacity_, registered); !beat) {
          spdlog::warn("node={} {}", nodes_[i], beat.error().what());
        }
      }
      const bool all = std::find(known.begin(), known.end(), false) == known.end();
      wake_.wait_for(lock,
                     all ? std::chrono::duration_cast<std::chrono::seconds>(kHeartbeatPeriod)
                         : std::chrono::seconds(1),
                     [this] { return stopping_; });
    }
  }

  std::shared_ptr<KubeClient> client_;
  std::vector<std::string> nodes_;
  NodeCapacity capacity_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
};

// The pods of the double's nodes, each with its worker and address.
class Pods {
 public:
  Pods(const KubeletSettings& settings, fs::path hosts_file)
      : settings_(settings), hosts_file_(std::move(hosts_file)) {}

  void apply(const PodEvent& event) {
    if (event.type == PodEvent::Type::kListed) {
      std::set<std::string> listed;
      for (const json& pod : event.pods) {
        listed.insert(pod.at("metadata").value("uid", ""));
        changed(event.node, pod);
      }
      for (auto& [uid, worker] : workers_) {
        if (node_of_[uid] == event.node && !listed.contains(uid)) worker->object_gone();
      }
      return;
    }
    for (const json& pod : event.pods) {
      const std::string uid = pod.at("metadata").value("uid", "");
      if (event.type == PodEvent::Type::kChanged) {
        changed(event.node, pod);
      } else if (auto worker = workers_.find(uid); worker != workers_.end()) {
        worker->second->object_gone();
      }
    }
  }

  void step() {
    for (auto it = workers_.begin(); it != workers_.end();) {
      it->second->step();
      if (!it->second->finished()) {
        ++it;
        continue;
      }
      const std::string uid = it->first;
      finished_.insert(uid);
      it = workers_.erase(it);
      node_of_.erase(uid);
      addresses_.release(uid);
      std::error_code ec;
      fs::remove_all(settings_.directory / "pods" / uid, ec);
    }
    write_hosts();
  }

  void shut_down() {
    for (auto& [uid, worker] : workers_) worker->shut_down(kStopGrace);
  }
  bool empty() const { return workers_.empty(); }
  // Destroys the workers: any process still running is killed with SIGKILL.
  void clear() { workers_.clear(); }

 private:
  void changed(const std::string& node, const json& pod) {
    const std::string uid = pod.at("metadata").value("uid", "");
    if (auto worker = workers_.find(uid); worker != workers_.end()) {
      worker->second->update(pod);
      return;
    }
    // A pod whose worker is done (deleted by it) may still show in events already sent.
    if (finished_.contains(uid)) return;
    // A pod that ran under an earlier double keeps its address when it is free.
    auto address = addresses_.acquire(uid, pod.value("status", json::object()).value("podIP", ""));
    if (!address) {
      spdlog::error("pod={} gets no address: every loopback address is held", uid);
      return;
    }
    spdlog::info("pod={}/{} on node={} address={}", pod.at("metadata").value("namespace", ""),
                 pod.at("metadata").value("name", ""), node, *address);
    workers_[uid] = std::make_unique<PodWorker>(settings_, pod, *address);
    node_of_[uid] = node;
  }

  void write_hosts() {
    std::vector<PodHostEntry> entries;
    for (const auto& [uid, worker] : workers_) entries.push_back(worker->host_entry());
    std::sort(entries.begin(), entries.end(), [](const PodHostEntry& a, const PodHostEntry& b) {
      return std::tie(a.namespace_, a.name) < std::tie(b.namespace_, b.name);
    });
    std::string text = render_hosts_file(entries);
    if (text == hosts_text_) return;
    // Atomic (write and rename): a process resolving a name reads the old file or the new.
    auto written = write_file_atomic(hosts_file_, text, 0644);
    if (!written) {
      spdlog::error("cannot write {}: {}", hosts_file_.string(), written.error().what());
      return;
    }
    hosts_text_ = std::move(text);
  }

  const KubeletSettings& settings_;
  fs::path hosts_file_;
  std::map<std::string, std::unique_ptr<PodWorker>> workers_;
  std::map<std::string, std::string> node_of_;
  std::set<std::string> finished_;  // uids of pods whose workers are done
  PodAddressPool addresses_;
  std::string hosts_text_;
};

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
  settings.process_env = {{"LD_PRELOAD", kNssWrapper}, {"NSS_WRAPPER_HOSTS", hosts.string()}};
  if (auto written = write_file_atomic(hosts, render_hosts_file({}), 0644); !written) {
    spdlog::error("cannot write {}: {}", hosts.string(), written.error().what());
    return 1;
  }

  NodeKeeper keeper(settings.client, nodes, capacity);
  PodEvents events;
  Pods pods(settings, hosts);
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
  pods.shut_down();
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
