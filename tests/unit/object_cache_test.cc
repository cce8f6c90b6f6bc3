// ObjectCache against a fake API server: it answers from its listing and the watch's changes
// after it, only while synced; a failed watch makes it say so until a new listing replaces what
// it held; its label selector goes with the listing and the watch.
#include "kube/object_cache.h"

#include <gtest/gtest.h>

#include <deque>

#include "eventually.h"
#include "fake_api_server.h"

namespace mdbop {
namespace {

using namespace std::chrono_literals;
using json = nlohmann::json;

json pod(const std::string& name, const std::string& version, const std::string& phase) {
  return {{"metadata",
           {{"name", name},
            {"namespace", "shop"},
            {"resourceVersion", version},
            {"managedFields", json::array({{{"manager", "kubelet"}}})}}},
          {"status", {{"phase", phase}}}};
}

std::string watch_line(const std::string& type, const json& object) {
  return json{{"type", type}, {"object", object}}.dump() + "\n";
}

// Listings and watch streams answered in turn; a watch with nothing left to say stays open.
struct PodScript {
  std::mutex mutex;
  std::deque<FakeApiServer::Answer> listings;
  std::deque<FakeApiServer::Answer> watches;

  std::optional<FakeApiServer::Answer> operator()(const HttpRequest& request) {
    std::lock_guard lock(mutex);
    auto& queue = request.url.find("watch=1") != std::string::npos ? watches : listings;
    if (queue.empty()) return std::nullopt;
    FakeApiServer::Answer answer = queue.front();
    queue.pop_front();
    return answer;
  }
};

FakeApiServer::Answer listing(const std::string& version, const std::vector<json>& items) {
  return {200, json{{"metadata", {{"resourceVersion", version}}}, {"items", items}}.dump()};
}

std::shared_ptr<KubeClient> client_of(std::shared_ptr<FakeApiServer> server) {
  KubeConfig config;
  config.server = FakeApiServer::kServer;
  config.token = "t";
  return std::make_shared<KubeClient>(config, std::move(server));
}

std::string phase_of(const ObjectCache& cache, const std::string& name) {
  auto found = cache.find("shop", name);
  if (!found) return "not synced";
  if (!*found) return "none";
  return (**found)["status"].value("phase", "");
}

TEST(ObjectCacheTest, AnswersFromItsListingAndTheChangesWatchedAfterIt) {
  auto script = std::make_shared<PodScript>();
  script->listings = {listing("10", {pod("a", "8", "Pending"), pod("c", "9", "Running")})};
  script->watches = {
      {200, watch_line("MODIFIED", pod("a", "11", "Running")) +
                watch_line("ADDED", pod("b", "12", "Pending")) +
                watch_line("DELETED", pod("c", "13", "Running")) +
                watch_line("BOOKMARK", {{"metadata", {{"resourceVersion", "15"}}}})}};
  auto server =
      std::make_shared<FakeApiServer>([script](const HttpRequest& r) { return (*script)(r); });
  ObjectCache cache(client_of(server), {"v1", "pods"}, "", "app.kubernetes.io/managed-by=mdbop");

  ASSERT_TRUE(within(10s, [&] { return phase_of(cache, "b") == "Pending"; }));
  EXPECT_EQ(phase_of(cache, "a"), "Running");
  EXPECT_EQ(phase_of(cache, "c"), "none");
  auto listed = cache.list("shop");
  ASSERT_TRUE(listed);
  ASSERT_EQ(listed->size(), 2u);
  EXPECT_EQ((*listed)[0]["metadata"]["name"], "a");
  EXPECT_FALSE((*listed)[0]["metadata"].contains("managedFields"));
  auto other = cache.list("other");
  ASSERT_TRUE(other);
  EXPECT_TRUE(other->empty());

  // The stream ended: the next watch resumes from the last version it saw (a bookmark's), with
  // the same selector.
  ASSERT_TRUE(within(10s, [&] {
    int watches = 0;
    for (const std::string& request : server->requests())
      watches += request.find("watch=1") != std::string::npos;
    return watches == 2;
  }));
  std::vector<std::string> requests = server->requests();
  EXPECT_EQ(requests[0].find(
                "GET /api/v1/pods?labelSelector=app.kubernetes.io%2Fmanaged-by%3Dmdbop&limit=500"),
            0u)
      << requests[0];
  EXPECT_NE(requests[1].find(
                "labelSelector=app.kubernetes.io%2Fmanaged-by%3Dmdbop&watch=1&resourceVersion=10&"),
            std::string::npos)
      << requests[1];
  EXPECT_NE(requests[2].find("&resourceVersion=15&"), std::string::npos) << requests[2];
}

TEST(ObjectCacheTest, TellsEachChangeOnceItHoldsItAndEachNewListing) {
  auto script = std::make_shared<PodScript>();
  // The first listing fails: the subscription below is made before the cache has listed.
  script->listings = {{503, R"({"message":"etcd down"})"},
                      listing("10", {pod("a", "8", "Pending")})};
  script->watches = {{200, watch_line("MODIFIED", pod("a", "11", "Running")) +
                               watch_line("DELETED", pod("a", "12", "Running"))}};
  auto server =
      std::make_shared<FakeApiServer>([script](const HttpRequest& r) { return (*script)(r); });
  ObjectCache cache(client_of(server), {"v1", "pods"}, "shop", "");
  std::mutex mutex;
  std::vector<std::string> told;  // what a reader told of each change found in the cache
  auto subscription = cache.subscribe(
      [&](const json& object) {
        const std::string seen = phase_of(cache, object["metadata"]["name"]);
        std::lock_guard lock(mutex);
        told.push_back(object["metadata"].value("resourceVersion", "") + " " + seen);
      },
      [&] {
        const std::string seen = phase_of(cache, "a");
        std::lock_guard lock(mutex);
        told.push_back("listed " + seen);
      });
  ASSERT_TRUE(within(10s, [&] {
    std::lock_guard lock(mutex);
    return told.size() == 3;
  }));
  std::lock_guard lock(mutex);
  EXPECT_EQ(told, (std::vector<std::string>{"listed Pending", "11 Running", "12 none"}));
}

TEST(ObjectCacheTest, IsNotSyncedUntilAListingSucceeds) {
  auto script = std::make_shared<PodScript>();
  script->listings = {{503, R"({"message":"etcd down"})"},
                      listing("10", {pod("a", "8", "Running")})};
  auto server =
      std::make_shared<FakeApiServer>([script](const HttpRequest& r) { return (*script)(r); });
  ObjectCache cache(client_of(server), {"v1", "pods"}, "shop", "");

  auto early = cache.find("shop", "a");
  ASSERT_FALSE(early);
  EXPECT_EQ(early.error().code, ErrorCode::kUnavailable);
  // Listed again after a pause.
  EXPECT_TRUE(within(10s, [&] { return phase_of(cache, "a") == "Running"; }));
  EXPECT_TRUE(cache.synced());
}

TEST(ObjectCacheTest, AFailedWatchIsAGapUntilANewListingReplacesWhatItHeld) {
  auto script = std::make_shared<PodScript>();
  std::mutex gate;
  gate.lock();  // the second listing waits until the test has seen the gap
  script->listings = {listing("10", {pod("a", "8", "Running"), pod("b", "9", "Running")})};
  script->watches = {{500, R"({"message":"the watch broke"})"}};
  auto server = std::make_shared<FakeApiServer>([script, &gate](const HttpRequest& r) {
    bool second_listing = false;
    {
      std::lock_guard lock(script->mutex);
      second_listing = r.url.find("watch=1") == std::string::npos && script->listings.empty();
    }
    if (second_listing) {
      std::lock_guard open(gate);
      return std::optional<FakeApiServer::Answer>(listing("20", {pod("a", "15", "Failed")}));
    }
    return (*script)(r);
  });
  ObjectCache cache(client_of(server), {"v1", "pods"}, "shop", "");

  // Between the broken watch and the next listing, it answers nothing.
  EXPECT_TRUE(within(10s, [&] { return !cache.synced() && server->requests().size() >= 2; }));
  EXPECT_EQ(phase_of(cache, "a"), "not synced");
  gate.unlock();
  // b went while no watch ran: the new listing is the whole truth.
  EXPECT_TRUE(within(10s, [&] { return phase_of(cache, "a") == "Failed"; }));
  EXPECT_EQ(phase_of(cache, "b"), "none");
}

}  // namespace
}  // namespace mdbop
