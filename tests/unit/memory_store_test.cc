#include "store/memory_store.h"

#include <future>
#include <regex>
#include <thread>

#include <gtest/gtest.h>

namespace mdbop {
namespace {

json mariadb(const std::string& name, const std::string& namespace_ = "", int replicas = 3) {
  json manifest = {{"apiVersion", "k8s.mariadb.com/v1alpha1"},
                   {"kind", "MariaDB"},
                   {"metadata", {{"name", name}}},
                   {"spec", {{"replicas", replicas}}}};
  if (!namespace_.empty()) manifest["metadata"]["namespace"] = namespace_;
  return manifest;
}

const ObjectKey kDb{"MariaDB", "default", "db"};

TEST(MemoryStoreTest, ApplyAssignsIdentityAndCountsGenerations) {
  MemoryStore store;
  auto created = store.apply(mariadb("db"));
  ASSERT_TRUE(created);
  EXPECT_EQ(created->outcome, ApplyOutcome::kCreated);
  const json& metadata = created->object["metadata"];
  EXPECT_TRUE(std::regex_match(metadata["uid"].get<std::string>(),
                               std::regex("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-"
                                          "[0-9a-f]{12}")));
  EXPECT_EQ(metadata["namespace"], "default");
  EXPECT_EQ(metadata["generation"], 1);
  EXPECT_EQ(metadata["resourceVersion"], "1");

  auto same = store.apply(mariadb("db"));
  ASSERT_TRUE(same);
  EXPECT_EQ(same->outcome, ApplyOutcome::kUnchanged);
  EXPECT_EQ(store.current_version(), 1);

  json labelled = mariadb("db");
  labelled["metadata"]["labels"] = {{"team", "a"}};
  auto relabelled = store.apply(labelled);
  ASSERT_TRUE(relabelled);
  EXPECT_EQ(relabelled->outcome, ApplyOutcome::kConfigured);
  EXPECT_EQ(relabelled->object["metadata"]["generation"], 1);  // spec unchanged
  EXPECT_EQ(relabelled->object["metadata"]["resourceVersion"], "2");

  auto scaled = store.apply(mariadb("db", "", 5));
  ASSERT_TRUE(scaled);
  EXPECT_EQ(scaled->object["metadata"]["generation"], 2);
  EXPECT_EQ(scaled->object["metadata"]["uid"], metadata["uid"]);
  EXPECT_FALSE(scaled->object["metadata"].contains("labels"));  // the manifest has none now
}

TEST(MemoryStoreTest, StatusIsKeptOnApplyAndNeverSetByAManifest) {
  MemoryStore store;
  json manifest = mariadb("db");
  manifest["status"] = {{"phase", "Forged"}};
  ASSERT_TRUE(store.apply(manifest));
  EXPECT_FALSE(store.get(kDb)->contains("status"));
  auto updated = store.update_status(kDb, [](json& status) { status["phase"] = "Ready"; });
  ASSERT_TRUE(updated);
  EXPECT_EQ((*updated)["metadata"]["generation"], 1);
  auto scaled = store.apply(mariadb("db", "", 5));
  ASSERT_TRUE(scaled);
  EXPECT_EQ(scaled->object["status"]["phase"], "Ready");
}

TEST(MemoryStoreTest, UpdateRules) {
  MemoryStore store;
  ASSERT_TRUE(store.apply(mariadb("db")));
  const long long before = store.current_version();
  ASSERT_TRUE(store.update_status(kDb, [](json&) {}));
  EXPECT_EQ(store.current_version(), before);  // unchanged: not rewritten

  auto respecced = store.update(kDb, [](json& object) {
    object["spec"]["replicas"] = 1;
    object["metadata"]["generation"] = 99;  // the store's to assign
  });
  ASSERT_TRUE(respecced);
  EXPECT_EQ((*respecced)["metadata"]["generation"], 2);

  auto renamed = store.update(kDb, [](json& object) { object["metadata"]["name"] = "other"; });
  ASSERT_FALSE(renamed);
  EXPECT_EQ(renamed.error().code, ErrorCode::kInvalid);

  auto missing = store.update_status({"MariaDB", "default", "gone"}, [](json&) {});
  ASSERT_FALSE(missing);
  EXPECT_TRUE(is_not_found(missing.error()));
  EXPECT_EQ(missing.error().message, "not found");
  EXPECT_TRUE(is_not_found(store.get({"MariaDB", "default", "gone"}).error()));
  EXPECT_EQ(store.apply(mariadb("..")).error().code, ErrorCode::kInvalid);
}

TEST(MemoryStoreTest, ListAndRemove) {
  MemoryStore store;
  for (const auto& [name, namespace_] :
       std::vector<std::pair<std::string, std::string>>{{"b", "prod"}, {"a", "prod"}, {"z", ""}}) {
    ASSERT_TRUE(store.apply(mariadb(name, namespace_)));
  }
  ASSERT_TRUE(store.apply({{"apiVersion", "v1"},
                           {"kind", "Secret"},
                           {"metadata", {{"name", "s"}}},
                           {"data", json::object()}}));
  std::vector<std::string> names;
  for (const json& object : store.list("MariaDB")) names.push_back(object["metadata"]["name"]);
  EXPECT_EQ(names, (std::vector<std::string>{"z", "a", "b"}));  // default < prod
  EXPECT_EQ(store.list("MariaDB", "prod").size(), 2u);
  EXPECT_EQ(store.list("Secret").size(), 1u);

  const long long before = store.current_version();
  EXPECT_EQ(store.remove({"MariaDB", "prod", "a"}), true);
  EXPECT_EQ(store.current_version(), before + 1);
  EXPECT_EQ(store.remove({"MariaDB", "prod", "a"}), false);
  EXPECT_FALSE(store.exists({"MariaDB", "prod", "a"}));
}

TEST(MemoryStoreTest, EventsAreCounted) {
  MemoryStore store;
  ASSERT_TRUE(store.apply(mariadb("db")));
  json object = store.get(kDb).value();
  store.record_event(object, "Normal", "Started", "first");
  store.record_event(object, "Warning", "Failed", "second");
  store.record_event(object, "Normal", "Started", "first");
  store.record_event(mariadb("other"), "Normal", "Started", "first");
  auto events = store.events("default", "MariaDB", "db");
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0]["message"], "second");  // the repeated one became the newest
  EXPECT_EQ(events[1]["message"], "first");
  EXPECT_EQ(events[1]["count"], 2);
  EXPECT_EQ(events[1]["involvedObject"]["uid"], object["metadata"]["uid"]);
  EXPECT_EQ(store.events().size(), 3u);
}

TEST(MemoryStoreTest, WatchWakesOnAWriteFromAnotherThread) {
  MemoryStore store;
  ASSERT_TRUE(store.apply(mariadb("db")));
  auto watch = store.watch();
  ASSERT_TRUE(watch);
  std::promise<StoreChanges> woken;
  std::thread waiter([&] {
    woken.set_value((*watch)->wait(std::chrono::steady_clock::now() + std::chrono::seconds(10)));
  });
  auto started = std::chrono::steady_clock::now();
  std::thread writer([&] {
    ASSERT_TRUE(store.update_status(kDb, [](json& status) { status["phase"] = "Ready"; }));
    ASSERT_TRUE(store.update_status(kDb, [](json& status) { status["phase"] = "Done"; }));
  });
  StoreChanges changes = woken.get_future().get();
  writer.join();
  waiter.join();
  EXPECT_EQ(changes.keys, std::vector<ObjectKey>{kDb});
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(5));

  ASSERT_TRUE(store.remove(kDb));
  ASSERT_TRUE(store.apply(mariadb("x", "prod")));
  changes = (*watch)->wait(std::chrono::steady_clock::now() + std::chrono::seconds(10));
  EXPECT_EQ(changes.keys, (std::vector<ObjectKey>{kDb, {"MariaDB", "prod", "x"}}));
}

}  // namespace
}  // namespace mdbop
