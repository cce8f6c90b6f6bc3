// The pod status the kubelet double writes: phases, conditions keeping their transition times,
// container states.
#include <gtest/gtest.h>

#include "kubelet_double/pod_status.h"

namespace mdbop::kubelet {
namespace {

using json = nlohmann::json;
using Phase = ContainerState::Phase;
using namespace std::chrono_literals;

const SysSeconds kNow{std::chrono::sys_days{std::chrono::year{2026} / 12 / 3}};

ContainerState running(const std::string& name, bool ready) {
  ContainerState state;
  state.name = name;
  state.image = "img";
  state.phase = Phase::kRunning;
  state.pid = 42;
  state.started_at = kNow - 5s;
  state.started = true;
  state.ready = ready;
  return state;
}

ContainerState terminated(const std::string& name, int exit_code) {
  ContainerState state;
  state.name = name;
  state.phase = Phase::kTerminated;
  state.terminated = {exit_code, exit_code == 0 ? "Completed" : "Error", kNow - 9s, kNow - 1s, 7};
  return state;
}

ContainerState waiting(const std::string& name) {
  ContainerState state;
  state.name = name;
  return state;
}

json condition(const json& status, const std::string& type) {
  for (const json& c : status["conditions"]) {
    if (c["type"] == type) return c;
  }
  return json();
}

TEST(KubeletDoubleStatusTest, PhaseFollowsInitContainersThenContainers) {
  PodState pod;
  pod.init_containers = {waiting("copy")};
  pod.containers = {waiting("main")};
  EXPECT_EQ(pod_phase(pod), "Pending");
  pod.init_containers = {terminated("copy", 0)};
  EXPECT_EQ(pod_phase(pod), "Pending");
  pod.containers = {running("main", false)};
  EXPECT_EQ(pod_phase(pod), "Running");
  // Waiting to run again (a back-off) is still Running.
  ContainerState again = waiting("main");
  again.last = Termination{1, "Error", kNow, kNow, 42};
  pod.containers = {again};
  EXPECT_EQ(pod_phase(pod), "Running");

  pod.policy = RestartPolicy::kNever;
  pod.containers = {terminated("main", 0)};
  EXPECT_EQ(pod_phase(pod), "Succeeded");
  pod.containers = {terminated("main", 0), terminated("side", 2)};
  EXPECT_EQ(pod_phase(pod), "Failed");
  pod.policy = RestartPolicy::kOnFailure;
  EXPECT_EQ(pod_phase(pod), "Running");
  pod.policy = RestartPolicy::kNever;
  pod.init_containers = {terminated("copy", 1)};
  pod.containers = {waiting("main")};
  EXPECT_EQ(pod_phase(pod), "Failed");
  pod.policy = RestartPolicy::kAlways;
  EXPECT_EQ(pod_phase(pod), "Pending");
}

TEST(KubeletDoubleStatusTest, ReadyConditionsFollowTheContainersAndKeepTransitionTimes) {
  PodState pod;
  pod.pod_ip = "127.0.1.4";
  pod.host_ip = "127.0.0.1";
  pod.start_time = kNow - 10s;
  pod.containers = {running("main", true)};
  const json current = json::parse(R"({"conditions":[
    {"type":"PodScheduled","status":"True","lastTransitionTime":"2026-12-01T00:00:00Z"},
    {"type":"Ready","status":"True","lastTransitionTime":"2026-12-02T00:00:00Z"},
    {"type":"ContainersReady","status":"False","lastTransitionTime":"2026-12-02T00:00:00Z"}]})");
  const json status = render_pod_status(pod, current, kNow);
  EXPECT_EQ(status["phase"], "Running");
  EXPECT_EQ(status["podIP"], "127.0.1.4");
  EXPECT_EQ(status["podIPs"], json::parse(R"([{"ip":"127.0.1.4"}])"));
  EXPECT_EQ(status["hostIP"], "127.0.0.1");
  EXPECT_EQ(status["startTime"], "2026-12-02T23:59:50Z");
  EXPECT_EQ(condition(status, "PodScheduled")["lastTransitionTime"], "2026-12-01T00:00:00Z");
  EXPECT_EQ(condition(status, "Ready")["status"], "True");
  EXPECT_EQ(condition(status, "Ready")["lastTransitionTime"], "2026-12-02T00:00:00Z");
  EXPECT_EQ(condition(status, "ContainersReady")["status"], "True");
  EXPECT_EQ(condition(status, "ContainersReady")["lastTransitionTime"], "2026-12-03T00:00:00Z");
  EXPECT_EQ(condition(status, "Initialized")["status"], "True");
  EXPECT_FALSE(status.contains("initContainerStatuses"));

  pod.containers = {running("main", false)};
  const json not_ready = render_pod_status(pod, current, kNow);
  EXPECT_EQ(condition(not_ready, "Ready")["status"], "False");
  EXPECT_EQ(condition(not_ready, "Ready")["reason"], "ContainersNotReady");
}

TEST(KubeletDoubleStatusTest, ContainerStatusesAsAKubeletWritesThem) {
  PodState pod;
  pod.init_containers = {terminated("copy", 0)};
  ContainerState main = running("main", true);
  main.restart_count = 1;
  main.last = Termination{137, "Error", kNow - 60s, kNow - 30s, 41};
  pod.containers = {main};
  const json status = render_pod_status(pod, json::object(), kNow);
  const json& init = status["initContainerStatuses"][0];
  EXPECT_EQ(init["state"]["terminated"]["exitCode"], 0);
  EXPECT_EQ(init["state"]["terminated"]["reason"], "Completed");
  const json& container = status["containerStatuses"][0];
  EXPECT_EQ(container["name"], "main");
  EXPECT_EQ(container["image"], "img");
  EXPECT_EQ(container["ready"], true);
  EXPECT_EQ(container["started"], true);
  EXPECT_EQ(container["restartCount"], 1);
  EXPECT_EQ(container["containerID"], "kubelet-double://42");
  EXPECT_EQ(container["state"]["running"]["startedAt"], "2026-12-02T23:59:55Z");
  EXPECT_EQ(container["lastState"]["terminated"]["exitCode"], 137);
  EXPECT_EQ(container["lastState"]["terminated"]["finishedAt"], "2026-12-02T23:59:30Z");

  ContainerState backing_off = waiting("main");
  backing_off.waiting_reason = "CrashLoopBackOff";
  backing_off.waiting_message = "back-off 10s";
  pod.containers = {backing_off};
  const json waiting_status = render_pod_status(pod, json::object(), kNow);
  EXPECT_EQ(waiting_status["containerStatuses"][0]["state"]["waiting"]["reason"],
            "CrashLoopBackOff");
  EXPECT_FALSE(waiting_status.contains("podIP"));
}

TEST(KubeletDoubleStatusTest, ACompletedPodIsNotReady) {
  PodState pod;
  pod.policy = RestartPolicy::kNever;
  pod.containers = {terminated("main", 0)};
  const json status = render_pod_status(pod, json::object(), kNow);
  EXPECT_EQ(status["phase"], "Succeeded");
  EXPECT_EQ(condition(status, "Ready")["status"], "False");
  EXPECT_EQ(condition(status, "Ready")["reason"], "PodCompleted");
}

}  // namespace
}  // namespace mdbop::kubelet
