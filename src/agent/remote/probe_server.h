// ProbeServer: a pod's probes (runtime/kube/node_pod.h), in plain HTTP on the pod's address, for
// the kubelet, which presents no client certificate. They tell only whether the agent serves
// and whether its node is ready; nothing else crosses.
//   GET /startup, GET /live: 200 while the agent serves. Liveness never looks at the server: a
//     node in a state transfer, crashed or recovering is the operator's to handle, and a kubelet
//     that restarted the container would end a transfer that may have run for hours.
//   GET /ready: 200 when the node is ready (node_ready), else 503.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "agent/node_agent.h"
#include "util/result.h"

namespace httplib {
class Server;
}  // namespace httplib

namespace mdbop {

// Ready: the server runs and answers and, with Galera, is Synced in the Primary component.
bool node_ready(const NodeSnapshot& seen);

class ProbeServer {
 public:
  // `root_password` gives the password to read the node's status with (the operator's last;
  // nullopt until it has looked, when the node is not taken for ready).
  ProbeServer(NodeAgent& agent, NodeId node,
              std::function<std::optional<std::string>()> root_password);
  ~ProbeServer();
  ProbeServer(const ProbeServer&) = delete;
  ProbeServer& operator=(const ProbeServer&) = delete;

  // Binds host:port (port 0: any free one); the port bound.
  Result<int> bind(const std::string& host, int port);
  // Serves until stop(). REQUIRES: bound.
  void serve();
  void stop();

 private:
  NodeAgent& agent_;
  NodeId node_;
  std::function<std::optional<std::string>()> root_password_;
  std::unique_ptr<httplib::Server> server_;
  std::atomic<bool> stopping_{false};
  std::atomic<bool> serving_{false};
  std::atomic<bool> served_{false};
};

}  // namespace mdbop
