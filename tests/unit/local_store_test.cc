#include "store/local_store.h"

#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <functional>
#include <future>
#include <regex>
#include <set>
#include <thread>

#include <gtest/gtest.h>

#include "temp_dir_test.h"

#include "util/files.h"

namespace mdbop {
namespace {

namespace fs = std::filesystem;

class LocalStoreTest : public TempDirTest {
 protected:
  void SetUp() override {
    TempDirTest::SetUp();
    root_ = dir_ / "store";
  }

  static json mariadb(const std::string& name, const std::string& namespace_ = "",
                      int replicas = 3) {
    json manifest = {{"apiVersion", "k8s.mariadb.com/v1alpha1"},
                     {"kind", "MariaDB"},
                     {"metadata", {{"name", name}}},
                     {"spec", {{"replicas", replicas}, {"galera", {{"enabled", true}}}}}};
    if (!namespace_.empty()) manifest["metadata"]["namespace"] = namespace_;
    return manifest;
  }

  static long long version_of(const json& object) {
    return std::stoll(object["metadata"]["resourceVersion"].get<std::string>());
  }

  static mode_t mode_of(const fs::path& path) {
    struct stat st {};
    EXPECT_EQ(::stat(path.c_str(), &st), 0);
    return st.st_mode & 07777;
  }

  fs::path root_;
};

const ObjectKey kDb{"MariaDB", "default", "db"};

TEST_F(LocalStoreTest, KeyOf) {
  ObjectKey key = key_of(mariadb("db"));
  EXPECT_EQ(key.kind, "MariaDB");
  EXPECT_EQ(key.namespace_, "default");
  EXPECT_EQ(key.name, "db");
  EXPECT_EQ(key_of(mariadb("x", "prod")).namespace_, "prod");
  EXPECT_EQ(key_of(json("not an object")).name, "");
}

TEST_F(LocalStoreTest, Rfc3339Now) {
  EXPECT_TRUE(std::regex_match(rfc3339_now(), std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ)")));
}

TEST_F(LocalStoreTest, CreateAssignsMetadata) {
  LocalStore store(root_);
  EXPECT_EQ(store.current_version(), 0);
  auto created = store.apply(mariadb("db"));
  ASSERT_TRUE(created) << created.error().message;
  EXPECT_EQ(created->outcome, ApplyOutcome::kCreated);
  const json& metadata = created->object["metadata"];
  EXPECT_TRUE(std::regex_match(
      metadata["uid"].get<std::string>(),
      std::regex("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")));
  EXPECT_EQ(metadata["namespace"], "default");
  EXPECT_EQ(metadata["generation"], 1);
  EXPECT_EQ(metadata["resourceVersion"], "1");
  EXPECT_EQ(metadata["creationTimestamp"].get<std::string>().size(), 20u);
  EXPECT_EQ(store.current_version(), 1);
  EXPECT_TRUE(store.exists(kDb));
  EXPECT_EQ(store.get(kDb).value(), created->object);

  auto other = store.apply(mariadb("other"));
  ASSERT_TRUE(other);
  EXPECT_NE(other->object["metadata"]["uid"], metadata["uid"]);
}

TEST_F(LocalStoreTest, CreateIgnoresClientSetServerFields) {
  LocalStore store(root_);
  json manifest = mariadb("db");
  manifest["metadata"]["uid"] = "forged";
  manifest["metadata"]["generation"] = 42;
  manifest["metadata"]["resourceVersion"] = "999";
  manifest["status"] = {{"phase", "forged"}};
  auto created = store.apply(manifest);
  ASSERT_TRUE(created);
  EXPECT_NE(created->object["metadata"]["uid"], "forged");
  EXPECT_EQ(created->object["metadata"]["generation"], 1);
  EXPECT_EQ(created->object["metadata"]["resourceVersion"], "1");
  EXPECT_FALSE(created->object.contains("status"));
}

TEST_F(LocalStoreTest, ApplyUnchangedKeepsVersions) {
  LocalStore store(root_);
  auto created = store.apply(mariadb("db"));
  ASSERT_TRUE(created);
  auto again = store.apply(mariadb("db"));
  ASSERT_TRUE(again);
  EXPECT_EQ(again->outcome, ApplyOutcome::kUnchanged);
  EXPECT_EQ(again->object, created->object);
  EXPECT_EQ(store.current_version(), 1);
}

TEST_F(LocalStoreTest, SpecChangeBumpsGenerationAndVersion) {
  LocalStore store(root_);
  auto created = store.apply(mariadb("db"));
  ASSERT_TRUE(created);
  auto changed = store.apply(mariadb("db", "", 5));
  ASSERT_TRUE(changed);
  EXPECT_EQ(changed->outcome, ApplyOutcome::kConfigured);
  EXPECT_EQ(changed->object["spec"]["replicas"], 5);
  EXPECT_EQ(changed->object["metadata"]["generation"], 2);
  EXPECT_GT(version_of(changed->object), version_of(created->object));
  EXPECT_EQ(changed->object["metadata"]["uid"], created->object["metadata"]["uid"]);
  EXPECT_EQ(changed->object["metadata"]["creationTimestamp"],
            created->object["metadata"]["creationTimestamp"]);
  EXPECT_EQ(store.get(kDb).value(), changed->object);
}

TEST_F(LocalStoreTest, LabelChangeBumpsVersionOnly) {
  LocalStore store(root_);
  json manifest = mariadb("db");
  manifest["metadata"]["labels"] = {{"tier", "db"}};
  ASSERT_TRUE(store.apply(manifest));
  manifest["metadata"]["labels"] = {{"tier", "data"}};
  manifest["metadata"]["annotations"] = {{"note", "x"}};
  auto relabeled = store.apply(manifest);
  ASSERT_TRUE(relabeled);
  EXPECT_EQ(relabeled->outcome, ApplyOutcome::kConfigured);
  EXPECT_EQ(relabeled->object["metadata"]["generation"], 1);
  EXPECT_EQ(relabeled->object["metadata"]["resourceVersion"], "2");
  EXPECT_EQ(relabeled->object["metadata"]["labels"]["tier"], "data");

  // Labels and annotations are replaced, so dropping them from the manifest removes them.
  auto bare = store.apply(mariadb("db"));
  ASSERT_TRUE(bare);
  EXPECT_EQ(bare->outcome, ApplyOutcome::kConfigured);
  EXPECT_FALSE(bare->object["metadata"].contains("labels"));
  EXPECT_FALSE(bare->object["metadata"].contains("annotations"));
}

TEST_F(LocalStoreTest, StatusSurvivesApply) {
  LocalStore store(root_);
  ASSERT_TRUE(store.apply(mariadb("db")));
  ASSERT_TRUE(store.update_status(kDb, [](json& status) { status["phase"] = "Running"; }));
  json manifest = mariadb("db", "", 5);
  manifest["status"] = {{"phase", "from the manifest"}};
  auto applied = store.apply(manifest);
  ASSERT_TRUE(applied);
  EXPECT_EQ(applied->object["status"]["phase"], "Running");

  // Status in a manifest is ignored, so re-applying it is no change at all.
  auto again = store.apply(manifest);
  ASSERT_TRUE(again);
  EXPECT_EQ(again->outcome, ApplyOutcome::kUnchanged);
}

TEST_F(LocalStoreTest, SecretDataAndTypeAreReplaced) {
  LocalStore store(root_);
  json secret = {{"apiVersion", "v1"},
                 {"kind", "Secret"},
                 {"metadata", {{"name", "root"}}},
                 {"type", "Opaque"},
                 {"data", {{"password", "c2VjcmV0"}}}};
  ASSERT_TRUE(store.apply(secret));
  secret["data"]["password"] = "b3RoZXI=";
  auto updated = store.apply(secret);
  ASSERT_TRUE(updated);
  EXPECT_EQ(updated->outcome, ApplyOutcome::kConfigured);
  EXPECT_EQ(updated->object["data"]["password"], "b3RoZXI=");
  EXPECT_EQ(updated->object["metadata"]["generation"], 1);
  EXPECT_EQ(store.get({"Secret", "default", "root"}).value()["data"]["password"], "b3RoZXI=");
}

TEST_F(LocalStoreTest, UpdateStatus) {
  LocalStore store(root_);
  ASSERT_TRUE(store.apply(mariadb("db")));
  json seen;
  auto updated = store.update_status(kDb, [&](json& status) {
    seen = status;
    status["conditions"] = json::array({{{"type", "Ready"}, {"status", "False"}}});
  });
  ASSERT_TRUE(updated);
  EXPECT_EQ(seen, json::object());
  EXPECT_EQ(updated->at("status")["conditions"][0]["type"], "Ready");
  EXPECT_EQ(version_of(*updated), 2);
  EXPECT_EQ((*updated)["metadata"]["generation"], 1);

  auto same =
      store.update_status(kDb, [](json& status) { status["conditions"][0]["status"] = "False"; });
  ASSERT_TRUE(same);
  EXPECT_EQ(version_of(*same), 2);
  EXPECT_EQ(store.current_version(), 2);

  auto missing = store.update_status({"MariaDB", "default", "gone"}, [](json&) {});
  ASSERT_FALSE(missing);
  EXPECT_TRUE(is_not_found(missing.error()));
  EXPECT_EQ(missing.error().message, "not found");
}

TEST_F(LocalStoreTest, UpdateWholeObject) {
  LocalStore store(root_);
  ASSERT_TRUE(store.apply(mariadb("db")));
  auto finalized = store.update(kDb, [](json& object) {
    object["metadata"]["finalizers"] = json::array({"k8s.mariadb.com/finalizer"});
  });
  ASSERT_TRUE(finalized);
  EXPECT_EQ((*finalized)["metadata"]["generation"], 1);
  EXPECT_EQ(version_of(*finalized), 2);

  auto respecced = store.update(kDb, [](json& object) { object["spec"]["replicas"] = 1; });
  ASSERT_TRUE(respecced);
  EXPECT_EQ((*respecced)["metadata"]["generation"], 2);
  EXPECT_EQ(version_of(*respecced), 3);

  // The counters are the store's: a mutate that only touches them changes nothing.
  auto unchanged = store.update(kDb, [](json& object) {
    object["metadata"]["resourceVersion"] = "77";
    object["metadata"]["generation"] = 9;
  });
  ASSERT_TRUE(unchanged);
  EXPECT_EQ(*unchanged, store.get(kDb).value());
  EXPECT_EQ(store.current_version(), 3);
}

TEST_F(LocalStoreTest, UpdateMayNotChangeIdentity) {
  LocalStore store(root_);
  ASSERT_TRUE(store.apply(mariadb("db")));
  for (auto mutate : std::vector<std::function<void(json&)>>{
           [](json& o) { o["metadata"]["name"] = "other"; },
           [](json& o) { o["metadata"]["namespace"] = "prod"; },
           [](json& o) { o["metadata"]["uid"] = "x"; },
           [](json& o) { o["kind"] = "Backup"; },
           [](json& o) { o.erase("metadata"); },
       }) {
    auto result = store.update(kDb, mutate);
    ASSERT_FALSE(result);
    EXPECT_NE(result.error().message.find("may not change"), std::string::npos);
  }
  EXPECT_EQ(store.current_version(), 1);
  EXPECT_FALSE(store.update({"MariaDB", "default", "gone"}, [](json&) {}));
}

TEST_F(LocalStoreTest, Remove) {
  LocalStore store(root_);
  ASSERT_TRUE(store.apply(mariadb("db")));
  auto removed = store.remove(kDb);
  ASSERT_TRUE(removed);
  EXPECT_TRUE(*removed);
  EXPECT_EQ(store.current_version(), 2);  // watchers see deletions
  EXPECT_FALSE(store.exists(kDb));
  auto missing = store.get(kDb);
  ASSERT_FALSE(missing);
  EXPECT_TRUE(is_not_found(missing.error()));
  EXPECT_EQ(missing.error().message, "not found");
  auto again = store.remove(kDb);
  ASSERT_TRUE(again);
  EXPECT_FALSE(*again);

  // A re-created object is a new object.
  auto recreated = store.apply(mariadb("db"));
  ASSERT_TRUE(recreated);
  EXPECT_EQ(recreated->outcome, ApplyOutcome::kCreated);
  EXPECT_EQ(recreated->object["metadata"]["resourceVersion"], "3");
}

TEST_F(LocalStoreTest, ListSortedAcrossNamespaces) {
  LocalStore store(root_);
  for (auto [name, ns] : std::vector<std::pair<std::string, std::string>>{
           {"b", "prod"}, {"a", "prod"}, {"z", "default"}, {"c", "dev"}}) {
    ASSERT_TRUE(store.apply(mariadb(name, ns)));
  }
  ASSERT_TRUE(store.apply({{"apiVersion", "v1"},
                           {"kind", "Secret"},
                           {"metadata", {{"name", "s"}, {"namespace", "prod"}}},
                           {"data", json::object()}}));
  std::vector<std::string> all;
  for (const json& object : store.list("MariaDB")) {
    all.push_back(object["metadata"]["namespace"].get<std::string>() + "/" +
                  object["metadata"]["name"].get<std::string>());
  }
  EXPECT_EQ(all, (std::vector<std::string>{"default/z", "dev/c", "prod/a", "prod/b"}));
  auto prod = store.list("MariaDB", "prod");
  ASSERT_EQ(prod.size(), 2u);
  EXPECT_EQ(prod[0]["metadata"]["name"], "a");
  EXPECT_EQ(store.list("Secret").size(), 1u);
  EXPECT_TRUE(store.list("Backup").empty());
  EXPECT_TRUE(store.list("MariaDB", "nowhere").empty());
}

TEST_F(LocalStoreTest, RejectsKeysThatLeaveTheStore) {
  LocalStore store(root_);
  auto escaped = store.apply(mariadb("../../escape"));
  ASSERT_FALSE(escaped);
  EXPECT_EQ(escaped.error().field, "metadata.name");
  EXPECT_EQ(escaped.error().code, ErrorCode::kInvalid);
  EXPECT_FALSE(store.apply(mariadb("db", "..")));
  EXPECT_FALSE(store.get({"..", "default", "db"}));
  EXPECT_FALSE(store.exists({"MariaDB", "default", ""}));
  EXPECT_TRUE(store.list("..").empty());
}

TEST_F(LocalStoreTest, PersistsAcrossInstances) {
  {
    LocalStore store(root_);
    ASSERT_TRUE(store.apply(mariadb("db")));
    ASSERT_TRUE(store.update_status(kDb, [](json& status) { status["phase"] = "Ready"; }));
    store.record_event(store.get(kDb).value(), "Normal", "Created", "cluster created");
  }
  LocalStore reopened(root_);
  EXPECT_EQ(reopened.current_version(), 2);
  EXPECT_EQ(reopened.get(kDb).value()["status"]["phase"], "Ready");
  EXPECT_EQ(reopened.events().size(), 1u);
  auto next = reopened.apply(mariadb("db", "", 4));
  ASSERT_TRUE(next);
  EXPECT_EQ(next->object["metadata"]["resourceVersion"], "3");
}

TEST_F(LocalStoreTest, FilesArePrivate) {
  LocalStore store(root_);
  ASSERT_TRUE(store.apply({{"apiVersion", "v1"},
                           {"kind", "Secret"},
                           {"metadata", {{"name", "root"}}},
                           {"data", {{"password", "c2VjcmV0"}}}}));
  store.record_event(json{{"kind", "Secret"}, {"metadata", {{"name", "root"}}}}, "Normal", "Seen",
                     "seen");
  EXPECT_EQ(mode_of(root_), 0700u);
  for (const auto& entry : fs::recursive_directory_iterator(root_)) {
    if (entry.is_regular_file()) {
      EXPECT_EQ(mode_of(entry.path()), 0600u) << entry.path();
    }
  }
  EXPECT_TRUE(fs::exists(root_ / "objects" / "Secret" / "default" / "root.json"));
  EXPECT_TRUE(fs::exists(root_ / "lock"));
  EXPECT_TRUE(fs::exists(root_ / "version"));
}

TEST_F(LocalStoreTest, EventsAreRecordedAndDeduplicated) {
  LocalStore store(root_);
  json db = store.apply(mariadb("db")).value().object;
  store.record_event(db, "Normal", "Bootstrapping", "bootstrapping db-0");
  store.record_event(db, "Warning", "NodeCrashed", "db-1 exited");
  store.record_event(db, "Normal", "Bootstrapping", "bootstrapping db-0");

  auto events = store.events();
  ASSERT_EQ(events.size(), 2u);
  // The repeated event now is the newest, with its count raised.
  EXPECT_EQ(events[0]["reason"], "NodeCrashed");
  EXPECT_EQ(events[1]["reason"], "Bootstrapping");
  EXPECT_EQ(events[1]["count"], 2);
  EXPECT_EQ(events[0]["count"], 1);
  const json& event = events[1];
  EXPECT_EQ(event["kind"], "Event");
  EXPECT_EQ(event["type"], "Normal");
  EXPECT_EQ(event["message"], "bootstrapping db-0");
  EXPECT_TRUE(event["metadata"]["name"].get<std::string>().starts_with("db."));
  EXPECT_EQ(event["metadata"]["namespace"], "default");
  EXPECT_EQ(event["involvedObject"]["kind"], "MariaDB");
  EXPECT_EQ(event["involvedObject"]["name"], "db");
  EXPECT_EQ(event["involvedObject"]["uid"], db["metadata"]["uid"]);
  EXPECT_TRUE(event.contains("firstTimestamp"));
  EXPECT_TRUE(event.contains("lastTimestamp"));

  // Same reason and message for another object is another event.
  store.record_event(json{{"kind", "MariaDB"}, {"name", "db2"}, {"namespace", "default"}}, "Normal",
                     "Bootstrapping", "bootstrapping db-0");
  EXPECT_EQ(store.events().size(), 3u);
}

TEST_F(LocalStoreTest, EventFilters) {
  LocalStore store(root_);
  store.record_event(mariadb("db", "prod"), "Normal", "A", "a");
  store.record_event(mariadb("db", "dev"), "Normal", "B", "b");
  store.record_event(
      json{{"kind", "Backup"}, {"metadata", {{"name", "db"}, {"namespace", "prod"}}}}, "Normal",
      "C", "c");
  EXPECT_EQ(store.events().size(), 3u);
  EXPECT_EQ(store.events("prod").size(), 2u);
  EXPECT_EQ(store.events("", "MariaDB").size(), 2u);
  EXPECT_EQ(store.events("prod", "MariaDB", "db").size(), 1u);
  EXPECT_EQ(store.events("prod", "MariaDB", "db")[0]["reason"], "A");
  EXPECT_TRUE(store.events("prod", "MariaDB", "other").empty());
  EXPECT_TRUE(LocalStore(dir_ / "empty").events().empty());
}

TEST_F(LocalStoreTest, EventsSurviveATornLine) {
  LocalStore store(root_);
  store.record_event(mariadb("db"), "Normal", "A", "a");
  std::string text = read_file(root_ / "events.jsonl").value();
  ASSERT_TRUE(write_file_atomic(root_ / "events.jsonl", text + "{\"kind\":\"Ev"));
  store.record_event(mariadb("db"), "Normal", "B", "b");
  store.record_event(mariadb("db"), "Normal", "A", "a");
  auto events = store.events();
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[1]["reason"], "A");
  EXPECT_EQ(events[1]["count"], 2);
}

TEST_F(LocalStoreTest, EventLogIsCompacted) {
  LocalStore store(root_);
  // 4000 lines, as if 4000 distinct events had been recorded.
  std::string log;
  for (int i = 0; i < 4000; ++i) {
    json event = {
        {"kind", "Event"},
        {"metadata", {{"name", "db." + std::to_string(i)}, {"namespace", "default"}}},
        {"involvedObject", {{"kind", "MariaDB"}, {"namespace", "default"}, {"name", "db"}}},
        {"type", "Normal"},
        {"reason", "R"},
        {"message", "m" + std::to_string(i)},
        {"count", 1}};
    log += event.dump() + "\n";
  }
  ASSERT_TRUE(write_file_atomic(root_ / "events.jsonl", log));
  auto lines = [&] {
    std::string text = read_file(root_ / "events.jsonl").value();
    return std::count(text.begin(), text.end(), '\n');
  };
  store.record_event(mariadb("db"), "Normal", "R", "m3999");  // an update of the newest
  EXPECT_EQ(lines(), 2000);
  store.record_event(mariadb("db"), "Normal", "R", "new");
  EXPECT_EQ(lines(), 2001);  // appended again until the next compaction
  auto events = store.events();
  ASSERT_EQ(events.size(), 2000u);  // never more than the newest 2000
  EXPECT_EQ(events.front()["message"], "m2001");
  EXPECT_EQ(events[events.size() - 2]["message"], "m3999");
  EXPECT_EQ(events[events.size() - 2]["count"], 2);
  EXPECT_EQ(events.back()["message"], "new");
}

TEST_F(LocalStoreTest, ConcurrentThreadsDoNotLoseUpdates) {
  LocalStore store(root_);
  ASSERT_TRUE(store.apply(mariadb("db")));
  auto bump = [&] {
    LocalStore own(root_);  // as a second process would: its own instance
    for (int i = 0; i < 50; ++i) {
      ASSERT_TRUE(own.update_status(
          kDb, [](json& status) { status["counter"] = status.value("counter", 0) + 1; }));
    }
  };
  std::thread a(bump);
  std::thread b(bump);
  a.join();
  b.join();
  EXPECT_EQ(store.get(kDb).value()["status"]["counter"], 100);
  EXPECT_EQ(store.current_version(), 101);
}

TEST_F(LocalStoreTest, ConcurrentProcessesDoNotLoseUpdates) {
  LocalStore store(root_);
  json manifest = mariadb("db");
  manifest["metadata"]["annotations"] = {{"n", "0"}};
  ASSERT_TRUE(store.apply(manifest));
  std::vector<pid_t> children;
  for (int child = 0; child < 2; ++child) {
    pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      LocalStore own(root_);
      bool ok = true;
      for (int i = 0; i < 50; ++i) {
        ok = ok &&
             own.update(
                    kDb,
                    [](json& object) {
                      object["metadata"]["annotations"]["n"] = std::to_string(
                          std::stoi(object["metadata"]["annotations"]["n"].get<std::string>()) + 1);
                    })
                 .has_value();
      }
      ::_exit(ok ? 0 : 1);
    }
    children.push_back(pid);
  }
  for (pid_t pid : children) {
    int status = 0;
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  }
  json object = store.get(kDb).value();
  EXPECT_EQ(object["metadata"]["annotations"]["n"], "100");
  EXPECT_EQ(object["metadata"]["resourceVersion"], "101");
}

// Waits on `watch` until `key` is reported or 10 s pass; every key reported on the way is kept.
std::set<ObjectKey> wait_for(StoreWatch& watch, const ObjectKey& key) {
  std::set<ObjectKey> seen;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!seen.contains(key) && std::chrono::steady_clock::now() < deadline) {
    StoreChanges changes = watch.wait(deadline);
    seen.insert(changes.keys.begin(), changes.keys.end());
  }
  return seen;
}

TEST_F(LocalStoreTest, WatchSeesAnotherProcessCreateUpdateAndRemove) {
  LocalStore store(root_);
  auto watch = store.watch();
  ASSERT_TRUE(watch) << watch.error().message;
  // The kind and namespace directories do not exist yet: the child creates them, and the
  // watch must follow into them however fast the object lands there.
  const ObjectKey key{"MariaDB", "prod", "db"};
  auto in_child = [&](const std::function<bool(Store&)>& write) {
    pid_t pid = ::fork();
    if (pid == 0) {
      LocalStore own(root_);
      ::_exit(write(own) ? 0 : 1);
    }
    int status = 0;
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);
    ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  };

  in_child([](Store& own) { return own.apply(mariadb("db", "prod")).has_value(); });
  EXPECT_EQ(wait_for(**watch, key), std::set<ObjectKey>{key});

  in_child([&](Store& own) {
    return own.update_status(key, [](json& status) { status["phase"] = "Ready"; }).has_value();
  });
  EXPECT_EQ(wait_for(**watch, key), std::set<ObjectKey>{key});

  in_child([&](Store& own) { return own.remove(key).value_or(false); });
  EXPECT_EQ(wait_for(**watch, key), std::set<ObjectKey>{key});
  EXPECT_FALSE(store.exists(key));
}

TEST_F(LocalStoreTest, WatchWakesAWaiterBlockedBeforeTheWrite) {
  LocalStore store(root_);
  ASSERT_TRUE(store.apply(mariadb("db")));
  auto watch = store.watch();
  ASSERT_TRUE(watch);
  std::promise<StoreChanges> woken;
  std::thread waiter([&] {
    woken.set_value((*watch)->wait(std::chrono::steady_clock::now() + std::chrono::seconds(10)));
  });
  auto started = std::chrono::steady_clock::now();
  LocalStore other(root_);  // as another process would: its own instance
  ASSERT_TRUE(other.update_status(kDb, [](json& status) { status["phase"] = "Ready"; }));
  StoreChanges changes = woken.get_future().get();
  waiter.join();
  EXPECT_EQ(changes.keys, std::vector<ObjectKey>{kDb});
  EXPECT_FALSE(changes.resync);
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(5));
}

TEST_F(LocalStoreTest, WatchReportsEachChangedObjectOnce) {
  LocalStore store(root_);
  auto watch = store.watch();
  ASSERT_TRUE(watch);
  for (int replicas = 1; replicas <= 3; ++replicas) {
    ASSERT_TRUE(store.apply(mariadb("a", "", replicas)));
  }
  ASSERT_TRUE(store.apply(mariadb("b")));
  store.record_event(mariadb("a"), "Normal", "Reason", "events are not object changes");
  // Everything happened before the wait: one wait returns it all, each key once.
  StoreChanges changes =
      (*watch)->wait(std::chrono::steady_clock::now() + std::chrono::seconds(10));
  EXPECT_EQ(changes.keys,
            (std::vector<ObjectKey>{{"MariaDB", "default", "a"}, {"MariaDB", "default", "b"}}));
}

}  // namespace
}  // namespace mdbop
