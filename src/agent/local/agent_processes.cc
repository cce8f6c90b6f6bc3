#include "agent/local/agent_processes.h"

namespace mdbop {

NodeAgentProcesses::NodeAgentProcesses(std::filesystem::path home, PortRange ports,
                                       std::string program)
    : program_(std::move(program)), runtime_(home, ports), machine_(home, ports) {}

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
  return machine_.observe(id, root_password);
}

NodeProcess NodeAgentProcesses::process_unreached(const NodeId& id) { return machine_.process(id); }

Result<NodeAddress> NodeAgentProcesses::place(const NodeId& id, const nlohmann::json& mariadb) {
  auto address = machine_.place(id, mariadb);
  if (!address) return address;
  if (auto agent = agent_of(id); !agent) return tl::unexpected(agent.error());
  return address;
}

std::vector<int> NodeAgentProcesses::placed_indices(const std::string& namespace_,
                                                    const std::string& mariadb) {
  return machine_.placed_indices(namespace_, mariadb);
}

Result<bool> NodeAgentProcesses::remove(const NodeId& id, bool purge) {
  forget_node(id);
  return machine_.remove(id, purge);  // which stops the agent too
}

Result<bool> NodeAgentProcesses::copy_data(const NodeId& from, const NodeId& to) {
  return through_agent<bool>(to, [&](AgentClient& agent) { return agent.copy_data_from(from); });
}

void NodeAgentProcesses::clean_backup_run(const std::string& namespace_, const std::string& run) {
  machine_.clean_backup_run(namespace_, run);
}

Result<std::unique_ptr<ByteSink>> NodeAgentProcesses::receive_backup(
    const ReceivedBackup& received) {
  return machine_.receive_backup(received);
}

Result<bool> NodeAgentProcesses::prepare_received(const ReceivedBackup& received,
                                                  const std::vector<std::string>& options,
                                                  const std::function<bool()>& should_stop) {
  return machine_.prepare_received(received, options, should_stop);
}

Result<std::unique_ptr<ByteSink>> NodeAgentProcesses::receive_incremental(
    const ReceivedBackup& received) {
  return machine_.receive_incremental(received);
}

Result<bool> NodeAgentProcesses::apply_received_incremental(
    const ReceivedBackup& received, const std::vector<std::string>& options,
    const std::function<bool()>& should_stop) {
  return machine_.apply_received_incremental(received, options, should_stop);
}

Result<GaleraPosition> NodeAgentProcesses::recover_received_position(
    const ReceivedBackup& received) {
  return machine_.recover_received_position(received);
}

Result<std::string> NodeAgentProcesses::replay_binlog_into_received(
    const ReceivedBackup& received,
    const std::function<Result<std::optional<std::string>>()>& next_file,
    const std::function<bool()>& should_stop) {
  return machine_.replay_binlog_into_received(received, next_file, should_stop);
}

Result<bool> NodeAgentProcesses::install_received(const NodeId& id,
                                                  const ReceivedBackup& received) {
  return machine_.install_received(id, received);
}

void NodeAgentProcesses::discard_received(const ReceivedBackup& received) {
  machine_.discard_received(received);
}

std::string NodeAgentProcesses::describe_received(const ReceivedBackup& received) {
  return machine_.describe_received(received);
}

}  // namespace mdbop
