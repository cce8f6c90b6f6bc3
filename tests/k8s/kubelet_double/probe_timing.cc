#include "kubelet_double/probe_timing.h"

namespace mdbop::kubelet {

ProbeTiming probe_timing(const nlohmann::json& probe) {
  ProbeTiming timing;
  timing.initial_delay = std::chrono::seconds(probe.value("initialDelaySeconds", 0));
  timing.period = std::chrono::seconds(probe.value("periodSeconds", 10));
  timing.timeout = std::chrono::seconds(probe.value("timeoutSeconds", 1));
  timing.success_threshold = probe.value("successThreshold", 1);
  timing.failure_threshold = probe.value("failureThreshold", 3);
  return timing;
}

ProbeRecord record_probe(const ProbeTiming& timing, ProbeRecord record, bool success) {
  if (success) {
    ++record.successes;
    record.failures = 0;
    if (record.successes >= timing.success_threshold) record.result = true;
  } else {
    ++record.failures;
    record.successes = 0;
    if (record.failures >= timing.failure_threshold) record.result = false;
  }
  return record;
}

Clock::time_point next_probe_time(const ProbeTiming& timing, Clock::time_point container_started,
                                  std::optional<Clock::time_point> last_run) {
  if (!last_run) return container_started + timing.initial_delay;
  return *last_run + timing.period;
}

}  // namespace mdbop::kubelet

namespace mdbop::kubelet {

std::optional<int> probe_port(const nlohmann::json& port, const nlohmann::json& container) {
  if (port.is_number_integer()) return port.get<int>();
  if (!port.is_string()) return std::nullopt;
  for (const nlohmann::json& named : container.value("ports", nlohmann::json::array())) {
    if (named.value("name", "") == port.get<std::string>()) return named.value("containerPort", 0);
  }
  return std::nullopt;
}

}  // namespace mdbop::kubelet
