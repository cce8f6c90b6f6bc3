// A pod's status as a kubelet writes it, from what the double observes of its containers: phase,
// conditions, init and container statuses, addresses and start time. Pure.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "kubelet_double/restart_policy.h"
#include "util/time_text.h"

namespace mdbop::kubelet {

struct Termination {
  int exit_code = 0;   // 128 + the signal when a signal ended it, as a container runtime says
  std::string reason;  // "Completed" (exit code 0) or "Error"
  SysSeconds started_at;
  SysSeconds finished_at;
  pid_t pid = 0;
};

// One container as the double sees it. `pid` names its process in containerID
// ("kubelet-double://<pid>"), so that a test can find it.
struct ContainerState {
  enum class Phase { kWaiting, kRunning, kTerminated };
  std::string name;
  std::string image;
  Phase phase = Phase::kWaiting;
  std::string waiting_reason = "ContainerCreating";  // kWaiting: also PodInitializing,
  std::string waiting_message;                       // CrashLoopBackOff, CreateContainerError
  SysSeconds started_at;                             // kRunning
  pid_t pid = 0;                                     // kRunning
  Termination terminated;                            // kTerminated
  std::optional<Termination> last;                   // the previous run, when there was one
  int restart_count = 0;
  bool ready = false;
  bool started = false;
};

struct PodState {
  RestartPolicy policy = RestartPolicy::kAlways;
  std::string pod_ip;  // empty until the pod has one
  std::string host_ip;
  std::optional<SysSeconds> start_time;
  std::vector<ContainerState> init_containers;
  std::vector<ContainerState> containers;
};

// Pending until every init container succeeded and every container has run; Running while a
// container runs or will run again; once none will: Succeeded when all exited 0, else Failed
// (also when an init container failed under restartPolicy Never).
std::string pod_phase(const PodState& pod);

// The status to write: `current` (the pod's status as stored) keeps its PodScheduled and other
// conditions the kubelet does not own; Initialized, ContainersReady and Ready are the double's,
// each keeping its lastTransitionTime while its status does not change.
nlohmann::json render_pod_status(const PodState& pod, const nlohmann::json& current,
                                 SysSeconds now);

}  // namespace mdbop::kubelet
