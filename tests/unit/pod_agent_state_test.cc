#include <gtest/gtest.h>

#include "agent/kube/pod_agents.h"

namespace mdbop {
namespace {

using json = nlohmann::json;

json pod_with(json container_status, json extra_status = json::object()) {
  json status = {{"phase", "Running"}, {"containerStatuses", json::array({container_status})}};
  status.update(extra_status);
  return {{"metadata", {{"name", "galera-0"}}}, {"status", status}};
}

TEST(PodAgentStateTest, TheAgentServesOnceItsContainerRunsAndHasStarted) {
  const PodAgentState serving = pod_agent_state(pod_with(
      {{"name", "mariadb"}, {"started", true}, {"state", {{"running", {{"startedAt", "x"}}}}}}));
  EXPECT_TRUE(serving.serving);
  EXPECT_TRUE(serving.container_running);
  EXPECT_EQ(serving.why_not, "");

  const PodAgentState starting = pod_agent_state(pod_with(
      {{"name", "mariadb"}, {"started", false}, {"state", {{"running", json::object()}}}}));
  EXPECT_FALSE(starting.serving);
  EXPECT_TRUE(starting.container_running);
  EXPECT_EQ(starting.why_not, "its container is starting");
}

TEST(PodAgentStateTest, WhyNotIsTheKubeletsReason) {
  const PodAgentState waiting = pod_agent_state(
      pod_with({{"name", "mariadb"}, {"state", {{"waiting", {{"reason", "CrashLoopBackOff"}}}}}}));
  EXPECT_FALSE(waiting.container_running);
  EXPECT_EQ(waiting.why_not, "its container is CrashLoopBackOff");
  const PodAgentState pending =
      pod_agent_state({{"metadata", json::object()}, {"status", {{"phase", "Pending"}}}});
  EXPECT_EQ(pending.why_not, "the pod is Pending");
  const PodAgentState unscheduled = pod_agent_state({{"metadata", json::object()}});
  EXPECT_EQ(unscheduled.why_not, "the pod is not scheduled");
  json deleting =
      pod_with({{"name", "mariadb"}, {"started", true}, {"state", {{"running", json::object()}}}});
  deleting["metadata"]["deletionTimestamp"] = "2026-12-03T10:00:00Z";
  EXPECT_FALSE(pod_agent_state(deleting).serving);
  EXPECT_EQ(pod_agent_state(deleting).why_not, "the pod is being deleted");
}

TEST(PodAgentStateTest, OtherContainersAreNotTheAgent) {
  const PodAgentState other = pod_agent_state(
      pod_with({{"name", "sidecar"}, {"started", true}, {"state", {{"running", json::object()}}}}));
  EXPECT_FALSE(other.serving);
  EXPECT_EQ(other.why_not, "the pod is Running");
}

}  // namespace
}  // namespace mdbop
