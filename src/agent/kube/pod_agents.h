// PodAgents: the node agent on Kubernetes. A node's place is its pod (runtime/kube/pod_runtime.h
// makes it with its claim and Secret); every call about the node goes to the `mdbop agent` in
// that pod (agent/remote/remote_node_agent.h), at the pod's DNS name, over mutual TLS.
//
// Copying one node's data into another's (a new cluster's joiners) streams it from one pod's
// agent to the other's through the operator. A backup received for a restore or a check is
// received, prepared and checked by the agent of the pod it names (ReceivedBackup::node), with
// the server image's own tools, on that pod's claim.
#pragma once

#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "agent/remote/remote_node_agent.h"
#include "runtime/kube/pod_runtime.h"

namespace mdbop {

class PodAgents : public RemoteNodeAgent {
 public:
  // `private_dir` (ours alone) holds the operator's client identity while it runs.
  PodAgents(std::shared_ptr<PodRuntime> runtime, std::filesystem::path private_dir);

  Result<NodeAddress> place(const NodeId& id, const nlohmann::json& mariadb) override;
  std::vector<int> placed_indices(const std::string& namespace_,
                                  const std::string& mariadb) override;
  Result<bool> remove(const NodeId& id, bool purge) override;
  // Outdated: its pod was made from an earlier template than the last place()'s; renewing
  // deletes the pod, which the next place() makes again from the current one.
  bool place_outdated(const NodeId& id) override;
  Result<bool> renew_place(const NodeId& id) override;
  // Its claim against spec.storage's size, as the last place() found it.
  PlaceShortfall place_shortfall(const NodeId& id) override;
  bool nodes_are_pods() const override { return true; }

  // An exporter runs only as a child of its pod's serving agent: a pod whose agent does not
  // serve (gone, Pending, starting, being deleted) has none to stop, and none is started in it
  // until it serves (the next pass's run_exporter does).
  Result<bool> run_exporter(const NodeId& id, const ExporterCredentials& credentials) override;
  Result<bool> stop_exporter(const NodeId& id) override;
  Result<bool> copy_data(const NodeId& from, const NodeId& to) override;
  // A backup's scratch lives in the pod it streams from, and goes with its run there.
  void clean_backup_run(const std::string& namespace_, const std::string& run) override;

 protected:
  Result<AgentEndpoint> reach_agent(const NodeId& id) override;
  bool agent_running(const NodeId& id) override;
  Result<TlsFiles> client_identity() override;
  // The pod cannot tell what its server does: the node is taken as running, so that nothing
  // (a bootstrap, above all) is decided on a node that may be serving.
  NodeSnapshot observe_unreached(const NodeId& id, const std::string& root_password) override;
  NodeProcess process_unreached(const NodeId& id) override;

 private:
  // Whether `error`, from a call to the node's agent, came from a pod that has no serving agent.
  bool without_serving_agent(const NodeId& id, const Error& error);

  std::shared_ptr<PodRuntime> runtime_;
  std::filesystem::path private_dir_;
  std::mutex placed_mutex_;
  // What the last place() of each node found (by qualified pod name), when any of it is set.
  std::map<std::string, NodePodState> placed_;
};

// Whether the pod's `mariadb` container runs and has passed its startup probe (the agent
// serves); else why not, in the kubelet's words.
struct PodAgentState {
  bool serving = false;
  bool container_running = false;
  std::string why_not;
};
PodAgentState pod_agent_state(const nlohmann::json& pod);

}  // namespace mdbop
