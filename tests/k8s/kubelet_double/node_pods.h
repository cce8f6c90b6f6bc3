// The pods bound to the double's nodes, as the main loop holds them: a PodWorker and an address
// per pod, taken from the nodes' listings and watch events, and the hosts
// file of their names rewritten whenever they come and go.
#pragma once

#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <set>
#include <string>

#include "kubelet_double/pod_addresses.h"
#include "kubelet_double/pod_watch.h"
#include "kubelet_double/pod_worker.h"

namespace mdbop::kubelet {

class NodePods {
 public:
  // Pods' addresses are taken from `network` (pod_addresses.h).
  NodePods(const KubeletSettings& settings, std::filesystem::path hosts_file,
           const std::string& network)
      : settings_(settings), hosts_file_(std::move(hosts_file)), addresses_(network) {}

  // A listing: every pod of the node, any other of its pods is gone. A change: a new pod gets
  // a worker (unless its worker is done already), a known one its new version. A deletion:
  // the pod is gone.
  void apply(const PodEvent& event);
  // Steps every worker; lets go of the finished ones (address, directory); rewrites the hosts
  // file when it changes.
  void step();
  // The double is stopping: every worker stops its processes within `grace`.
  void shut_down(std::chrono::seconds grace);
  bool empty() const { return workers_.empty(); }
  // Destroys the workers: any process still running is killed with SIGKILL.
  void clear() { workers_.clear(); }

 private:
  void changed(const std::string& node, const nlohmann::json& pod);
  void write_hosts();

  const KubeletSettings& settings_;
  std::filesystem::path hosts_file_;
  std::map<std::string, std::unique_ptr<PodWorker>> workers_;  // by pod uid
  std::map<std::string, std::string> node_of_;                 // pod uid -> node
  std::set<std::string> finished_;                             // uids of finished workers
  PodAddressPool addresses_;
  std::string hosts_text_;  // as last written
};

}  // namespace mdbop::kubelet
