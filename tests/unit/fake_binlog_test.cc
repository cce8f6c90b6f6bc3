// The fake agent's binary-log stream, which the archiver's unit tests will stand on.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "fake_node_agent.h"

namespace mdbop {
namespace {

class FakeBinlog : public ::testing::Test {
 protected:
  void SetUp() override {
    for (int i = 0; i < 2; ++i) {
      ASSERT_TRUE(agent.place(node(i), {}));
      ASSERT_TRUE(agent.initialize_data(node(i)));
    }
    ASSERT_TRUE(agent.start(node(0), StartMode::kNewCluster, NodeAccess::kNetwork, ""));
    ASSERT_TRUE(agent.start(node(1), StartMode::kJoin, NodeAccess::kNetwork, ""));
    agent.commit("ns", "g", 5);
  }
  static NodeId node(int index) { return NodeId{"ns", "g", index}; }
  static BinlogFollowRequest from(std::uint64_t sequence) {
    BinlogFollowRequest request;
    request.from = {Gtid{0, 1, sequence}};
    request.follower_server_id = 4000;
    return request;
  }

  FakeNodeAgent agent;
};

TEST_F(FakeBinlog, ServesTheTransactionsAfterTheGtidThenStops) {
  std::vector<std::string> gtids;
  std::vector<std::uint32_t> commit_times;
  auto followed = agent.follow_binlog(
      node(1), "pw", from(2),
      [&](const BinlogEvent& event) {
        if (event.gtid) gtids.push_back(event.gtid->text());
        if (event.ends_transaction) commit_times.push_back(event.timestamp);
      },
      [&] { return gtids.size() == 3; });
  ASSERT_TRUE(followed) << followed.error().message;
  EXPECT_EQ(gtids, (std::vector<std::string>{"0-1-3", "0-1-4", "0-1-5"}));
  EXPECT_EQ(commit_times.back(), FakeNodeAgent::kFakeBinlogEpoch + 5);
  EXPECT_EQ(agent.calls_starting("follow_binlog"),
            (std::vector<std::string>{"follow_binlog g-1 0-1-2"}));
}

TEST_F(FakeBinlog, WaitsForNewCommitsAndEndsWhenTheNodeCrashes) {
  std::atomic<std::uint64_t> last{0};
  std::thread writer([&] {
    while (last.load() < 5) std::this_thread::yield();
    agent.commit("ns", "g", 2);
    while (last.load() < 7) std::this_thread::yield();
    agent.crash(node(1));
  });
  auto followed = agent.follow_binlog(
      node(1), "pw", from(4),
      [&](const BinlogEvent& event) {
        if (event.gtid) last = event.gtid->sequence;
      },
      [] { return false; });
  writer.join();
  ASSERT_FALSE(followed);
  EXPECT_EQ(followed.error().code, ErrorCode::kUnavailable);
  EXPECT_EQ(last.load(), 7u);
}

TEST_F(FakeBinlog, RefusesAPositionItCannotServe) {
  auto never = [](const BinlogEvent&) { ADD_FAILURE() << "no event expected"; };
  auto beyond = agent.follow_binlog(node(1), "pw", from(9), never, [] { return false; });
  ASSERT_FALSE(beyond);
  EXPECT_EQ(beyond.error().code, ErrorCode::kNotFound);
  agent.purge_binlog(node(1), 3);
  auto purged = agent.follow_binlog(node(1), "pw", from(2), never, [] { return false; });
  ASSERT_FALSE(purged);
  EXPECT_EQ(purged.error().code, ErrorCode::kNotFound);
  agent.crash(node(0));
  auto stopped = agent.follow_binlog(node(0), "pw", from(5), never, [] { return false; });
  ASSERT_FALSE(stopped);
  EXPECT_EQ(stopped.error().code, ErrorCode::kUnavailable);
}

}  // namespace
}  // namespace mdbop
