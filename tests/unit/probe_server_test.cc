#include "agent/remote/probe_server.h"

#include <gtest/gtest.h>

#include <mutex>
#include <optional>
#include <thread>

#include <httplib.h>

#include "fake_node_agent.h"

namespace mdbop {
namespace {

using namespace std::chrono_literals;

TEST(NodeReadyTest, ReadyIsSyncedInThePrimaryComponentOrAnsweringWithoutGalera) {
  NodeSnapshot seen;
  seen.process.running = true;
  seen.wsrep.answers = true;
  seen.wsrep.cluster_status = "Primary";
  seen.wsrep.local_state = "Synced";
  EXPECT_TRUE(node_ready(seen));
  for (const char* state : {"Joining", "Joined", "Donor/Desynced", "Initialized"}) {
    seen.wsrep.local_state = state;
    EXPECT_FALSE(node_ready(seen)) << state;
  }
  seen.wsrep.local_state = "Synced";
  seen.wsrep.cluster_status = "non-Primary";
  EXPECT_FALSE(node_ready(seen));
  seen.wsrep.cluster_status = "";  // no Galera
  seen.wsrep.local_state = "";
  EXPECT_TRUE(node_ready(seen));
  seen.wsrep.answers = false;
  EXPECT_FALSE(node_ready(seen));
  seen.wsrep.answers = true;
  seen.process.running = false;
  EXPECT_FALSE(node_ready(seen));
}

class ProbeServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(agent_.place(node_, {}));
    auto port = probes_.bind("127.0.0.1", 0);
    ASSERT_TRUE(port) << port.error().what();
    port_ = *port;
    serving_ = std::thread([this] { probes_.serve(); });
  }
  void TearDown() override {
    probes_.stop();
    if (serving_.joinable()) serving_.join();
  }
  int status_of(const char* path) {
    httplib::Client client("127.0.0.1", port_);
    client.set_connection_timeout(5s);
    auto response = client.Get(path);
    return response ? response->status : -1;
  }
  void operator_looked_with(std::optional<std::string> password) {
    std::lock_guard lock(mutex_);
    password_ = std::move(password);
  }

  FakeNodeAgent agent_;
  const NodeId node_{"db", "galera", 0};
  std::mutex mutex_;
  std::optional<std::string> password_;
  ProbeServer probes_{agent_, node_, [this] {
                        std::lock_guard lock(mutex_);
                        return password_;
                      }};
  int port_ = 0;
  std::thread serving_;
};

TEST_F(ProbeServerTest, LivenessAndStartupAnswerWhateverTheServerDoes) {
  EXPECT_EQ(status_of("/startup"), 200);
  EXPECT_EQ(status_of("/live"), 200);
  EXPECT_EQ(status_of("/ready"), 503);  // stopped
  EXPECT_EQ(status_of("/nothing"), 404);
}

TEST_F(ProbeServerTest, ReadinessFollowsSyncedOnceTheOperatorHasGivenThePassword) {
  ASSERT_TRUE(agent_.start(node_, StartMode::kNewCluster, NodeAccess::kNetwork, ""));
  EXPECT_EQ(status_of("/ready"), 503) << "ready before the operator looked";
  operator_looked_with("");  // rootEmptyPassword: an empty password is a password
  EXPECT_EQ(status_of("/ready"), 200);
  ASSERT_TRUE(agent_.stop(node_, 1s));
  EXPECT_EQ(status_of("/ready"), 503);
  EXPECT_EQ(status_of("/live"), 200);
}

}  // namespace
}  // namespace mdbop
