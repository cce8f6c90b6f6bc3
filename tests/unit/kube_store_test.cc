// KubeStore's conversations with the API server, against a fake server behind the HTTP
// transport: a write that meets a newer version reads again and retries; a watch resumes from
// the last version it saw when its stream ends, and when that version has expired (410) it takes
// a new one and asks for a new listing.
#include "store/kube_store.h"

#include <gtest/gtest.h>

#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>
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

std::string watch_line(const std::string& type, const std::string& name,
                       const std::string& version) {
  return json{{"type", type},
              {"object",
               {{"kind", "MariaDB"},
                {"metadata",
                 {{"name", name}, {"namespace", "default"}, {"resourceVersion", version}}}}}}
             .dump() +
         "\n";
}

// The watches of MariaDB only; every other kind's watch stays quiet.
class MariaDBWatchScript {
 public:
  explicit MariaDBWatchScript(std::deque<FakeApiServer::Answer> watches,
                              std::vector<std::string> versions)
      : watches_(std::move(watches)), versions_(std::move(versions)) {}

  std::optional<FakeApiServer::Answer> operator()(const HttpRequest& request) {
    std::lock_guard lock(mutex_);
    const bool mariadbs = request.url.find("/mariadbs?") != std::string::npos;
    if (request.url.find("limit=1") != std::string::npos) {
      // The collection's current version: the next of the script for MariaDBs.
      std::string version = "1";
      if (mariadbs && !versions_.empty()) {
        version = versions_.front();
        versions_.erase(versions_.begin());
      }
      return FakeApiServer::Answer{
          200, json{{"metadata", {{"resourceVersion", version}}}, {"items", json::array()}}.dump()};
    }
    if (!mariadbs || watches_.empty()) return std::nullopt;
    FakeApiServer::Answer answer = watches_.front();
    watches_.pop_front();
    return answer;
  }

 private:
  std::mutex mutex_;
  std::deque<FakeApiServer::Answer> watches_;
  std::vector<std::string> versions_;
};

// The MariaDB watch requests made so far, once there are `count` of them (or 10 s passed).
std::vector<std::string> mariadb_watches(FakeApiServer& server, std::size_t count) {
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  std::vector<std::string> watches;
  do {
    watches.clear();
    for (const std::string& request : server.requests()) {
      if (request.find("/mariadbs?") != std::string::npos &&
          request.find("watch=1") != std::string::npos) {
        watches.push_back(request);
      }
    }
    if (watches.size() < count) std::this_thread::sleep_for(10ms);
  } while (watches.size() < count && std::chrono::steady_clock::now() < deadline);
  return watches;
}

StoreChanges changes_within(StoreWatch& watch, std::chrono::seconds limit) {
  return watch.wait(std::chrono::steady_clock::now() + limit);
}

TEST(KubeStoreWatchTest, ResumesFromTheLastVersionWhenTheStreamEnds) {
  auto script = std::make_shared<MariaDBWatchScript>(
      std::deque<FakeApiServer::Answer>{
          {200, watch_line("ADDED", "shop", "11") + watch_line("BOOKMARK", "", "15")}},
      std::vector<std::string>{"10"});
  auto server =
      std::make_shared<FakeApiServer>([script](const HttpRequest& r) { return (*script)(r); });
  auto store = store_over(server);
  auto watch = store->watch();
  ASSERT_TRUE(watch) << watch.error().what();
  StoreChanges changes = changes_within(**watch, 10s);
  ASSERT_EQ(changes.keys.size(), 1u);
  EXPECT_EQ(changes.keys[0], (ObjectKey{"MariaDB", "default", "shop"}));
  EXPECT_FALSE(changes.resync);
  // The stream ended (its server timeout): the next watch starts at the bookmark.
  const std::vector<std::string> watches = mariadb_watches(*server, 2);
  ASSERT_EQ(watches.size(), 2u);
  EXPECT_NE(watches[0].find("resourceVersion=10&"), std::string::npos) << watches[0];
  EXPECT_NE(watches[1].find("resourceVersion=15&"), std::string::npos) << watches[1];
  EXPECT_NE(watches[1].find("allowWatchBookmarks=true"), std::string::npos) << watches[1];
}

TEST(KubeStoreWatchTest, AnExpiredVersionTakesANewOneAndAsksForAListing) {
  auto script = std::make_shared<MariaDBWatchScript>(
      std::deque<FakeApiServer::Answer>{
          {200, R"({"type":"ERROR","object":{"kind":"Status","code":410,"reason":"Expired",)"
                R"json("message":"too old resource version: 10 (20)"}})json"
                "\n"},
          // Or, from an API server without a watch cache, the request itself is refused.
          {410, R"({"kind":"Status","code":410,"reason":"Expired","message":"too old"})"}},
      std::vector<std::string>{"10", "20", "30"});
  auto server =
      std::make_shared<FakeApiServer>([script](const HttpRequest& r) { return (*script)(r); });
  auto store = store_over(server);
  auto watch = store->watch();
  ASSERT_TRUE(watch) << watch.error().what();
  StoreChanges changes = changes_within(**watch, 10s);
  EXPECT_TRUE(changes.resync);
  const std::vector<std::string> watches = mariadb_watches(*server, 3);
  ASSERT_EQ(watches.size(), 3u);
  EXPECT_NE(watches[0].find("resourceVersion=10&"), std::string::npos) << watches[0];
  EXPECT_NE(watches[1].find("resourceVersion=20&"), std::string::npos) << watches[1];
  EXPECT_NE(watches[2].find("resourceVersion=30&"), std::string::npos) << watches[2];
}

TEST(KubeStoreWatchTest, AFailedListingAsksEveryWatchForANewOne) {
  bool failing = false;
  std::mutex mutex;
  auto server = std::make_shared<FakeApiServer>([&](const HttpRequest& request) {
    std::lock_guard lock(mutex);
    if (request.url.find("watch=1") != std::string::npos) {
      return std::optional<FakeApiServer::Answer>();
    }
    if (failing) return std::optional<FakeApiServer::Answer>({503, R"({"message":"etcd down"})"});
    return std::optional<FakeApiServer::Answer>(
        {200, R"({"metadata":{"resourceVersion":"5"},"items":[]})"});
  });
  auto store = store_over(server);
  auto watch = store->watch();
  ASSERT_TRUE(watch) << watch.error().what();
  {
    std::lock_guard lock(mutex);
    failing = true;
  }
  EXPECT_TRUE(store->list("MariaDB").empty());
  // Asked for after a pause (1 s, then longer), not at once: an unreachable API server is not
  // listed in a loop.
  EXPECT_TRUE(changes_within(**watch, 10s).resync);
}

// One MariaDB as an API server keeps it, for the cached store: listings of mariadbs give it
// (other kinds nothing), status writes need its version, and the MariaDB watch says nothing
// until the test releases it, then sends the object as it is then.
struct CachedShopServer {
  std::mutex mutex;
  std::condition_variable released_changed;
  bool released = false;
  bool watch_told = false;
  json object = mariadb("5");
  int reads = 0;  // GETs of the object itself

  std::optional<FakeApiServer::Answer> answer(const HttpRequest& request) {
    std::unique_lock lock(mutex);
    const bool mariadbs = request.url.find("/mariadbs") != std::string::npos;
    if (request.url.find("watch=1") != std::string::npos) {
      if (!mariadbs || watch_told) return std::nullopt;
      // Waits for the test, or for the store to stop following.
      while (!released) {
        if (request.cancelled != nullptr && request.cancelled->load()) return std::nullopt;
        released_changed.wait_for(lock, 10ms);
      }
      watch_told = true;
      return FakeApiServer::Answer{200,
                                   json{{"type", "MODIFIED"}, {"object", object}}.dump() + "\n"};
    }
    if (request.method == "GET" && request.url.find("?") != std::string::npos) {
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
    written["metadata"]["resourceVersion"] =
        std::to_string(std::stoi(object["metadata"]["resourceVersion"].get<std::string>()) + 1);
    object = written;
    return FakeApiServer::Answer{200, object.dump()};
  }
  int reads_so_far() {
    std::lock_guard lock(mutex);
    return reads;
  }
  void release_watch() {
    {
      std::lock_guard lock(mutex);
      released = true;
    }
    released_changed.notify_all();
  }
};

// Whether, within 10 s, a read of `key` is served by the cache (no GET reaches the server).
bool eventually_cached(KubeStore& store, const ObjectKey& key, CachedShopServer& shop) {
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (std::chrono::steady_clock::now() < deadline) {
    const int before = shop.reads_so_far();
    if (store.get(key) && shop.reads_so_far() == before) return true;
    std::this_thread::sleep_for(10ms);
  }
  return false;
}

// A store caching its kinds over the CachedShopServer, once its cache holds the object.
class KubeStoreCacheTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store->cache_reconciled_kinds();
    // Once listed, the object costs no request.
    ASSERT_TRUE(eventually_cached(*store, key, *shop));
  }

  std::shared_ptr<CachedShopServer> shop = std::make_shared<CachedShopServer>();
  std::shared_ptr<FakeApiServer> server = std::make_shared<FakeApiServer>(
      [shop = shop](const HttpRequest& request) { return shop->answer(request); });
  std::unique_ptr<KubeStore> store = store_over(server);
  const ObjectKey key{"MariaDB", "default", "shop"};
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

  shop->release_watch();  // the cache sees version 6
  ASSERT_TRUE(eventually_cached(*store, key, *shop));
  EXPECT_EQ((*store->get(key))["status"]["currentPrimary"], "shop-1");
  EXPECT_EQ(store->list("MariaDB").at(0)["status"]["currentPrimary"], "shop-1");
}

TEST_F(KubeStoreCacheTest, AWriteFromAStaleCachedCopyConflictsAndIsMadeOnTheStoredObject) {
  {
    // Another writer, whose change the (silent) watch has not brought.
    std::lock_guard lock(shop->mutex);
    shop->object["status"]["replicas"] = 2;
    shop->object["metadata"]["resourceVersion"] = "6";
  }
  auto written =
      store->update_status(key, [](json& status) { status["currentPrimary"] = "shop-2"; });
  ASSERT_TRUE(written) << written.error().what();
  EXPECT_EQ((*written)["metadata"]["resourceVersion"], "7");
  EXPECT_EQ((*written)["status"]["replicas"], 2);
  EXPECT_EQ((*written)["status"]["currentPrimary"], "shop-2");
  shop->release_watch();
}

}  // namespace
}  // namespace mdbop
