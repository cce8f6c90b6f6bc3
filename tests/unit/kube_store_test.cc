// KubeStore's conversations with the API server, against a fake server behind the HTTP
// transport: a write that meets a newer version reads again and retries; a store that caches its
// kinds reads its own writes at once; its watch, which sets up the caches when nothing did, tells
// another's change once the cache holds it, and asks for a listing after a cache listed again
// (an expired version) and after a listing of its own failed.
#include "store/kube_store.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>

#include "eventually.h"
#include "fake_api_server.h"

namespace mdbop {
namespace {

using namespace std::chrono_literals;

KubeConfig test_config() {
  KubeConfig config;
  config.server = FakeApiServer::kServer;
  config.token = "t0ken";
  return config;
}

std::unique_ptr<KubeStore> store_over(std::shared_ptr<FakeApiServer> server) {
  return std::make_unique<KubeStore>(std::make_shared<KubeClient>(test_config(), server), "default",
                                     "unit");
}

json mariadb(const std::string& version, const json& status = json::object()) {
  return {{"apiVersion", "k8s.mariadb.com/v1alpha1"},
          {"kind", "MariaDB"},
          {"metadata",
           {{"name", "shop"},
            {"namespace", "default"},
            {"resourceVersion", version},
            {"generation", 1}}},
          {"spec", {{"replicas", 3}}},
          {"status", status}};
}

const std::string kShop = "/apis/k8s.mariadb.com/v1alpha1/namespaces/default/mariadbs/shop";

TEST(KubeStoreTest, StatusWriteThatMeetsANewerVersionReadsAgainAndRetries) {
  int gets = 0, puts = 0;
  auto server = std::make_shared<FakeApiServer>([&](const HttpRequest& request) {
    std::optional<FakeApiServer::Answer> answer;
    if (request.method == "GET") {
      // The second read sees what another writer stored meanwhile.
      answer = {200, mariadb(++gets == 1 ? "10" : "11", {{"other", "kept"}}).dump()};
    } else if (request.method == "PUT") {
      if (++puts == 1) {
        answer = {
            409,
            R"({"kind":"Status","reason":"Conflict","message":"the object has been modified"})"};
      } else {
        answer = {200, std::string(request.body)};
      }
    }
    return answer;
  });
  auto store = store_over(server);
  auto written = store->update_status({"MariaDB", "default", "shop"},
                                      [](json& status) { status["currentPrimary"] = "shop-0"; });
  ASSERT_TRUE(written) << written.error().what();
  EXPECT_EQ((*written)["status"]["currentPrimary"], "shop-0");
  EXPECT_EQ((*written)["status"]["other"], "kept");
  const std::vector<std::string> requests = server->requests();
  ASSERT_EQ(requests.size(), 4u);
  EXPECT_EQ(requests[0], "GET " + kShop);
  EXPECT_TRUE(requests[1].starts_with("PUT " + kShop + "/status ")) << requests[1];
  EXPECT_NE(requests[1].find(R"("resourceVersion":"10")"), std::string::npos);
  EXPECT_NE(requests[3].find(R"("resourceVersion":"11")"), std::string::npos) << requests[3];
}

TEST(KubeStoreTest, StatusWriteGivesUpOnAnObjectThatKeepsChanging) {
  auto server = std::make_shared<FakeApiServer>([&](const HttpRequest& request) {
    return std::optional<FakeApiServer::Answer>(
        request.method == "GET" ? FakeApiServer::Answer{200, mariadb("10").dump()}
                                : FakeApiServer::Answer{409, R"({"message":"modified"})"});
  });
  auto written = store_over(server)->update_status(
      {"MariaDB", "default", "shop"}, [](json& status) { status["currentPrimary"] = "shop-0"; });
  ASSERT_FALSE(written);
  EXPECT_EQ(written.error().code, ErrorCode::kConflict);
}

// The API server keeps a manifest as written; the controllers read it with its kind's defaults
// (here the generated root password's Secret), and a write of the object sends back only what
// the user wrote and what mdbop changed.
TEST(KubeStoreTest, ObjectsAreReadWithTheirDefaultsWhichAreNeverWrittenBack) {
  json stored = mariadb("10");
  stored["spec"]["galera"] = {{"enabled", true}};
  auto server = std::make_shared<FakeApiServer>([&](const HttpRequest& request) {
    return std::optional<FakeApiServer::Answer>(
        request.method == "GET" ? FakeApiServer::Answer{200, stored.dump()}
                                : FakeApiServer::Answer{200, std::string(request.body)});
  });
  auto store = store_over(server);
  auto read = store->get({"MariaDB", "default", "shop"});
  ASSERT_TRUE(read) << read.error().what();
  EXPECT_EQ((*read)["spec"]["rootPasswordSecretKeyRef"]["name"], "shop-root");
  EXPECT_EQ((*read)["spec"]["rootPasswordSecretKeyRef"]["generate"], true);
  EXPECT_EQ((*read)["metadata"]["resourceVersion"], "10");

  auto written = store->update({"MariaDB", "default", "shop"}, [](json& object) {
    object["metadata"]["finalizers"] = json::array({"k8s.mariadb.com/test"});
  });
  ASSERT_TRUE(written) << written.error().what();
  EXPECT_EQ((*written)["spec"]["rootPasswordSecretKeyRef"]["name"], "shop-root");
  const std::vector<std::string> requests = server->requests();
  ASSERT_FALSE(requests.empty());
  EXPECT_TRUE(requests.back().starts_with("PUT " + kShop + " ")) << requests.back();
  EXPECT_NE(requests.back().find("k8s.mariadb.com/test"), std::string::npos) << requests.back();
  EXPECT_EQ(requests.back().find("rootPasswordSecretKeyRef"), std::string::npos) << requests.back();
}

TEST(KubeStoreTest, ErrorsOfTheApiServerKeepTheirMeaning) {
  auto server = std::make_shared<FakeApiServer>([&](const HttpRequest&) {
    return std::optional<FakeApiServer::Answer>(
        {403, R"({"kind":"Status","message":"mariadbs is forbidden: User cannot get"})"});
  });
  auto read = store_over(server)->get({"MariaDB", "default", "shop"});
  ASSERT_FALSE(read);
  EXPECT_NE(read.error().message.find("refused mdbop (403): mariadbs is forbidden"),
            std::string::npos)
      << read.error().message;
  // A name that is not one is refused before any request.
  auto hostile = store_over(server)->get({"MariaDB", "default", "../../secrets/x"});
  ASSERT_FALSE(hostile);
  EXPECT_EQ(hostile.error().code, ErrorCode::kInvalid);
}

std::string watch_line(const std::string& type, const json& object) {
  return json{{"type", type}, {"object", object}}.dump() + "\n";
}

// One MariaDB as an API server keeps it, for a store that caches its kinds: listings of mariadbs
// give it (other kinds nothing), writes need its version, and each MariaDB watch says what the
// test tells it next, staying quiet until then.
struct ShopServer {
  std::mutex mutex;
  std::condition_variable told;
  json object = mariadb("5");
  std::deque<FakeApiServer::Answer> watch_answers;  // for the MariaDB watches, in turn
  // Every listing fails, but not the one of a single object that watch() checks a kind with.
  bool listings_fail = false;
  int reads = 0;  // GETs of the object itself

  std::optional<FakeApiServer::Answer> answer(const HttpRequest& request) {
    std::unique_lock lock(mutex);
    const bool mariadbs = request.url.find("/mariadbs") != std::string::npos;
    if (request.url.find("watch=1") != std::string::npos) {
      if (!mariadbs) return std::nullopt;
      // Waits for the test, or for the store to stop following.
      while (watch_answers.empty()) {
        if (request.cancelled != nullptr && request.cancelled->load()) return std::nullopt;
        told.wait_for(lock, 10ms);
      }
      FakeApiServer::Answer next = watch_answers.front();
      watch_answers.pop_front();
      return next;
    }
    if (request.method == "GET" && request.url.find("?") != std::string::npos) {
      if (listings_fail && request.url.find("limit=500") != std::string::npos) {
        return FakeApiServer::Answer{503, R"({"message":"etcd down"})"};
      }
      json items = mariadbs ? json::array({object}) : json::array();
      return FakeApiServer::Answer{
          200, json{{"metadata", {{"resourceVersion", object["metadata"]["resourceVersion"]}}},
                    {"items", items}}
                   .dump()};
    }
    if (request.method == "GET") {
      ++reads;
      return FakeApiServer::Answer{200, object.dump()};
    }
    json written = json::parse(request.body);
    if (written["metadata"]["resourceVersion"] != object["metadata"]["resourceVersion"]) {
      return FakeApiServer::Answer{409, R"({"message":"conflict"})"};
    }
    object = std::move(written);
    bump_version();
    return FakeApiServer::Answer{200, object.dump()};
  }
  int reads_so_far() {
    std::lock_guard lock(mutex);
    return reads;
  }
  // Another writer sets status.`field`, which no watch tells until the test says so; the
  // version it makes.
  std::string another_writer_sets(const std::string& field, const json& value) {
    std::lock_guard lock(mutex);
    object["status"][field] = value;
    bump_version();
    return object["metadata"]["resourceVersion"].get<std::string>();
  }
  // What the next MariaDB watch says.
  void tell_watch(FakeApiServer::Answer answer) {
    {
      std::lock_guard lock(mutex);
      watch_answers.push_back(std::move(answer));
    }
    told.notify_all();
  }
  // The next MariaDB watch tells the object as it is now, and ends.
  void tell_change() {
    std::unique_lock lock(mutex);
    FakeApiServer::Answer change{200, watch_line("MODIFIED", object)};
    lock.unlock();
    tell_watch(std::move(change));
  }

 private:
  // As the API server does at each write. REQUIRES: mutex held.
  void bump_version() {
    const int version = std::stoi(object["metadata"]["resourceVersion"].get<std::string>());
    object["metadata"]["resourceVersion"] = std::to_string(version + 1);
  }
};

// The version of `key` that a read finds when its cache serves it (no GET reaches the server);
// empty when the read goes to the server.
std::string cached_version(KubeStore& store, const ObjectKey& key, ShopServer& shop) {
  const int before = shop.reads_so_far();
  auto read = store.get(key);
  if (!read || shop.reads_so_far() != before) return "";
  return (*read)["metadata"]["resourceVersion"].get<std::string>();
}

// Whether, within 10 s, a read of `key` is served by the cache.
bool eventually_cached(KubeStore& store, const ObjectKey& key, ShopServer& shop) {
  return within(10s, [&] { return !cached_version(store, key, shop).empty(); });
}

// Whether, within 10 s, the watch tells changes that `wanted` approves.
bool eventually_told(StoreWatch& watch, const std::function<bool(const StoreChanges&)>& wanted) {
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (std::chrono::steady_clock::now() < deadline) {
    if (wanted(watch.wait(deadline))) return true;
  }
  return false;
}

// Whether a MariaDB watch started from `version`.
bool watched_from(FakeApiServer& server, const std::string& version) {
  for (const std::string& request : server.requests()) {
    if (request.find("/mariadbs?watch=1&resourceVersion=" + version + "&") != std::string::npos) {
      return true;
    }
  }
  return false;
}

// A store over a ShopServer.
class ShopStoreTest : public ::testing::Test {
 protected:
  std::shared_ptr<ShopServer> shop = std::make_shared<ShopServer>();
  std::shared_ptr<FakeApiServer> server = std::make_shared<FakeApiServer>(
      [shop = shop](const HttpRequest& request) { return shop->answer(request); });
  std::unique_ptr<KubeStore> store = store_over(server);
  const ObjectKey key{"MariaDB", "default", "shop"};
};

// The store caching its kinds as the operator's does, once its cache holds the object.
class KubeStoreCacheTest : public ShopStoreTest {
 protected:
  void SetUp() override {
    store->cache_reconciled_kinds();
    // Once listed, the object costs no request.
    ASSERT_TRUE(eventually_cached(*store, key, *shop));
  }
};

TEST_F(KubeStoreCacheTest, ReadsItsOwnWritesBeforeItsCacheHasSeenThem) {
  const int reads = shop->reads_so_far();

  auto written =
      store->update_status(key, [](json& status) { status["currentPrimary"] = "shop-1"; });
  ASSERT_TRUE(written) << written.error().what();
  // The cache still holds version 5: the object is read from the API server, as written.
  auto read = store->get(key);
  ASSERT_TRUE(read);
  EXPECT_EQ((*read)["status"]["currentPrimary"], "shop-1");
  EXPECT_EQ(shop->reads_so_far(), reads + 1);

  shop->tell_change();  // the cache sees version 6
  ASSERT_TRUE(eventually_cached(*store, key, *shop));
  EXPECT_EQ((*store->get(key))["status"]["currentPrimary"], "shop-1");
  EXPECT_EQ(store->list("MariaDB").at(0)["status"]["currentPrimary"], "shop-1");
}

TEST_F(KubeStoreCacheTest, AWriteFromAStaleCachedCopyConflictsAndIsMadeOnTheStoredObject) {
  // Another writer, whose change the (silent) watch has not brought: version 6.
  shop->another_writer_sets("replicas", 2);
  auto written =
      store->update_status(key, [](json& status) { status["currentPrimary"] = "shop-2"; });
  ASSERT_TRUE(written) << written.error().what();
  EXPECT_EQ((*written)["metadata"]["resourceVersion"], "7");
  EXPECT_EQ((*written)["status"]["replicas"], 2);
  EXPECT_EQ((*written)["status"]["currentPrimary"], "shop-2");
}

// The store without cache_reconciled_kinds(): its watch sets up the caches.
using KubeStoreWatchTest = ShopStoreTest;

TEST_F(KubeStoreWatchTest, TellsAnothersChangeOnceItsCacheHoldsIt) {
  auto watch = store->watch();
  ASSERT_TRUE(watch) << watch.error().what();
  ASSERT_TRUE(eventually_cached(*store, key, *shop));

  const std::string version = shop->another_writer_sets("replicas", 2);
  shop->tell_change();
  EXPECT_TRUE(eventually_told(**watch, [&](const StoreChanges& changes) {
    return std::find(changes.keys.begin(), changes.keys.end(), key) != changes.keys.end();
  }));
  // A read after the news finds it in the cache.
  EXPECT_EQ(cached_version(*store, key, *shop), version);
}

// Said in the stream or as the answer to the watch, an expired version is followed by a new
// listing and a resync once the cache holds it: a change no watch told is found there, and the
// watch goes on from the listing's version.
TEST_F(KubeStoreWatchTest, AnExpiredVersionBringsANewListingAndAResync) {
  auto watch = store->watch();
  ASSERT_TRUE(watch) << watch.error().what();
  ASSERT_TRUE(eventually_cached(*store, key, *shop));

  const std::vector<FakeApiServer::Answer> expiries = {
      {200, R"({"type":"ERROR","object":{"kind":"Status","code":410,"reason":"Expired",)"
            R"json("message":"too old resource version: 5 (6)"}})json"
            "\n"},
      // From an API server without a watch cache, the request itself is refused.
      {410, R"({"kind":"Status","code":410,"reason":"Expired","message":"too old"})"}};
  for (const FakeApiServer::Answer& expiry : expiries) {
    const std::string version = shop->another_writer_sets("replicas", 2);
    shop->tell_watch(expiry);
    EXPECT_TRUE(eventually_told(**watch, [&](const StoreChanges& changes) {
      return changes.resync && cached_version(*store, key, *shop) == version;
    })) << expiry.body;
    EXPECT_TRUE(within(10s, [&] { return watched_from(*server, version); })) << expiry.body;
  }
}

// A listing that fails (here while no cache can list either) asks every watch for a new one,
// after a pause: an unreachable API server is not listed in a loop.
TEST_F(KubeStoreWatchTest, AFailedListingAsksEveryWatchForANewOne) {
  shop->listings_fail = true;  // before any thread of the store asks
  auto watch = store->watch();
  ASSERT_TRUE(watch) << watch.error().what();
  auto other = store->watch();
  ASSERT_TRUE(other) << other.error().what();
  // The first wait of each asks for a listing at once: what the caches held before it.
  EXPECT_TRUE((*watch)->wait(std::chrono::steady_clock::now()).resync);
  EXPECT_TRUE((*other)->wait(std::chrono::steady_clock::now()).resync);

  const auto listed = std::chrono::steady_clock::now();
  EXPECT_TRUE(store->list("MariaDB").empty());
  EXPECT_TRUE((*watch)->wait(listed + 10s).resync);
  EXPECT_TRUE((*other)->wait(listed + 10s).resync);
  EXPECT_GE(std::chrono::steady_clock::now() - listed, 1s);
}

}  // namespace
}  // namespace mdbop
