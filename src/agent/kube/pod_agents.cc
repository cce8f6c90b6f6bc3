#include "agent/kube/pod_agents.h"

#include <spdlog/spdlog.h>

#include "runtime/kube/node_pod.h"
#include "util/json_text.h"

namespace mdbop {
namespace {

using json = nlohmann::json;

}  // namespace

PodAgentState pod_agent_state(const json& pod) {
  PodAgentState state;
  // What the API server answers is read without trusting its shape (object_at, text_at).
  const json status = object_at(pod, "status");
  if (object_at(pod, "metadata").contains("deletionTimestamp")) {
    state.why_not = "the pod is being deleted";
    return state;
  }
  const json containers = status.value("containerStatuses", json::array());
  for (const json& container : containers.is_array() ? containers : json::array()) {
    if (text_at(container, "name") != "mariadb") continue;
    const json container_state = object_at(container, "state");
    const json started = container.value("started", json(false));
    state.container_running = container_state.contains("running");
    state.serving = state.container_running && started.is_boolean() && started.get<bool>();
    if (!state.serving) {
      const json waiting = object_at(container_state, "waiting");
      const json terminated = object_at(container_state, "terminated");
      std::string reason = text_at(waiting, "reason");
      if (reason.empty()) reason = text_at(terminated, "reason");
      state.why_not = "its container is " + (state.container_running ? std::string("starting")
                                             : reason.empty()        ? "not running"
                                                                     : reason);
    }
    return state;
  }
  state.why_not = "the pod is " + (status.contains("phase") ? text_at(status, "phase")
                                                            : std::string("not scheduled"));
  return state;
}

PodAgents::PodAgents(std::shared_ptr<PodRuntime> runtime, std::filesystem::path private_dir)
    : runtime_(std::move(runtime)), private_dir_(std::move(private_dir)) {}

Result<NodeAddress> PodAgents::place(const NodeId& id, const json& mariadb) {
  auto pod = runtime_->ensure_node(mariadb, id);
  if (!pod) return tl::unexpected(pod.error());
  {
    std::lock_guard lock(placed_mutex_);
    if (pod->outdated_uid.empty() && pod->storage_resizing.empty() &&
        pod->storage_refused.empty()) {
      placed_.erase(id.qualified_pod());
    } else {
      placed_[id.qualified_pod()] = *pod;
    }
  }
  const MariaDBSpec spec = mariadb_spec_from(mariadb);
  return NodeAddress{runtime_->agent_host(id), spec.port,      PodPorts::kGalera,
                     PodPorts::kIst,           PodPorts::kSst, PodPorts::kMetrics};
}

std::vector<int> PodAgents::placed_indices(const std::string& namespace_,
                                           const std::string& mariadb) {
  auto indices = runtime_->node_indices(namespace_, mariadb);
  if (indices) return *indices;
  spdlog::warn("mariadb={}/{} listing its nodes' claims: {}", namespace_, mariadb,
               indices.error().message);
  return {};
}

bool PodAgents::place_outdated(const NodeId& id) {
  std::lock_guard lock(placed_mutex_);
  auto found = placed_.find(id.qualified_pod());
  return found != placed_.end() && !found->second.outdated_uid.empty();
}

PlaceShortfall PodAgents::place_shortfall(const NodeId& id) {
  std::lock_guard lock(placed_mutex_);
  auto found = placed_.find(id.qualified_pod());
  if (found == placed_.end()) return {};
  return {found->second.storage_resizing, found->second.storage_refused};
}

Result<bool> PodAgents::renew_place(const NodeId& id) {
  std::string uid;
  {
    std::lock_guard lock(placed_mutex_);
    auto found = placed_.find(id.qualified_pod());
    if (found == placed_.end() || found->second.outdated_uid.empty()) return false;
    uid = found->second.outdated_uid;
  }
  // The pod's agent stops with it; the one of the pod made again is another.
  forget_node(id);
  if (auto replaced = runtime_->replace_pod(id, uid); !replaced) {
    return tl::unexpected(replaced.error());
  }
  std::lock_guard lock(placed_mutex_);
  placed_.erase(id.qualified_pod());
  return true;
}

Result<bool> PodAgents::remove(const NodeId& id, bool purge) {
  forget_node(id);
  {
    std::lock_guard lock(placed_mutex_);
    placed_.erase(id.qualified_pod());
  }
  return runtime_->remove_node(id, purge);
}

Result<AgentEndpoint> PodAgents::reach_agent(const NodeId& id) {
  auto pod = runtime_->find_pod(id);
  if (!pod) return tl::unexpected(pod.error());
  if (!*pod) return fail(ErrorCode::kNotFound, "pod " + id.qualified_pod() + " does not exist");
  const PodAgentState state = pod_agent_state(**pod);
  if (!state.serving) {
    return fail(ErrorCode::kUnavailable,
                "the agent of pod " + id.qualified_pod() + " does not serve yet: " + state.why_not);
  }
  return AgentEndpoint{runtime_->agent_host(id), PodPorts::kAgent};
}

bool PodAgents::agent_running(const NodeId& id) {
  auto pod = runtime_->find_pod(id);
  return pod && *pod && pod_agent_state(**pod).container_running;
}

Result<TlsFiles> PodAgents::client_identity() { return runtime_->operator_identity(private_dir_); }

NodeSnapshot PodAgents::observe_unreached(const NodeId& id, const std::string&) {
  NodeSnapshot seen;
  seen.process.running = true;
  std::string why = "its agent does not answer";
  if (auto pod = runtime_->find_pod(id); !pod) {
    why = pod.error().message;
  } else if (!*pod) {
    why = "the pod does not exist (it is made again)";
  } else if (const PodAgentState state = pod_agent_state(**pod); !state.serving) {
    why = state.why_not;
  }
  // Shown in status.nodes[].details: the user sees why the node is not looked at.
  seen.process.details = {{"pod", id.pod()}, {"unreachable", why}};
  return seen;
}

NodeProcess PodAgents::process_unreached(const NodeId& id) {
  return observe_unreached(id, "").process;
}

bool PodAgents::without_serving_agent(const NodeId& id, const Error& error) {
  if (error.code != ErrorCode::kUnavailable && error.code != ErrorCode::kNotFound) return false;
  auto pod = runtime_->find_pod(id);
  return pod && (!*pod || !pod_agent_state(**pod).serving);
}

Result<bool> PodAgents::run_exporter(const NodeId& id, const ExporterCredentials& credentials) {
  auto ran = RemoteNodeAgent::run_exporter(id, credentials);
  if (!ran && without_serving_agent(id, ran.error())) return false;
  return ran;
}

Result<bool> PodAgents::stop_exporter(const NodeId& id) {
  auto stopped = RemoteNodeAgent::stop_exporter(id);
  if (!stopped && without_serving_agent(id, stopped.error())) return false;
  return stopped;
}

Result<bool> PodAgents::copy_data(const NodeId& from, const NodeId& to) {
  // From one pod's agent to the other's, through the operator: the pods need not reach each
  // other's agents (only the operator holds a client identity).
  auto taking = take_data(to);
  if (!taking) return tl::unexpected(taking.error());
  if (auto sent = send_data(from, **taking); !sent) return sent;
  if (auto taken = (*taking)->finish(); !taken) return tl::unexpected(taken.error());
  return true;
}

void PodAgents::clean_backup_run(const std::string&, const std::string&) {}

}  // namespace mdbop
