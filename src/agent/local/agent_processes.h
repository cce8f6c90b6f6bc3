// NodeAgentProcesses: the node agent for nodes that each run under their own `mdbop agent`
// process on this machine (the operator's --node-agents=process), the way each pod of a
// Kubernetes cluster runs one. Everything a node does goes to its agent over the network
// (agent/remote/remote_node_agent.h), whose process is started when the node is placed and
// again whenever it is found dead; what is the machine's rather than a node's (places, copies
// between nodes, backups received for a restore or a check (receiving_here.h), backup
// scratch) stays with a LocalAgent here.
#pragma once

#include <filesystem>

#include "agent/local/receiving_here.h"
#include "runtime/local/local_runtime.h"

namespace mdbop {

class NodeAgentProcesses : public ReceivingHere {
 public:
  // `program`: the mdbop binary the agents run.
  NodeAgentProcesses(std::filesystem::path home, PortRange ports, std::string program);

  Result<NodeAddress> place(const NodeId& id, const nlohmann::json& mariadb) override;
  std::vector<int> placed_indices(const std::string& namespace_,
                                  const std::string& mariadb) override;
  Result<bool> remove(const NodeId& id, bool purge) override;

  Result<bool> copy_data(const NodeId& from, const NodeId& to) override;
  void clean_backup_run(const std::string& namespace_, const std::string& run) override;

 protected:
  Result<AgentEndpoint> reach_agent(const NodeId& id) override;
  bool agent_running(const NodeId& id) override;
  Result<TlsFiles> client_identity() override;
  // The machine's own look is as true as the agent's.
  NodeSnapshot observe_unreached(const NodeId& id, const std::string& root_password) override;
  NodeProcess process_unreached(const NodeId& id) override;

 private:
  std::string program_;
  LocalRuntime runtime_;
};

}  // namespace mdbop
