// PodAgents: the node agent on Kubernetes. A node's place is its pod (runtime/kube/pod_runtime.h
// makes it with its claim and Secret); every call about the node goes to the `mdbop agent` in
// that pod (agent/remote/remote_node_agent.h), at the pod's DNS name, over mutual TLS.
//
// Copying one node's data into another's (a new cluster's joiners) streams it from one pod's
// agent to the other's through the operator. Not built yet on Kubernetes, and failing with
// kUnavailable saying so: a backup received for a restore or a check (which needs the pod whose
// volume will hold it).
#pragma once

#include <filesystem>
#include <memory>

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

  Result<bool> copy_data(const NodeId& from, const NodeId& to) override;
  // A backup's scratch lives in the pod it streams from, and goes with its run there.
  void clean_backup_run(const std::string& namespace_, const std::string& run) override;

  Result<std::unique_ptr<ByteSink>> receive_backup(const ReceivedBackup& received) override;
  Result<bool> prepare_received(const ReceivedBackup& received,
                                const std::vector<std::string>& options,
                                const std::function<bool()>& should_stop) override;
  Result<std::unique_ptr<ByteSink>> receive_incremental(const ReceivedBackup& received) override;
  Result<bool> apply_received_incremental(const ReceivedBackup& received,
                                          const std::vector<std::string>& options,
                                          const std::function<bool()>& should_stop) override;
  Result<GaleraPosition> recover_received_position(const ReceivedBackup& received) override;
  Result<std::string> replay_binlog_into_received(
      const ReceivedBackup& received,
      const std::function<Result<std::optional<std::string>>()>& next_file,
      const std::function<bool()>& should_stop) override;
  Result<bool> install_received(const NodeId& id, const ReceivedBackup& received) override;
  void discard_received(const ReceivedBackup& received) override;
  std::string describe_received(const ReceivedBackup& received) override;

 protected:
  Result<AgentEndpoint> reach_agent(const NodeId& id) override;
  bool agent_running(const NodeId& id) override;
  Result<TlsFiles> client_identity() override;
  // The pod cannot tell what its server does: the node is taken as running, so that nothing
  // (a bootstrap, above all) is decided on a node that may be serving.
  NodeSnapshot observe_unreached(const NodeId& id, const std::string& root_password) override;
  NodeProcess process_unreached(const NodeId& id) override;

 private:
  std::shared_ptr<PodRuntime> runtime_;
  std::filesystem::path private_dir_;
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
