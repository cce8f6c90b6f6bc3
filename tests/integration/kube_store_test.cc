// KubeStore against a real kube-apiserver with mdbop's CRDs: what the controllers read and
// write (objects, status through the status subresource, server-side apply, events as
// events.k8s.io/v1 with repeats counted) is what kubectl sees, and a watch reports the changes
// others make to the kinds mdbop reconciles, through the caches it follows them into; cached,
// it reads its own writes at once. One control plane for the suite.
#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <thread>

#include "kube/kube_config.h"
#include "kube_control_plane.h"
#include "store/kube_store.h"
#include "util/curl_transport.h"

namespace mdbop::testing {
namespace {

using namespace std::chrono_literals;

const char* const kMariaDB = R"(apiVersion: k8s.mariadb.com/v1alpha1
kind: MariaDB
metadata:
  name: NAME
spec:
  rootPasswordSecretKeyRef:
    name: root
    key: password
  replicas: 3
  galera:
    enabled: true
  storage:
    size: 1Gi
)";

std::string mariadb_named(const std::string& name) {
  std::string manifest = kMariaDB;
  manifest.replace(manifest.find("NAME"), 4, name);
  return manifest;
}

class KubeStoreTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    kube_ = new KubeControlPlane();
    if (!kube_->ready()) return;
    kube_->must_kubectl({"apply", "-k", std::string(MDBOP_SOURCE_DIR) + "/deploy/crds"});
    kube_->must_kubectl({"wait", "--for=condition=Established", "crd", "--all", "--timeout=60s"});
  }
  static void TearDownTestSuite() {
    delete kube_;
    kube_ = nullptr;
  }

  void SetUp() override {
    ASSERT_TRUE(kube_->ready());
    auto config = load_kubeconfig(kube_->kubeconfig(), "");
    ASSERT_TRUE(config) << config.error().what();
    auto transport = std::make_shared<CurlTransport>(config->ca_pem, config->client);
    store_ = std::make_unique<KubeStore>(std::make_shared<KubeClient>(*config, transport), "",
                                         "kube-store-test");
  }

  static KubeControlPlane* kube_;
  std::unique_ptr<KubeStore> store_;
};

KubeControlPlane* KubeStoreTest::kube_ = nullptr;

TEST_F(KubeStoreTest, ReadsAndWritesWhatKubectlSees) {
  kube_->must_kubectl({"apply", "-f", "-"}, mariadb_named("shop"));
  const ObjectKey shop{"MariaDB", "default", "shop"};

  auto read = store_->get(shop);
  ASSERT_TRUE(read) << read.error().what();
  EXPECT_EQ((*read)["kind"], "MariaDB");
  EXPECT_EQ((*read)["apiVersion"], "k8s.mariadb.com/v1alpha1");
  EXPECT_EQ((*read)["spec"]["replicas"], 3);
  EXPECT_FALSE((*read)["metadata"].contains("managedFields"));
  EXPECT_TRUE(store_->exists(shop));
  auto missing = store_->get({"MariaDB", "default", "nothere"});
  ASSERT_FALSE(missing);
  EXPECT_TRUE(is_not_found(missing.error()));
  const std::vector<json> listed = store_->list("MariaDB");
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_EQ(listed[0]["kind"], "MariaDB");  // items of a list come without it
  EXPECT_EQ(listed[0]["metadata"]["name"], "shop");

  // Status through the status subresource: kubectl reads it, spec and generation untouched.
  auto with_status = store_->update_status(shop, [](json& status) {
    status["currentPrimary"] = "shop-0";
    status["conditions"] = json::array({{{"type", "Ready"},
                                         {"status", "False"},
                                         {"reason", "Bootstrapping"},
                                         {"message", "starting shop-0"},
                                         {"lastTransitionTime", "2026-12-03T00:00:00Z"}}});
  });
  ASSERT_TRUE(with_status) << with_status.error().what();
  EXPECT_EQ(kube_->must_kubectl({"get", "mariadb", "shop", "-o",
                                 "jsonpath={.status.currentPrimary} {.metadata.generation}"}),
            "shop-0 1");
  const std::string version = (*with_status)["metadata"]["resourceVersion"];
  auto again =
      store_->update_status(shop, [](json& status) { status["currentPrimary"] = "shop-0"; });
  ASSERT_TRUE(again);
  EXPECT_EQ((*again)["metadata"]["resourceVersion"], version) << "an unchanged status was written";

  // The whole object: metadata and spec, generation counted by the API server.
  auto labelled = store_->update(shop, [](json& object) {
    object["metadata"]["labels"]["team"] = "payments";
    object["spec"]["replicas"] = 5;
  });
  ASSERT_TRUE(labelled) << labelled.error().what();
  EXPECT_EQ(kube_->must_kubectl({"get", "mariadb", "shop", "-o",
                                 "jsonpath={.metadata.labels.team} {.spec.replicas} "
                                 "{.metadata.generation} {.status.currentPrimary}"}),
            "payments 5 2 shop-0");

  auto removed = store_->remove(shop);
  ASSERT_TRUE(removed) << removed.error().what();
  EXPECT_TRUE(*removed);
  auto removed_again = store_->remove(shop);
  ASSERT_TRUE(removed_again) << removed_again.error().what();
  EXPECT_FALSE(*removed_again);
  EXPECT_NE(kube_->kubectl({"get", "mariadb", "shop"}).exit_code, 0);
}

// The operator's store reads from watch-fed caches: another's change shows soon after it is
// made, and its own writes at once, however quickly it reads after them.
TEST_F(KubeStoreTest, ACachedStoreReadsItsOwnWritesAtOnceAndOthersSoonAfter) {
  store_->cache_reconciled_kinds();
  kube_->must_kubectl({"apply", "-f", "-"}, mariadb_named("cached"));
  const ObjectKey cached{"MariaDB", "default", "cached"};
  auto seen = [&](const std::function<bool(const json&)>& test) {
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (std::chrono::steady_clock::now() < deadline) {
      auto read = store_->get(cached);
      if (read && test(*read)) return true;
      std::this_thread::sleep_for(20ms);
    }
    return false;
  };
  EXPECT_TRUE(seen([](const json&) { return true; }));

  for (int i = 0; i < 20; ++i) {
    const std::string primary = "cached-" + std::to_string(i);
    auto written =
        store_->update_status(cached, [&](json& status) { status["currentPrimary"] = primary; });
    ASSERT_TRUE(written) << written.error().what();
    auto read = store_->get(cached);
    ASSERT_TRUE(read) << read.error().what();
    EXPECT_EQ((*read)["status"].value("currentPrimary", ""), primary);
    bool listed = false;
    for (const json& object : store_->list("MariaDB")) {
      if (object["metadata"]["name"] == "cached") {
        listed = object["status"].value("currentPrimary", "") == primary;
      }
    }
    EXPECT_TRUE(listed) << primary;
  }

  kube_->must_kubectl({"label", "mariadb", "cached", "team=payments"});
  EXPECT_TRUE(seen([](const json& object) {
    return object["metadata"].value("labels", json::object()).value("team", "") == "payments";
  }));

  auto removed = store_->remove(cached);
  ASSERT_TRUE(removed) << removed.error().what();
  auto gone = store_->get(cached);
  EXPECT_TRUE(!gone && is_not_found(gone.error()));
}

TEST_F(KubeStoreTest, RemovingADeletedObjectLetsGoOfMdbopsFinalizerOnly) {
  kube_->must_kubectl({"apply", "-f", "-"}, mariadb_named("held"));
  kube_->must_kubectl({"patch", "mariadb", "held", "--type=merge", "-p",
                       std::string(R"({"metadata":{"finalizers":[")") + kCleanupFinalizer +
                           R"(","example.com/backup-first"]}})"});
  kube_->must_kubectl({"delete", "mariadb", "held", "--wait=false"});
  const ObjectKey held{"MariaDB", "default", "held"};
  auto marked = store_->get(held);
  ASSERT_TRUE(marked) << marked.error().what();
  EXPECT_TRUE((*marked)["metadata"].contains("deletionTimestamp"));

  auto removed = store_->remove(held);
  ASSERT_TRUE(removed) << removed.error().what();
  EXPECT_TRUE(*removed);
  // The other controller's finalizer still holds it; once that one lets go, it is gone.
  EXPECT_EQ(
      kube_->must_kubectl({"get", "mariadb", "held", "-o", "jsonpath={.metadata.finalizers}"}),
      R"(["example.com/backup-first"])");
  kube_->must_kubectl(
      {"patch", "mariadb", "held", "--type=merge", "-p", R"({"metadata":{"finalizers":null}})"});
  EXPECT_NE(kube_->kubectl({"get", "mariadb", "held"}).exit_code, 0);
}

TEST_F(KubeStoreTest, AppliesServerSideWithoutTakingOtherManagersFields) {
  const json secret = {{"apiVersion", "v1"},
                       {"kind", "Secret"},
                       {"metadata", {{"name", "generated"}, {"namespace", "default"}}},
                       {"data", {{"password", "c2VjcmV0"}}}};
  auto created = store_->apply(secret);
  ASSERT_TRUE(created) << created.error().what();
  EXPECT_EQ(created->outcome, ApplyOutcome::kCreated);
  auto unchanged = store_->apply(secret);
  ASSERT_TRUE(unchanged) << unchanged.error().what();
  EXPECT_EQ(unchanged->outcome, ApplyOutcome::kUnchanged);

  // Another manager's label survives mdbop's next apply.
  kube_->must_kubectl({"label", "secret", "generated", "owner=dba"});
  json changed = secret;
  changed["data"]["password"] = "b3RoZXI=";
  auto configured = store_->apply(changed);
  ASSERT_TRUE(configured) << configured.error().what();
  EXPECT_EQ(configured->outcome, ApplyOutcome::kConfigured);
  EXPECT_EQ(kube_->must_kubectl({"get", "secret", "generated", "-o",
                                 "jsonpath={.data.password} {.metadata.labels.owner}"}),
            "b3RoZXI= dba");
}

TEST_F(KubeStoreTest, RecordsEventsAndCountsRepeats) {
  kube_->must_kubectl({"apply", "-f", "-"}, mariadb_named("noisy"));
  auto noisy = store_->get({"MariaDB", "default", "noisy"});
  ASSERT_TRUE(noisy);
  store_->record_event(*noisy, "Warning", "NodeFailed", "noisy-1 exited with status 1");
  store_->record_event(*noisy, "Warning", "NodeFailed", "noisy-1 exited with status 1");
  store_->record_event(*noisy, "Normal", "Bootstrapped", "noisy-0 started a new cluster");

  const std::vector<json> events = store_->events("default", "MariaDB", "noisy");
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0]["reason"], "NodeFailed");
  EXPECT_EQ(events[0]["count"], 2);
  EXPECT_EQ(events[0]["message"], "noisy-1 exited with status 1");
  EXPECT_EQ(events[0]["involvedObject"]["uid"], (*noisy)["metadata"]["uid"]);
  EXPECT_EQ(events[1]["reason"], "Bootstrapped");
  EXPECT_EQ(events[1]["count"], 1);
  EXPECT_TRUE(store_->events("default", "MariaDB", "other").empty());

  // As a user reads them.
  const std::string shown = kube_->must_kubectl(
      {"get", "events.v1.events.k8s.io", "-o",
       "jsonpath={range .items[*]}{.reason}/{.series.count}/{.regarding.name}{\"\\n\"}{end}"});
  EXPECT_NE(shown.find("NodeFailed/2/noisy"), std::string::npos) << shown;
  EXPECT_NE(shown.find("Bootstrapped//noisy"), std::string::npos) << shown;
}

// The watch follows mdbop's kinds into caches: another's change is told by its key, or, when it
// came in a cache's listing (as the caches start), by a resync after which a listing shows it.
TEST_F(KubeStoreTest, WatchReportsWhatOthersChange) {
  auto watch = store_->watch();
  ASSERT_TRUE(watch) << watch.error().what();
  // The first wait asks for a listing at once (what the caches held before the watch): taken
  // here, so that every report below is news.
  EXPECT_TRUE((*watch)->wait(std::chrono::steady_clock::now()).resync);
  const ObjectKey watched{"MariaDB", "default", "watched"};
  auto reported = [&](const std::function<bool(const std::vector<json>& listed)>& shown) {
    const auto deadline = std::chrono::steady_clock::now() + 20s;
    while (std::chrono::steady_clock::now() < deadline) {
      StoreChanges changes = (*watch)->wait(deadline);
      // News of the object, or a resync, after which a read finds the change.
      bool news = changes.resync;
      for (const ObjectKey& changed : changes.keys) news = news || changed == watched;
      if (news && shown(store_->list("MariaDB"))) return true;
    }
    return false;
  };
  auto replicas = [](const std::vector<json>& listed) {
    for (const json& object : listed) {
      if (object["metadata"]["name"] == "watched") return object["spec"].value("replicas", 0);
    }
    return -1;  // not there
  };

  kube_->must_kubectl({"apply", "-f", "-"}, mariadb_named("watched"));
  EXPECT_TRUE(reported([&](const std::vector<json>& listed) { return replicas(listed) == 3; }));
  kube_->must_kubectl(
      {"patch", "mariadb", "watched", "--type=merge", "-p", R"({"spec":{"replicas":5}})"});
  EXPECT_TRUE(reported([&](const std::vector<json>& listed) { return replicas(listed) == 5; }));
  kube_->must_kubectl({"delete", "mariadb", "watched"});
  EXPECT_TRUE(reported([&](const std::vector<json>& listed) { return replicas(listed) == -1; }));
}

}  // namespace
}  // namespace mdbop::testing
