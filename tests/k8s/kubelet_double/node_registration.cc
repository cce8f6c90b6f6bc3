#include "kubelet_double/node_registration.h"

#include <spdlog/spdlog.h>

#include <algorithm>

namespace mdbop::kubelet {
namespace {

using json = nlohmann::json;

json node_condition(const std::string& type, bool value, const std::string& reason,
                    SysSeconds registered, SysSeconds heartbeat) {
  return {{"type", type},
          {"status", value ? "True" : "False"},
          {"reason", reason},
          {"message", "the kubelet double says so"},
          {"lastHeartbeatTime", format_rfc3339(heartbeat)},
          {"lastTransitionTime", format_rfc3339(registered)}};
}

Result<void> write_status(const KubeClient& client, const std::string& name,
                          const NodeCapacity& capacity, SysSeconds registered) {
  const json node = render_node(name, capacity, registered, now_seconds());
  auto written = client.patch(api_path({"v1", "nodes"}, "", name, "status"),
                              {{"status", node["status"]}}, PatchType::kMerge);
  if (!written) return tl::unexpected(written.error());
  return {};
}

}  // namespace

json render_node(const std::string& name, const NodeCapacity& capacity, SysSeconds registered,
                 SysSeconds heartbeat) {
  const json resources = {{"cpu", capacity.cpu},
                          {"memory", capacity.memory},
                          {"pods", capacity.pods},
                          {"ephemeral-storage", "100Gi"}};
  return {{"apiVersion", "v1"},
          {"kind", "Node"},
          {"metadata",
           {{"name", name},
            {"labels",
             {{"kubernetes.io/hostname", name},
              {"kubernetes.io/os", "linux"},
              {"kubernetes.io/arch", "amd64"}}}}},
          {"spec", json::object()},
          {"status",
           {{"capacity", resources},
            {"allocatable", resources},
            {"conditions",
             json::array({node_condition("MemoryPressure", false, "KubeletHasSufficientMemory",
                                         registered, heartbeat),
                          node_condition("DiskPressure", false, "KubeletHasNoDiskPressure",
                                         registered, heartbeat),
                          node_condition("PIDPressure", false, "KubeletHasSufficientPID",
                                         registered, heartbeat),
                          node_condition("Ready", true, "KubeletReady", registered, heartbeat)})},
            {"addresses", json::array({{{"type", "InternalIP"}, {"address", "127.0.0.1"}},
                                       {{"type", "Hostname"}, {"address", name}}})},
            {"daemonEndpoints", {{"kubeletEndpoint", {{"Port", 10250}}}}},
            {"nodeInfo",
             {{"machineID", name},
              {"systemUUID", name},
              {"bootID", name},
              {"kernelVersion", ""},
              {"osImage", "mdbop kubelet double"},
              {"containerRuntimeVersion", "kubelet-double://1"},
              {"kubeletVersion", "v1.35.4"},
              {"kubeProxyVersion", ""},
              {"operatingSystem", "linux"},
              {"architecture", "amd64"}}}}}};
}

Result<void> register_node(const KubeClient& client, const std::string& name,
                           const NodeCapacity& capacity, SysSeconds registered) {
  auto created = client.create(api_path({"v1", "nodes"}, ""),
                               render_node(name, capacity, registered, registered));
  if (!created && created.error().code != ErrorCode::kConflict) {
    return tl::unexpected(created.error());
  }
  return write_status(client, name, capacity, registered);
}

Result<void> heartbeat(const KubeClient& client, const std::string& name,
                       const NodeCapacity& capacity, SysSeconds registered) {
  const ApiResource leases{"coordination.k8s.io/v1", "leases"};
  const std::string now = kube_micro_time_now();
  auto renewed = client.patch(api_path(leases, "kube-node-lease", name),
                              {{"spec", {{"renewTime", now}}}}, PatchType::kMerge);
  if (!renewed && is_not_found(renewed.error())) {
    renewed = client.create(
        api_path(leases, "kube-node-lease"),
        {{"apiVersion", "coordination.k8s.io/v1"},
         {"kind", "Lease"},
         {"metadata", {{"name", name}, {"namespace", "kube-node-lease"}}},
         {"spec", {{"holderIdentity", name}, {"leaseDurationSeconds", 40}, {"renewTime", now}}}});
  }
  if (!renewed) return tl::unexpected(renewed.error());
  return write_status(client, name, capacity, registered);
}

NodeKeeper::NodeKeeper(std::shared_ptr<KubeClient> client, std::vector<std::string> nodes,
                       NodeCapacity capacity)
    : client_(std::move(client)), nodes_(std::move(nodes)), capacity_(std::move(capacity)) {
  thread_ = std::thread([this] { run(); });
}

NodeKeeper::~NodeKeeper() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

void NodeKeeper::run() {
  const SysSeconds registered = now_seconds();
  std::vector<bool> known(nodes_.size(), false);
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    // The requests run unlocked: only the wait for the next round holds the lock.
    lock.unlock();
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
    lock.lock();
    const bool all = std::find(known.begin(), known.end(), false) == known.end();
    wake_.wait_for(lock, all ? kHeartbeatPeriod : std::chrono::seconds(1),
                   [this] { return stopping_; });
  }
}

}  // namespace mdbop::kubelet
