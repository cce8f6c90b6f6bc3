#include "agent/remote/remote_node_agent.h"

#include <spdlog/spdlog.h>

namespace mdbop {

RemoteNodeAgent::~RemoteNodeAgent() {
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

Result<std::shared_ptr<AgentClient>> RemoteNodeAgent::agent_of(const NodeId& id) {
  TlsFiles tls;
  {
    std::lock_guard lock(agents_mutex_);
    join_finished_retired();
    if (auto found = agents_.find(id.qualified_pod()); found != agents_.end()) {
      return found->second->client;
    }
    if (client_tls_.key.empty()) {
      auto made = client_identity();
      if (!made) return tl::unexpected(made.error());
      client_tls_ = *made;
    }
    tls = client_tls_;
  }
  // Outside the lock: reaching an agent can take seconds, and the other nodes' calls go on.
  auto endpoint = reach_agent(id);
  if (!endpoint) return tl::unexpected(endpoint.error());
  std::lock_guard lock(agents_mutex_);
  if (auto found = agents_.find(id.qualified_pod()); found != agents_.end()) {
    return found->second->client;  // another call got there first, to the same agent
  }
  auto agent = std::make_unique<Agent>();
  agent->client = std::make_shared<AgentClient>(id, *endpoint, tls);
  Agent& started = *agent;  // stays where it is: the map holds it by pointer
  agent->exits = std::thread([this, &started] { follow_exits(started); });
  auto client = agent->client;
  agents_[id.qualified_pod()] = std::move(agent);
  return client;
}

void RemoteNodeAgent::forget_node(const NodeId& id) {
  forget_agent(id);
  std::lock_guard lock(agents_mutex_);
  exit_cursors_.erase(id.qualified_pod());
}

void RemoteNodeAgent::forget_agent(const NodeId& id) {
  std::lock_guard lock(agents_mutex_);
  auto found = agents_.find(id.qualified_pod());
  if (found == agents_.end()) return;
  found->second->stopping = true;
  retired_.push_back(std::move(found->second));
  agents_.erase(found);
}

void RemoteNodeAgent::join_finished_retired() {
  std::erase_if(retired_, [](std::unique_ptr<Agent>& agent) {
    if (!agent->finished) return false;
    agent->exits.join();  // returned already: at once
    return true;
  });
}

void RemoteNodeAgent::report_agent_gone(const NodeId& id, const Error& why) {
  spdlog::warn("node={} the node's agent is gone ({}); reaching it again", id.qualified_pod(),
               why.message);
}

void RemoteNodeAgent::follow_exits(Agent& agent) {
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

void RemoteNodeAgent::watch_exits(std::function<void(const NodeExit&)> on_exit) {
  std::lock_guard lock(delivery_mutex_);
  on_exit_ = std::move(on_exit);
}

NodeSnapshot RemoteNodeAgent::observe(const NodeId& id, const std::string& root_password) {
  auto seen = through_agent<NodeSnapshot>(
      id, [&](AgentClient& agent) { return agent.observe(root_password); });
  if (seen) return *seen;
  // The place's own look, never a guess of a stopped node. (A node without a place, looked at
  // once more as it is removed, has no agent to ask.)
  if (!is_not_found(seen.error())) {
    spdlog::warn("node={} observed without its agent: {}", id.qualified_pod(),
                 seen.error().message);
  }
  return observe_unreached(id, root_password);
}

NodeProcess RemoteNodeAgent::process(const NodeId& id) {
  auto seen = through_agent<NodeProcess>(id, [&](AgentClient& agent) { return agent.process(); });
  if (seen) return *seen;
  if (!is_not_found(seen.error())) {
    spdlog::warn("node={} looked at without its agent: {}", id.qualified_pod(),
                 seen.error().message);
  }
  return process_unreached(id);
}

std::string RemoteNodeAgent::startup_failure(const NodeId& id) {
  auto said =
      through_agent<std::string>(id, [&](AgentClient& agent) { return agent.startup_failure(); });
  return said ? *said : std::string();
}

Result<std::string> RemoteNodeAgent::read_error_log(const NodeId& id, std::uint64_t from) {
  return through_agent<std::string>(id,
                                    [&](AgentClient& agent) { return agent.read_error_log(from); });
}

Result<std::unique_ptr<SqlSession>> RemoteNodeAgent::open_sql(const NodeId& id,
                                                              const std::string& root_password,
                                                              std::chrono::seconds timeout) {
  return through_agent<std::unique_ptr<SqlSession>>(
      id, [&](AgentClient& agent) { return agent.open_sql(root_password, timeout); });
}

Result<bool> RemoteNodeAgent::configure(const NodeId& id, const ClusterConfig& config) {
  return through_agent<bool>(id, [&](AgentClient& agent) { return agent.configure(config); });
}

Result<NodeAgent::Started> RemoteNodeAgent::start(const NodeId& id, StartMode mode,
                                                  NodeAccess access, const std::string& sst_donor) {
  return through_agent<Started>(
      id, [&](AgentClient& agent) { return agent.start(mode, access, sst_donor); });
}

Result<bool> RemoteNodeAgent::stop(const NodeId& id, std::chrono::seconds grace) {
  return through_agent<bool>(id, [&](AgentClient& agent) { return agent.stop(grace); });
}

Result<bool> RemoteNodeAgent::run_exporter(const NodeId& id,
                                           const ExporterCredentials& credentials) {
  return through_agent<bool>(id,
                             [&](AgentClient& agent) { return agent.run_exporter(credentials); });
}

Result<bool> RemoteNodeAgent::stop_exporter(const NodeId& id) {
  return through_agent<bool>(id, [&](AgentClient& agent) { return agent.stop_exporter(); });
}

Result<GaleraPosition> RemoteNodeAgent::recover_position(const NodeId& id) {
  return through_agent<GaleraPosition>(
      id, [&](AgentClient& agent) { return agent.recover_position(); });
}

Result<bool> RemoteNodeAgent::write_grastate(const NodeId& id, const GraState& state) {
  return through_agent<bool>(id, [&](AgentClient& agent) { return agent.write_grastate(state); });
}

Result<bool> RemoteNodeAgent::initialize_data(const NodeId& id) {
  return through_agent<bool>(id, [&](AgentClient& agent) { return agent.initialize_data(); });
}

Result<bool> RemoteNodeAgent::wipe_data(const NodeId& id) {
  return through_agent<bool>(id, [&](AgentClient& agent) { return agent.wipe_data(); });
}

Result<bool> RemoteNodeAgent::send_data(const NodeId& id, ByteSink& out) {
  auto agent = agent_of(id);
  if (!agent) return tl::unexpected(agent.error());
  return (*agent)->send_data(out);
}

Result<std::unique_ptr<ByteSink>> RemoteNodeAgent::take_data(const NodeId& id) {
  auto agent = agent_of(id);
  if (!agent) return tl::unexpected(agent.error());
  return (*agent)->take_data();
}

Result<bool> RemoteNodeAgent::set_aside_data(const NodeId& id, const std::string& tag) {
  return through_agent<bool>(id, [&](AgentClient& agent) { return agent.set_aside_data(tag); });
}

Result<bool> RemoteNodeAgent::return_aside_data(const NodeId& id, const std::string& tag) {
  return through_agent<bool>(id, [&](AgentClient& agent) { return agent.return_aside_data(tag); });
}

Result<bool> RemoteNodeAgent::discard_aside_data(const NodeId& id, const std::string& tag) {
  return through_agent<bool>(id, [&](AgentClient& agent) { return agent.discard_aside_data(tag); });
}

std::string RemoteNodeAgent::describe_aside(const NodeId& id, const std::string& tag) {
  auto said =
      through_agent<std::string>(id, [&](AgentClient& agent) { return agent.describe_aside(tag); });
  return said ? *said : id.pod() + "'s data set aside as " + tag;
}

Result<BackupSourceFacts> RemoteNodeAgent::stream_backup(const NodeId& id,
                                                         const BackupStreamRequest& request,
                                                         ByteSink& out,
                                                         const std::function<bool()>& should_stop) {
  auto agent = agent_of(id);
  if (!agent) return tl::unexpected(agent.error());
  return (*agent)->stream_backup(request, out, should_stop);
}

Result<std::string> RemoteNodeAgent::data_lineage(const NodeId& id) {
  return through_agent<std::string>(id, [&](AgentClient& agent) { return agent.data_lineage(); });
}

Result<bool> RemoteNodeAgent::follow_binlog(const NodeId& id, const std::string& root_password,
                                            const BinlogFollowRequest& request,
                                            const std::function<void(const BinlogEvent&)>& on_event,
                                            const std::function<bool()>& should_stop) {
  auto agent = agent_of(id);
  if (!agent) return tl::unexpected(agent.error());
  return (*agent)->follow_binlog(root_password, request, on_event, should_stop);
}

Result<std::unique_ptr<ByteSink>> RemoteNodeAgent::replay_sql(const NodeId& id,
                                                              const std::string& root_password,
                                                              const std::string& database) {
  auto agent = agent_of(id);
  if (!agent) return tl::unexpected(agent.error());
  return (*agent)->replay_sql(root_password, database);
}

Result<std::unique_ptr<ByteSink>> RemoteNodeAgent::receive_backup(const ReceivedBackup& received) {
  auto agent = agent_of(received.node);
  if (!agent) return tl::unexpected(agent.error());
  return (*agent)->receive_backup(received);
}

Result<bool> RemoteNodeAgent::prepare_received(const ReceivedBackup& received,
                                               const std::vector<std::string>& options,
                                               const std::function<bool()>& should_stop) {
  auto agent = agent_of(received.node);
  if (!agent) return tl::unexpected(agent.error());
  return (*agent)->prepare_received(received, options, should_stop);
}

Result<std::unique_ptr<ByteSink>> RemoteNodeAgent::receive_incremental(
    const ReceivedBackup& received) {
  auto agent = agent_of(received.node);
  if (!agent) return tl::unexpected(agent.error());
  return (*agent)->receive_incremental(received);
}

Result<bool> RemoteNodeAgent::apply_received_incremental(const ReceivedBackup& received,
                                                         const std::vector<std::string>& options,
                                                         const std::function<bool()>& should_stop) {
  auto agent = agent_of(received.node);
  if (!agent) return tl::unexpected(agent.error());
  return (*agent)->apply_received_incremental(received, options, should_stop);
}

Result<GaleraPosition> RemoteNodeAgent::recover_received_position(const ReceivedBackup& received) {
  return through_agent<GaleraPosition>(
      received.node, [&](AgentClient& agent) { return agent.recover_received_position(received); });
}

Result<std::string> RemoteNodeAgent::replay_binlog_into_received(
    const ReceivedBackup& received,
    const std::function<Result<std::optional<std::string>>()>& next_file,
    const std::function<bool()>& should_stop) {
  auto agent = agent_of(received.node);
  if (!agent) return tl::unexpected(agent.error());
  return (*agent)->replay_binlog_into_received(received, next_file, should_stop);
}

Result<bool> RemoteNodeAgent::install_received(const NodeId& id, const ReceivedBackup& received) {
  if (id.namespace_ != received.node.namespace_ || id.mariadb != received.node.mariadb ||
      id.index != received.node.index) {
    return fail(ErrorCode::kInvalid,
                "the backup was received and prepared in " + received.node.qualified_pod() +
                    " and can only be installed there, not in " + id.qualified_pod());
  }
  return through_agent<bool>(id,
                             [&](AgentClient& agent) { return agent.install_received(received); });
}

void RemoteNodeAgent::discard_received(const ReceivedBackup& received) {
  auto discarded = through_agent<bool>(
      received.node, [&](AgentClient& agent) { return agent.discard_received(received); });
  // A place that is gone took its receiving area with it.
  if (!discarded && discarded.error().code != ErrorCode::kNotFound) {
    spdlog::warn("discarding the backup received for {} in {}: {}", received.name,
                 received.node.qualified_pod(), discarded.error().message);
  }
}

std::string RemoteNodeAgent::describe_received(const ReceivedBackup& received) {
  auto said = through_agent<std::string>(
      received.node, [&](AgentClient& agent) { return agent.describe_received(received); });
  return said ? received.node.pod() + ":" + *said : "the receiving area of " + received.node.pod();
}

}  // namespace mdbop
