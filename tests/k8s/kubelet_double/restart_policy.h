// Whether and when a kubelet runs an exited container again: the pod's restartPolicy and a
// back-off between restarts. Pure.
//
// The back-off is the kubelet's shape with a shorter cap, so that tests of crash loops end in
// reasonable time: the first restart at once, then 10 s, doubling to at most 40 s (the real
// kubelet: at most 5 min). It never resets (the kubelet's resets after 10 min of running).
#pragma once

#include <chrono>

#include <nlohmann/json.hpp>

namespace mdbop::kubelet {

enum class RestartPolicy { kAlways, kOnFailure, kNever };

// spec.restartPolicy; Always when missing (the API server's default).
RestartPolicy restart_policy(const nlohmann::json& pod_spec);

// Whether a container that exited with `exit_code` runs again. An init container that succeeded
// never runs again, and one that failed runs again unless the policy is Never.
bool restarts(RestartPolicy policy, int exit_code, bool init_container);

// How long after its exit a container that has been restarted `restarts` times runs again.
std::chrono::seconds restart_delay(int restarts);

}  // namespace mdbop::kubelet
