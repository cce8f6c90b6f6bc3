// LeaderElection against a fake API server: it creates a missing Lease and renews it, waits
// while another holder renews, takes an expired Lease over (counting the transition), loses it
// when renewals fail for its deadline or another takes it, and gives it up when it stops.
#include "kube/leader_election.h"

#include <gtest/gtest.h>

#include "eventually.h"
#include "fake_api_server.h"

namespace mdbop {
namespace {

using namespace std::chrono_literals;

const std::string kLeasePath = "/apis/coordination.k8s.io/v1/namespaces/ops/leases/mdbop-operator";
const LeaseTiming kFast{3s, 1s, 2s};  // duration, renew every, renew deadline: a second to spare

// The Lease as the fake API server keeps it; "failing" answers 503 to everything.
struct LeaseServer {
  std::mutex mutex;
  json lease;  // null: none
  bool failing = false;
  int version = 0;

  std::optional<FakeApiServer::Answer> answer(const HttpRequest& request) {
    std::lock_guard lock(mutex);
    if (failing) return FakeApiServer::Answer{503, R"({"message":"unavailable"})"};
    if (request.method == "GET") {
      if (lease.is_null()) return FakeApiServer::Answer{404, R"({"message":"not found"})"};
      return FakeApiServer::Answer{200, lease.dump()};
    }
    json written = json::parse(request.body);
    if (request.method == "PUT" &&
        written["metadata"].value("resourceVersion", "") != std::to_string(version)) {
      return FakeApiServer::Answer{409, R"({"message":"conflict"})"};
    }
    if (request.method == "POST" && !lease.is_null()) {
      return FakeApiServer::Answer{409, R"({"message":"exists"})"};
    }
    written["metadata"]["resourceVersion"] = std::to_string(++version);
    lease = written;
    return FakeApiServer::Answer{200, lease.dump()};
  }

  void set_holder(const std::string& holder) {
    std::lock_guard lock(mutex);
    lease = {
        {"metadata", {{"name", "mdbop-operator"}, {"resourceVersion", std::to_string(++version)}}},
        {"spec",
         {{"holderIdentity", holder},
          {"leaseDurationSeconds", 2},
          {"renewTime", "t" + std::to_string(version)},
          {"leaseTransitions", 3}}}};
  }
  json spec() {
    std::lock_guard lock(mutex);
    return lease.is_null() ? json() : lease["spec"];
  }
};

struct Election {
  std::shared_ptr<LeaseServer> server = std::make_shared<LeaseServer>();
  std::shared_ptr<FakeApiServer> api = std::make_shared<FakeApiServer>(
      [server = server](const HttpRequest& request) { return server->answer(request); });

  std::unique_ptr<LeaderElection> candidate(const std::string& identity) {
    KubeConfig config;
    config.server = FakeApiServer::kServer;
    config.token = "t";
    return std::make_unique<LeaderElection>(std::make_shared<KubeClient>(config, api), "ops",
                                            "mdbop-operator", identity, kFast);
  }
};

TEST(LeaderElectionTest, CreatesAMissingLeaseRenewsItAndGivesItUpOnStop) {
  Election election;
  {
    auto a = election.candidate("operator-a");
    ASSERT_TRUE(a->lead([] { return false; }));
    EXPECT_EQ(election.server->spec()["holderIdentity"], "operator-a");
    EXPECT_EQ(election.server->spec()["leaseDurationSeconds"], 3);
    const std::string first = election.server->spec()["renewTime"];
    EXPECT_TRUE(within(5s, [&] { return election.server->spec()["renewTime"] != first; }));
    EXPECT_FALSE(a->lost());
  }
  EXPECT_EQ(election.server->spec()["holderIdentity"], "") << "not given up on stop";
}

TEST(LeaderElectionTest, RenewsWithoutReadingTheLeaseUntilAnotherWritesIt) {
  Election election;
  auto a = election.candidate("operator-a");
  ASSERT_TRUE(a->lead([] { return false; }));
  auto renewals = [&] {
    int puts = 0;
    for (const std::string& request : election.api->requests()) {
      if (request.rfind("PUT " + kLeasePath, 0) == 0) ++puts;
    }
    return puts;
  };
  ASSERT_TRUE(within(5s, [&] { return renewals() >= 2; }));
  // Read once, to find it missing; then only written, each renewal from the last one's answer.
  int reads = 0;
  for (const std::string& request : election.api->requests()) {
    if (request.rfind("GET " + kLeasePath, 0) == 0) ++reads;
  }
  EXPECT_EQ(reads, 1);
  // Another's write makes the next renewal conflict; the Lease is read again and found taken
  // (not merely unrenewed past the deadline).
  election.server->set_holder("operator-b");
  EXPECT_TRUE(within(5s, [&] { return a->lost(); }));
  int reads_after = 0;
  for (const std::string& request : election.api->requests()) {
    if (request.rfind("GET " + kLeasePath, 0) == 0) ++reads_after;
  }
  EXPECT_EQ(reads_after, 2);
}

TEST(LeaderElectionTest, WaitsWhileAnotherRenewsAndTakesOverOnceItStops) {
  Election election;
  election.server->set_holder("operator-b");
  auto a = election.candidate("operator-a");
  std::atomic<bool> b_alive = true;
  std::thread b([&] {
    while (b_alive) {
      election.server->set_holder("operator-b");  // a renewal: a new renew time
      std::this_thread::sleep_for(300ms);
    }
  });
  // b renews for longer than the Lease's duration, then stops: a leads only after that.
  std::chrono::steady_clock::time_point led_at;
  std::thread waiting([&] {
    ASSERT_TRUE(a->lead([] { return false; }));
    led_at = std::chrono::steady_clock::now();
  });
  std::this_thread::sleep_for(3s);
  b_alive = false;
  b.join();
  const auto b_stopped_at = std::chrono::steady_clock::now();
  waiting.join();
  EXPECT_GT(led_at, b_stopped_at) << "took the Lease while its holder renewed it";
  EXPECT_EQ(election.server->spec()["holderIdentity"], "operator-a");
  EXPECT_EQ(election.server->spec()["leaseTransitions"], 4);
}

TEST(LeaderElectionTest, IsLostWhenRenewalsFailForTheDeadlineOrAnotherTakesIt) {
  Election failing;
  auto a = failing.candidate("operator-a");
  ASSERT_TRUE(a->lead([] { return false; }));
  {
    std::lock_guard lock(failing.server->mutex);
    failing.server->failing = true;
  }
  EXPECT_TRUE(within(5s, [&] { return a->lost(); }));

  Election taken;
  auto c = taken.candidate("operator-c");
  ASSERT_TRUE(c->lead([] { return false; }));
  taken.server->set_holder("operator-d");
  EXPECT_TRUE(within(5s, [&] { return c->lost(); }));
}

TEST(LeaderElectionTest, StopsWaitingWhenAskedTo) {
  Election election;
  election.server->set_holder("operator-b");
  auto a = election.candidate("operator-a");
  int asked = 0;
  EXPECT_FALSE(a->lead([&] { return ++asked > 3; }));
}

}  // namespace
}  // namespace mdbop
