#include "agent/local/agent_processes.h"

#include <spdlog/spdlog.h>

namespace mdbop {

NodeAgentProcesses::NodeAgentProcesses(std::filesystem::path home, PortRange ports,
                                       std::string program)
    : program_(std::move(program)), runtime_(home, ports), machine_(home, ports) {}

NodeAgentProcesses::~NodeAgentProcesses() {
  watch_exits(nullptr);
  std::vector<std::unique_ptr<Agent>> agents;
  {
    std::lock_guard lock(agents_mutex_);
    for (auto& [pod, agent] : agents_) agents.push_back(std::move(agent));
    agents_.clear();
    for (auto& agent : retired_) agents.push_back(std::move(agent));
    retired_.clear();
  }
  for (auto& agent : agents) agent->stopping = true;
  for (auto& agent : agents) {
    if (agent->exits.joinable()) agent->exits.join();
  }
}

Result<std::shared_ptr<AgentClient>> NodeAgentProcesses::agent_of(const NodeId& id) {
  TlsFiles tls;
  {
    std::lock_guard lock(agents_mutex_);
    join_finished_retired();
    if (auto found = agents_.find(id.qualified_pod()); found != agents_.end()) {
      return found->second->client;
    }
    if (client_tls_.key.empty()) {
      auto made = runtime_.agent_client_tls();
      if (!made) return tl::unexpected(made.error());
      client_tls_ = *made;
    }
    tls = client_tls_;
  }
  // Outside the lock: starting an agent can take seconds, and the other nodes' calls go on.
  // (run_agent serialises two starts of the same node's agent.)
  auto process = runtime_.run_agent(id, program_);
  if (!process) return tl::unexpected(process.error());
  std::lock_guard lock(agents_mutex_);
  if (auto found = agents_.find(id.qualified_pod()); found != agents_.end()) {
    return found->second->client;  // another call got there first, to the same agent
  }
  auto agent = std::make_unique<Agent>();
  agent->client = std::make_shared<AgentClient>(id, AgentEndpoint{"127.0.0.1", process->port}, tls);
  Agent& started = *agent;  // stays where it is: the map holds it by pointer
  agent->exits = std::thread([this, &started] { follow_exits(started); });
  auto client = agent->client;
  agents_[id.qualified_pod()] = std::move(agent);
  return client;
}

void NodeAgentProcesses::forget_agent(const NodeId& id) {
  std::lock_guard lock(agents_mutex_);
  auto found = agents_.find(id.qualified_pod());
  if (found == agents_.end()) return;
  found->second->stopping = true;
  retired_.push_back(std::move(found->second));
  agents_.erase(found);
}

void NodeAgentProcesses::join_finished_retired() {
  std::erase_if(retired_, [](std::unique_ptr<Agent>& agent) {
    if (!agent->finished) return false;
    agent->exits.join();  // returned already: at once
    return true;
  });
}

template <class T>
Result<T> NodeAgentProcesses::through_agent(const NodeId& id,
                                            const std::function<Result<T>(AgentClient&)>& call) {
  for (int attempt = 0;; ++attempt) {
    auto client = agent_of(id);
    if (!client) return tl::unexpected(client.error());
    Result<T> result = call(**client);
    if (result || result.error().code != ErrorCode::kUnavailable || attempt > 0 ||
        runtime_.running_agent(id)) {
      return result;
    }
    spdlog::warn("node={} the node's agent is gone ({}); starting it again", id.qualified_pod(),
                 result.error().message);
    forget_agent(id);
  }
}

void NodeAgentProcesses::follow_exits(Agent& agent) {
  const std::string pod = agent.client->node().qualified_pod();
  ExitCursor cursor;
  {
    std::lock_guard lock(agents_mutex_);
    cursor = exit_cursors_[pod];
  }
  const auto stopping = [&] { return agent.stopping.load(); };
  while (!stopping()) {
    auto exits = agent.client->wait_for_exits(cursor.agent_instance, cursor.last, stopping);
    if (!exits) {
      // The agent is away; the next call on the node starts it again.
      for (int i = 0; i < 10 && !stopping(); ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
      }
      continue;
    }
    if (stopping()) break;
    cursor = {exits->agent_instance, exits->last};
    {
      std::lock_guard lock(agents_mutex_);
      exit_cursors_[pod] = cursor;
    }
    std::lock_guard lock(delivery_mutex_);
    if (!on_exit_) continue;
    for (const NodeExit& exit : exits->exits) on_exit_(exit);
  }
  agent.finished = true;
}

void NodeAgentProcesses::watch_exits(std::function<void(const NodeExit&)> on_exit) {
  std::lock_guard lock(delivery_mutex_);
  on_exit_ = std::move(on_exit);
}

Result<NodeAddress> NodeAgentProcesses::place(const NodeId& id) {
  auto address = machine_.place(id);
  if (!address) return address;
  if (auto agent = agent_of(id); !agent) return tl::unexpected(agent.error());
  return address;
}

std::vector<int> NodeAgentProcesses::placed_indices(const std::string& namespace_,
                                                    const std::string& mariadb) {
  return machine_.placed_indices(namespace_, mariadb);
}

Result<bool> NodeAgentProcesses::remove(const NodeId& id, bool purge) {
  forget_agent(id);
  {
    std::lock_guard lock(agents_mutex_);
    exit_cursors_.erase(id.qualified_pod());
  }
  return machine_.remove(id, purge);  // which stops the agent too
}

NodeSnapshot NodeAgentProcesses::observe(const NodeId& id, const std::string& root_password) {
  auto seen = through_agent<NodeSnapshot>(
      id, [&](AgentClient& agent) { return agent.observe(root_password); });
  if (seen) return *seen;
  // The machine's own look is as true as the agent's: never guess a stopped node. (A node
  // without a place, looked at once more as it is removed, has no agent to ask.)
  if (!is_not_found(seen.error())) {
    spdlog::warn("node={} observed without its agent: {}", id.qualified_pod(),
                 seen.error().message);
  }
  return machine_.observe(id, root_password);
}

NodeProcess NodeAgentProcesses::process(const NodeId& id) {
  auto seen = through_agent<NodeProcess>(id, [&](AgentClient& agent) { return agent.process(); });
  if (seen) return *seen;
  if (!is_not_found(seen.error())) {
    spdlog::warn("node={} looked at without its agent: {}", id.qualified_pod(),
                 seen.error().message);
  }
  return machine_.process(id);
}

std::string NodeAgentProcesses::startup_failure(const NodeId& id) {
  auto said =
      through_agent<std::string>(id, [&](AgentClient& agent) { return agent.startup_failure(); });
  return said ? *said : machine_.startup_failure(id);
}

Result<std::string> NodeAgentProcesses::read_error_log(const NodeId& id, std::uint64_t from) {
  return through_agent<std::string>(id,
                                    [&](AgentClient& agent) { return agent.read_error_log(from); });
}

Result<std::unique_ptr<SqlSession>> NodeAgentProcesses::open_sql(const NodeId& id,
                                                                 const std::string& root_password,
                                                                 std::chrono::seconds timeout) {
  return through_agent<std::unique_ptr<SqlSession>>(
      id, [&](AgentClient& agent) { return agent.open_sql(root_password, timeout); });
}

Result<bool> NodeAgentProcesses::configure(const NodeId& id, const ClusterConfig& config) {
  return through_agent<bool>(id, [&](AgentClient& agent) { return agent.configure(config); });
}

Result<NodeAgent::Started> NodeAgentProcesses::start(const NodeId& id, StartMode mode,
                                                     NodeAccess access,
                                                     const std::string& sst_donor) {
  return through_agent<Started>(
      id, [&](AgentClient& agent) { return agent.start(mode, access, sst_donor); });
}

Result<bool> NodeAgentProcesses::stop(const NodeId& id, std::chrono::seconds grace) {
  return through_agent<bool>(id, [&](AgentClient& agent) { return agent.stop(grace); });
}

Result<bool> NodeAgentProcesses::run_exporter(const NodeId& id,
                                              const ExporterCredentials& credentials) {
  return through_agent<bool>(id,
                             [&](AgentClient& agent) { return agent.run_exporter(credentials); });
}

Result<bool> NodeAgentProcesses::stop_exporter(const NodeId& id) {
  return through_agent<bool>(id, [&](AgentClient& agent) { return agent.stop_exporter(); });
}

Result<GaleraPosition> NodeAgentProcesses::recover_position(const NodeId& id) {
  return through_agent<GaleraPosition>(
      id, [&](AgentClient& agent) { return agent.recover_position(); });
}

Result<bool> NodeAgentProcesses::write_grastate(const NodeId& id, const GraState& state) {
  return through_agent<bool>(id, [&](AgentClient& agent) { return agent.write_grastate(state); });
}

Result<bool> NodeAgentProcesses::initialize_data(const NodeId& id) {
  return through_agent<bool>(id, [&](AgentClient& agent) { return agent.initialize_data(); });
}

Result<bool> NodeAgentProcesses::copy_data(const NodeId& from, const NodeId& to) {
  return through_agent<bool>(to, [&](AgentClient& agent) { return agent.copy_data_from(from); });
}

Result<bool> NodeAgentProcesses::wipe_data(const NodeId& id) {
  return through_agent<bool>(id, [&](AgentClient& agent) { return agent.wipe_data(); });
}

Result<bool> NodeAgentProcesses::set_aside_data(const NodeId& id, const std::string& tag) {
  return through_agent<bool>(id, [&](AgentClient& agent) { return agent.set_aside_data(tag); });
}

Result<bool> NodeAgentProcesses::return_aside_data(const NodeId& id, const std::string& tag) {
  return through_agent<bool>(id, [&](AgentClient& agent) { return agent.return_aside_data(tag); });
}

Result<bool> NodeAgentProcesses::discard_aside_data(const NodeId& id, const std::string& tag) {
  return through_agent<bool>(id, [&](AgentClient& agent) { return agent.discard_aside_data(tag); });
}

std::string NodeAgentProcesses::describe_aside(const NodeId& id, const std::string& tag) {
  auto said =
      through_agent<std::string>(id, [&](AgentClient& agent) { return agent.describe_aside(tag); });
  return said ? *said : machine_.describe_aside(id, tag);
}

Result<BackupSourceFacts> NodeAgentProcesses::stream_backup(
    const NodeId& id, const BackupStreamRequest& request, ByteSink& out,
    const std::function<bool()>& should_stop) {
  auto agent = agent_of(id);
  if (!agent) return tl::unexpected(agent.error());
  return (*agent)->stream_backup(request, out, should_stop);
}

Result<std::string> NodeAgentProcesses::data_lineage(const NodeId& id) {
  return through_agent<std::string>(id, [&](AgentClient& agent) { return agent.data_lineage(); });
}

void NodeAgentProcesses::clean_backup_run(const std::string& namespace_, const std::string& run) {
  machine_.clean_backup_run(namespace_, run);
}

Result<bool> NodeAgentProcesses::follow_binlog(
    const NodeId& id, const std::string& root_password, const BinlogFollowRequest& request,
    const std::function<void(const BinlogEvent&)>& on_event,
    const std::function<bool()>& should_stop) {
  auto agent = agent_of(id);
  if (!agent) return tl::unexpected(agent.error());
  return (*agent)->follow_binlog(root_password, request, on_event, should_stop);
}

Result<std::unique_ptr<ByteSink>> NodeAgentProcesses::replay_sql(const NodeId& id,
                                                                 const std::string& root_password,
                                                                 const std::string& database) {
  auto agent = agent_of(id);
  if (!agent) return tl::unexpected(agent.error());
  return (*agent)->replay_sql(root_password, database);
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
