#include "kubelet_double/restart_policy.h"

#include <algorithm>

namespace mdbop::kubelet {

RestartPolicy restart_policy(const nlohmann::json& pod_spec) {
  const std::string policy = pod_spec.value("restartPolicy", "Always");
  if (policy == "Never") return RestartPolicy::kNever;
  if (policy == "OnFailure") return RestartPolicy::kOnFailure;
  return RestartPolicy::kAlways;
}

bool restarts(RestartPolicy policy, int exit_code, bool init_container) {
  if (init_container || policy == RestartPolicy::kOnFailure) {
    return exit_code != 0 && policy != RestartPolicy::kNever;
  }
  return policy == RestartPolicy::kAlways;
}

std::chrono::seconds restart_delay(int restarts) {
  if (restarts <= 0) return std::chrono::seconds(0);
  const int doublings = std::min(restarts - 1, 2);
  return std::chrono::seconds(10 << doublings);
}

}  // namespace mdbop::kubelet
