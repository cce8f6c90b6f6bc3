#include "agent/local/agent_processes.h"

namespace mdbop {

NodeAgentProcesses::NodeAgentProcesses(std::filesystem::path home, PortRange ports,
                                       std::string program)
    : ReceivingHere(home, ports), program_(std::move(program)), runtime_(home, ports) {}

Result<AgentEndpoint> NodeAgentProcesses::reach_agent(const NodeId& id) {
  // run_agent serialises two starts of the same node's agent.
  auto process = runtime_.run_agent(id, program_);
  if (!process) return tl::unexpected(process.error());
  return AgentEndpoint{"127.0.0.1", process->port};
}

bool NodeAgentProcesses::agent_running(const NodeId& id) {
  return runtime_.running_agent(id).has_value();
}

Result<TlsFiles> NodeAgentProcesses::client_identity() { return runtime_.agent_client_tls(); }

NodeSnapshot NodeAgentProcesses::observe_unreached(const NodeId& id,
                                                   const std::string& root_password) {
  return machine().observe(id, root_password);
}

NodeProcess NodeAgentProcesses::process_unreached(const NodeId& id) {
  return machine().process(id);
}

Result<NodeAddress> NodeAgentProcesses::place(const NodeId& id, const nlohmann::json& mariadb) {
  auto address = machine().place(id, mariadb);
  if (!address) return address;
  if (auto agent = agent_of(id); !agent) return tl::unexpected(agent.error());
  return address;
}

std::vector<int> NodeAgentProcesses::placed_indices(const std::string& namespace_,
                                                    const std::string& mariadb) {
  return machine().placed_indices(namespace_, mariadb);
}

Result<bool> NodeAgentProcesses::remove(const NodeId& id, bool purge) {
  forget_node(id);
  return machine().remove(id, purge);  // which stops the agent too
}

Result<bool> NodeAgentProcesses::copy_data(const NodeId& from, const NodeId& to) {
  return through_agent<bool>(to, [&](AgentClient& agent) { return agent.copy_data_from(from); });
}

void NodeAgentProcesses::clean_backup_run(const std::string& namespace_, const std::string& run) {
  machine().clean_backup_run(namespace_, run);
}

}  // namespace mdbop
