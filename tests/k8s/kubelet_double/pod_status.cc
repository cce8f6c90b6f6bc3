#include "kubelet_double/pod_status.h"

#include <algorithm>

namespace mdbop::kubelet {
namespace {

using json = nlohmann::json;
using Phase = ContainerState::Phase;

bool succeeded(const ContainerState& container) {
  return container.phase == Phase::kTerminated && container.terminated.exit_code == 0;
}

bool initialized(const PodState& pod) {
  return std::all_of(pod.init_containers.begin(), pod.init_containers.end(), succeeded);
}

json termination_json(const Termination& terminated) {
  return {{"terminated",
           {{"exitCode", terminated.exit_code},
            {"reason", terminated.reason},
            {"startedAt", format_rfc3339(terminated.started_at)},
            {"finishedAt", format_rfc3339(terminated.finished_at)},
            {"containerID", "kubelet-double://" + std::to_string(terminated.pid)}}}};
}

json container_status(const ContainerState& container) {
  json status = {
      {"name", container.name},
      {"image", container.image},
      {"imageID", ""},
      {"ready", container.ready},
      {"started", container.started},
      {"restartCount", container.restart_count},
      {"lastState", container.last ? termination_json(*container.last) : json::object()}};
  switch (container.phase) {
    case Phase::kWaiting: {
      json waiting = {{"reason", container.waiting_reason}};
      if (!container.waiting_message.empty()) waiting["message"] = container.waiting_message;
      status["state"] = {{"waiting", waiting}};
      break;
    }
    case Phase::kRunning:
      status["state"] = {{"running", {{"startedAt", format_rfc3339(container.started_at)}}}};
      status["containerID"] = "kubelet-double://" + std::to_string(container.pid);
      break;
    case Phase::kTerminated:
      status["state"] = termination_json(container.terminated);
      status["containerID"] = "kubelet-double://" + std::to_string(container.terminated.pid);
      break;
  }
  return status;
}

json condition(const json& current, const std::string& type, bool value, const std::string& reason,
               SysSeconds now) {
  const std::string status = value ? "True" : "False";
  std::string since = format_rfc3339(now);
  for (const json& kept : current.value("conditions", json::array())) {
    if (kept.value("type", "") == type && kept.value("status", "") == status) {
      since = kept.value("lastTransitionTime", since);
    }
  }
  json result = {{"type", type}, {"status", status}, {"lastTransitionTime", since}};
  if (!value && !reason.empty()) result["reason"] = reason;
  return result;
}

}  // namespace

std::string pod_phase(const PodState& pod) {
  for (const ContainerState& init : pod.init_containers) {
    if (init.phase == Phase::kTerminated && init.terminated.exit_code != 0 &&
        !restarts(pod.policy, init.terminated.exit_code, true)) {
      return "Failed";
    }
  }
  if (!initialized(pod)) return "Pending";
  bool running = false;
  bool failed = false;
  for (const ContainerState& container : pod.containers) {
    if (container.phase == Phase::kWaiting && !container.last) return "Pending";
    if (container.phase != Phase::kTerminated) {
      running = true;  // running, or waiting to run again
    } else if (restarts(pod.policy, container.terminated.exit_code, false)) {
      running = true;
    } else if (container.terminated.exit_code != 0) {
      failed = true;
    }
  }
  if (running) return "Running";
  return failed ? "Failed" : "Succeeded";
}

json render_pod_status(const PodState& pod, const json& current, SysSeconds now) {
  const std::string phase = pod_phase(pod);
  const bool done = phase == "Succeeded" || phase == "Failed";
  const bool init_done = initialized(pod);
  const bool all_ready =
      !done && init_done &&
      std::all_of(pod.containers.begin(), pod.containers.end(),
                  [](const ContainerState& container) { return container.ready; });
  const std::string not_ready =
      done ? "PodCompleted" : (init_done ? "ContainersNotReady" : "ContainersNotInitialized");

  json conditions = json::array();
  for (const json& kept : current.value("conditions", json::array())) {
    const std::string type = kept.value("type", "");
    if (type != "Initialized" && type != "ContainersReady" && type != "Ready") {
      conditions.push_back(kept);
    }
  }
  conditions.push_back(
      condition(current, "Initialized", init_done, "ContainersNotInitialized", now));
  conditions.push_back(condition(current, "ContainersReady", all_ready, not_ready, now));
  conditions.push_back(condition(current, "Ready", all_ready, not_ready, now));

  json status = {{"phase", phase},
                 {"conditions", conditions},
                 {"hostIP", pod.host_ip},
                 {"hostIPs", json::array({{{"ip", pod.host_ip}}})}};
  if (!pod.pod_ip.empty()) {
    status["podIP"] = pod.pod_ip;
    status["podIPs"] = json::array({{{"ip", pod.pod_ip}}});
  }
  if (pod.start_time) status["startTime"] = format_rfc3339(*pod.start_time);
  json init_statuses = json::array();
  for (const ContainerState& init : pod.init_containers) {
    init_statuses.push_back(container_status(init));
  }
  json statuses = json::array();
  for (const ContainerState& container : pod.containers) {
    statuses.push_back(container_status(container));
  }
  if (!pod.init_containers.empty()) status["initContainerStatuses"] = init_statuses;
  status["containerStatuses"] = statuses;
  return status;
}

}  // namespace mdbop::kubelet
