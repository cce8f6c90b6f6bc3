// When a kubelet runs a container's probes and what their results mean, as pure decisions:
// the timings of a probe with Kubernetes' defaults, when the next run is due, and the result
// a run of successes and failures gives against the thresholds.
#pragma once

#include <chrono>
#include <optional>

#include <nlohmann/json.hpp>

namespace mdbop::kubelet {

using Clock = std::chrono::steady_clock;

struct ProbeTiming {
  std::chrono::seconds initial_delay{0};
  std::chrono::seconds period{10};
  std::chrono::seconds timeout{1};
  int success_threshold = 1;
  int failure_threshold = 3;
};

// A probe's timings: its initialDelaySeconds, periodSeconds, timeoutSeconds, successThreshold
// and failureThreshold, each defaulted as the API server does (0, 10, 1, 1, 3).
ProbeTiming probe_timing(const nlohmann::json& probe);

// What a probe says so far. `result` starts as the kubelet starts it: a startup probe's and a
// readiness probe's as failure (not started, not ready), a liveness probe's as success.
struct ProbeRecord {
  bool result = false;
  int successes = 0;  // consecutive, including the last run
  int failures = 0;
};

// The record after one more run: the result becomes success after successThreshold consecutive
// successes and failure after failureThreshold consecutive failures; in between it stays.
ProbeRecord record_probe(const ProbeTiming& timing, ProbeRecord record, bool success);

// When the next run is due: initialDelaySeconds after the container started, then a period
// after the previous run began.
Clock::time_point next_probe_time(const ProbeTiming& timing, Clock::time_point container_started,
                                  std::optional<Clock::time_point> last_run);

}  // namespace mdbop::kubelet

namespace mdbop::kubelet {

// The port a probe handler names: a number, or the name of one of the container's ports;
// nullopt when neither.
std::optional<int> probe_port(const nlohmann::json& port, const nlohmann::json& container);

}  // namespace mdbop::kubelet
