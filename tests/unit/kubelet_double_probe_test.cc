// The kubelet double's probe decisions (timings with Kubernetes' defaults, thresholds, when a
// run is due, named ports) and its restart policy and back-off.
#include <gtest/gtest.h>

#include "kubelet_double/probe_timing.h"
#include "kubelet_double/restart_policy.h"

namespace mdbop::kubelet {
namespace {

using json = nlohmann::json;
using namespace std::chrono_literals;

TEST(KubeletDoubleProbeTest, TimingsDefaultAsTheApiServerDoes) {
  const ProbeTiming defaults = probe_timing(json::object());
  EXPECT_EQ(defaults.initial_delay, 0s);
  EXPECT_EQ(defaults.period, 10s);
  EXPECT_EQ(defaults.timeout, 1s);
  EXPECT_EQ(defaults.success_threshold, 1);
  EXPECT_EQ(defaults.failure_threshold, 3);
  const ProbeTiming given = probe_timing(json::parse(
      R"({"initialDelaySeconds":5,"periodSeconds":2,"timeoutSeconds":3,"successThreshold":2,
          "failureThreshold":1})"));
  EXPECT_EQ(given.initial_delay, 5s);
  EXPECT_EQ(given.period, 2s);
  EXPECT_EQ(given.timeout, 3s);
  EXPECT_EQ(given.success_threshold, 2);
  EXPECT_EQ(given.failure_threshold, 1);
}

TEST(KubeletDoubleProbeTest, ResultFlipsOnlyAtItsThreshold) {
  ProbeTiming timing;
  timing.success_threshold = 2;
  timing.failure_threshold = 3;
  ProbeRecord readiness;  // starts as failure
  readiness = record_probe(timing, readiness, true);
  EXPECT_FALSE(readiness.result);
  readiness = record_probe(timing, readiness, true);
  EXPECT_TRUE(readiness.result);
  readiness = record_probe(timing, readiness, false);
  readiness = record_probe(timing, readiness, false);
  EXPECT_TRUE(readiness.result);
  readiness = record_probe(timing, readiness, true);  // a success resets the failures
  readiness = record_probe(timing, readiness, false);
  readiness = record_probe(timing, readiness, false);
  EXPECT_TRUE(readiness.result);
  readiness = record_probe(timing, readiness, false);
  EXPECT_FALSE(readiness.result);
  EXPECT_EQ(readiness.failures, 3);
}

TEST(KubeletDoubleProbeTest, RunsAreDueAfterTheDelayThenEachPeriod) {
  ProbeTiming timing;
  timing.initial_delay = 5s;
  timing.period = 2s;
  const Clock::time_point started{100s};
  EXPECT_EQ(next_probe_time(timing, started, std::nullopt), Clock::time_point{105s});
  EXPECT_EQ(next_probe_time(timing, started, Clock::time_point{106s}), Clock::time_point{108s});
}

TEST(KubeletDoubleProbeTest, PortsByNumberOrContainerPortName) {
  const json container =
      json::parse(R"({"ports":[{"name":"http","containerPort":8080},{"name":"x"}]})");
  EXPECT_EQ(probe_port(8081, container), 8081);
  EXPECT_EQ(probe_port("http", container), 8080);
  EXPECT_EQ(probe_port("nope", container), std::nullopt);
  EXPECT_EQ(probe_port(json(), container), std::nullopt);
}

TEST(KubeletDoubleRestartTest, PolicyDecidesWhetherAContainerRunsAgain) {
  EXPECT_EQ(restart_policy(json::object()), RestartPolicy::kAlways);
  EXPECT_EQ(restart_policy(json{{"restartPolicy", "Never"}}), RestartPolicy::kNever);
  EXPECT_EQ(restart_policy(json{{"restartPolicy", "OnFailure"}}), RestartPolicy::kOnFailure);
  EXPECT_TRUE(restarts(RestartPolicy::kAlways, 0, false));
  EXPECT_TRUE(restarts(RestartPolicy::kAlways, 1, false));
  EXPECT_FALSE(restarts(RestartPolicy::kOnFailure, 0, false));
  EXPECT_TRUE(restarts(RestartPolicy::kOnFailure, 137, false));
  EXPECT_FALSE(restarts(RestartPolicy::kNever, 1, false));
  // Init containers: a success is final; a failure runs again unless the policy is Never.
  EXPECT_FALSE(restarts(RestartPolicy::kAlways, 0, true));
  EXPECT_TRUE(restarts(RestartPolicy::kAlways, 1, true));
  EXPECT_FALSE(restarts(RestartPolicy::kNever, 1, true));
}

TEST(KubeletDoubleRestartTest, BackOffStartsAtOnceThenDoublesFromTenToForty) {
  EXPECT_EQ(restart_delay(0), 0s);
  EXPECT_EQ(restart_delay(1), 10s);
  EXPECT_EQ(restart_delay(2), 20s);
  EXPECT_EQ(restart_delay(3), 40s);
  EXPECT_EQ(restart_delay(30), 40s);
}

}  // namespace
}  // namespace mdbop::kubelet
