// The Node objects the kubelet double registers: what the scheduler and the node lifecycle
// controller read of them.
#include <gtest/gtest.h>

#include "kubelet_double/node_registration.h"

namespace mdbop::kubelet {
namespace {

using json = nlohmann::json;
using namespace std::chrono_literals;

TEST(KubeletDoubleNodeTest, ANodeIsReadyWithItsCapacityAndLoopbackAddress) {
  const SysSeconds registered{std::chrono::sys_days{std::chrono::year{2026} / 12 / 3}};
  const json node = render_node("node-1", NodeCapacity{}, registered, registered + 20s);
  EXPECT_EQ(node["metadata"]["labels"]["kubernetes.io/hostname"], "node-1");
  EXPECT_EQ(node["metadata"]["labels"]["kubernetes.io/os"], "linux");
  const json& status = node["status"];
  EXPECT_EQ(status["allocatable"]["cpu"], "4");
  EXPECT_EQ(status["allocatable"]["memory"], "16Gi");
  EXPECT_EQ(status["allocatable"]["pods"], "110");
  EXPECT_EQ(status["capacity"], status["allocatable"]);
  EXPECT_EQ(status["addresses"][0], json::parse(R"({"type":"InternalIP","address":"127.0.0.1"})"));
  bool ready = false;
  for (const json& condition : status["conditions"]) {
    const bool is_ready = condition["type"] == "Ready";
    EXPECT_EQ(condition["status"], is_ready ? "True" : "False") << condition;
    EXPECT_EQ(condition["lastHeartbeatTime"], "2026-12-03T00:00:20Z");
    EXPECT_EQ(condition["lastTransitionTime"], "2026-12-03T00:00:00Z");
    ready |= is_ready;
  }
  EXPECT_TRUE(ready);
  const json small = render_node("n", NodeCapacity{"2", "4Gi", "10"}, registered, registered);
  EXPECT_EQ(small["status"]["capacity"]["memory"], "4Gi");
}

}  // namespace
}  // namespace mdbop::kubelet
