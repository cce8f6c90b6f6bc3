#include "agent/kube/pod_agents.h"

#include <spdlog/spdlog.h>

#include "runtime/kube/node_pod.h"
#include "util/json_text.h"

namespace mdbop {
namespace {

using json = nlohmann::json;

tl::unexpected<Error> not_built(const std::string& what) {
  return fail(ErrorCode::kUnavailable,
              what + " is not built yet on Kubernetes (docs/kubernetes.md, \"Not built yet\")");
}

}  // namespace

PodAgentState pod_agent_state(const json& pod) {
  PodAgentState state;
  // What the API server answers is read without trusting its shape.
  const auto object_at = [](const json& parent, const char* key) {
    auto found = parent.is_object() ? parent.find(key) : parent.end();
    return found != parent.end() && found->is_object() ? *found : json::object();
  };
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
  if (auto made = runtime_->ensure_node(mariadb, id); !made) {
    return tl::unexpected(made.error());
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

Result<bool> PodAgents::remove(const NodeId& id, bool purge) {
  forget_node(id);
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

Result<bool> PodAgents::copy_data(const NodeId& from, const NodeId& to) {
  // From one pod's agent to the other's, through the operator: the pods need not reach each
  // other's agents (only the operator holds a client identity).
  auto taking = take_data(to);
  if (!taking) return tl::unexpected(taking.error());
  auto sent = send_data(from, **taking);
  if (!sent) return sent;
  if (auto taken = (*taking)->finish(); !taken) return tl::unexpected(taken.error());
  return true;
}

void PodAgents::clean_backup_run(const std::string&, const std::string&) {}

Result<std::unique_ptr<ByteSink>> PodAgents::receive_backup(const ReceivedBackup&) {
  return not_built("receiving a backup for a restore or a check");
}

Result<bool> PodAgents::prepare_received(const ReceivedBackup&, const std::vector<std::string>&,
                                         const std::function<bool()>&) {
  return not_built("preparing a received backup");
}

Result<std::unique_ptr<ByteSink>> PodAgents::receive_incremental(const ReceivedBackup&) {
  return not_built("receiving an incremental backup");
}

Result<bool> PodAgents::apply_received_incremental(const ReceivedBackup&,
                                                   const std::vector<std::string>&,
                                                   const std::function<bool()>&) {
  return not_built("applying an incremental backup");
}

Result<GaleraPosition> PodAgents::recover_received_position(const ReceivedBackup&) {
  return not_built("reading a received backup's position");
}

Result<std::string> PodAgents::replay_binlog_into_received(
    const ReceivedBackup&, const std::function<Result<std::optional<std::string>>()>&,
    const std::function<bool()>&) {
  return not_built("replaying binary logs into a received backup");
}

Result<bool> PodAgents::install_received(const NodeId&, const ReceivedBackup&) {
  return not_built("installing a received backup");
}

void PodAgents::discard_received(const ReceivedBackup&) {}

std::string PodAgents::describe_received(const ReceivedBackup& received) {
  return "the backup received for " + received.namespace_ + "/" + received.name;
}

}  // namespace mdbop
