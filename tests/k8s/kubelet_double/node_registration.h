// The double's Node objects and their heartbeats. Each node is registered as a kubelet
// registers itself (labels kubernetes.io/hostname, os and arch; capacity and allocatable; the
// Ready condition; InternalIP 127.0.0.1) and kept alive both ways the node lifecycle
// controller reads: a Lease in kube-node-lease renewed and the node status's heartbeat times
// refreshed every 10 s, well inside the controller's 50 s grace period.
#pragma once

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "kube/kube_client.h"
#include "util/result.h"
#include "util/time_text.h"

namespace mdbop::kubelet {

inline constexpr std::chrono::seconds kHeartbeatPeriod{10};

struct NodeCapacity {
  std::string cpu = "4";
  std::string memory = "16Gi";
  std::string pods = "110";
};

// The Node object (with its status) as registered. Pure.
nlohmann::json render_node(const std::string& name, const NodeCapacity& capacity,
                           SysSeconds registered, SysSeconds heartbeat);

// Creates the node (an existing one is kept) and writes its status.
Result<void> register_node(const KubeClient& client, const std::string& name,
                           const NodeCapacity& capacity, SysSeconds registered);

// One heartbeat: the node's Lease renewed (created when missing) and its status's heartbeat
// times set to now.
Result<void> heartbeat(const KubeClient& client, const std::string& name,
                       const NodeCapacity& capacity, SysSeconds registered);

// Registers the nodes (again each second until each is), then heartbeats them every
// kHeartbeatPeriod, on a thread of its own, until destroyed. Nodes are left registered.
class NodeKeeper {
 public:
  NodeKeeper(std::shared_ptr<KubeClient> client, std::vector<std::string> nodes,
             NodeCapacity capacity);
  ~NodeKeeper();
  NodeKeeper(const NodeKeeper&) = delete;
  NodeKeeper& operator=(const NodeKeeper&) = delete;

 private:
  void run();

  std::shared_ptr<KubeClient> client_;
  std::vector<std::string> nodes_;
  NodeCapacity capacity_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace mdbop::kubelet
