// PodRuntime against a real kube-apiserver: what a node needs (the MariaDB's Services, budget and
// nodes' authority; the node's Secret, claim and pod) is made once and read back as kubectl sees
// it, each owned by its MariaDB; the primary's role label follows status.currentPrimary, the old
// primary's changed first; removing a node keeps its claim, released from its MariaDB, unless
// purged.
#include "runtime/kube/pod_runtime.h"

#include <gtest/gtest.h>

#include "api/manifest.h"
#include "harness.h"
#include "kube/kube_config.h"
#include "kube_control_plane.h"
#include "runtime/kube/object_names.h"
#include "util/base64.h"
#include "util/curl_transport.h"
#include "util/files.h"
#include "util/x509.h"

namespace mdbop::testing {
namespace {

using json = nlohmann::json;
using namespace std::chrono_literals;

const char* const kMariaDB = R"(apiVersion: k8s.mariadb.com/v1alpha1
kind: MariaDB
metadata:
  name: galera
  namespace: db
spec:
  rootPasswordSecretKeyRef: {name: root, key: password}
  replicas: 3
  galera: {enabled: true}
  storage: {size: 1Gi}
)";

class PodRuntimeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(kube_.ready());
    kube_.must_kubectl({"apply", "-k", std::string(MDBOP_SOURCE_DIR) + "/deploy/crds"});
    kube_.must_kubectl({"wait", "--for=condition=Established", "crd", "--all", "--timeout=60s"});
    for (const char* namespace_ : {"db", "mdbop-system"}) {
      kube_.must_kubectl({"create", "namespace", namespace_});
    }
    // What the controller manager (not run here) makes in every namespace.
    kube_.must_kubectl({"create", "serviceaccount", "default", "-n", "db"});
    kube_.must_kubectl({"apply", "-f", "-"}, kMariaDB);
    auto config = load_kubeconfig(kube_.kubeconfig(), "");
    ASSERT_TRUE(config) << config.error().what();
    auto transport = std::make_shared<CurlTransport>(config->ca_pem, config->client);
    runtime_ = std::make_unique<PodRuntime>(
        std::make_shared<KubeClient>(*config, transport),
        PodRuntimeSettings{{"registry.example/mdbop:test", "registry.example/mdbop:test"},
                           "mdbop-system",
                           "cluster.local"});
  }

  // The MariaDB as the operator reads and validates it.
  json mariadb() {
    const json stored =
        json::parse(kube_.must_kubectl({"get", "mariadb", "galera", "-n", "db", "-o", "json"}));
    json object = {{"apiVersion", stored["apiVersion"]},
                   {"kind", stored["kind"]},
                   {"metadata",
                    {{"name", "galera"},
                     {"namespace", "db"},
                     {"uid", stored["metadata"]["uid"]},
                     {"generation", stored["metadata"]["generation"]}}},
                   {"spec", stored["spec"]}};
    auto valid = validate_and_default(object);
    EXPECT_TRUE(valid);
    if (!valid) return object;
    if (stored.contains("status")) (*valid)["status"] = stored["status"];
    return *valid;
  }

  json get(const std::vector<std::string>& what) {
    std::vector<std::string> args = {"get"};
    args.insert(args.end(), what.begin(), what.end());
    args.insert(args.end(), {"-n", "db", "-o", "json"});
    return json::parse(kube_.must_kubectl(args));
  }

  std::string role_of(const std::string& pod) {
    return get({"pod", pod})["metadata"]["labels"].value(kRoleLabel, "");
  }

  KubeControlPlane kube_;
  std::unique_ptr<PodRuntime> runtime_;
};

TEST_F(PodRuntimeTest, MakesWhatNodesNeedOnceAndMovesThePrimarysLabel) {
  const json object = mariadb();
  const std::string uid = object["metadata"]["uid"];
  for (int index : {0, 1, 2}) {
    auto made = runtime_->ensure_node(object, NodeId{"db", "galera", index});
    ASSERT_TRUE(made) << made.error().what();
  }
  for (const char* kind : {"pods", "services"}) {
    SCOPED_TRACE(kind);
    const json items = get({kind, "-l", "app.kubernetes.io/instance=galera"})["items"];
    EXPECT_EQ(items.size(), std::string(kind) == "services" ? 4u : 3u);
    for (const json& item : items) {
      EXPECT_EQ(item["metadata"]["ownerReferences"][0]["uid"], uid);
    }
  }
  // Claims hold the data: no owner, whom the garbage collector would follow.
  const json claims = get({"pvc", "-l", "app.kubernetes.io/instance=galera"})["items"];
  EXPECT_EQ(claims.size(), 3u);
  for (const json& claim : claims) EXPECT_FALSE(claim["metadata"].contains("ownerReferences"));
  EXPECT_EQ(get({"poddisruptionbudget", "galera"})["spec"]["maxUnavailable"], 1);
  auto indices = runtime_->node_indices("db", "galera");
  ASSERT_TRUE(indices);
  EXPECT_EQ(*indices, (std::vector<int>{0, 1, 2}));

  // The pod's Secret: its node's identity from the MariaDB's nodes' authority, its agent's from
  // the agents' authority, whose key stays in the operator's namespace.
  const json secret = get({"secret", "galera-1-mdbop-tls"});
  const json nodes_ca = get({"secret", "galera-mdbop-node-ca"});
  const json agents_ca = json::parse(kube_.must_kubectl(
      {"get", "secret", kAgentsAuthoritySecret, "-n", "mdbop-system", "-o", "json"}));
  auto decoded = [](const json& s, const char* key) {
    return base64_decode(s["data"].value(key, "")).value_or("");
  };
  EXPECT_TRUE(certificate_signed_by(decoded(secret, "node.crt"), decoded(nodes_ca, "ca.crt")));
  EXPECT_TRUE(certificate_signed_by(decoded(secret, "agent.crt"), decoded(agents_ca, "ca.crt")));
  EXPECT_FALSE(secret["data"].contains("ca.key"));
  EXPECT_EQ(nodes_ca["metadata"]["ownerReferences"][0]["uid"], uid);

  // Again: nothing is written, and the pod is current.
  const std::string version = get({"pod", "galera-1"})["metadata"]["resourceVersion"];
  const std::string secret_version = secret["metadata"]["resourceVersion"];
  auto again = runtime_->ensure_node(object, NodeId{"db", "galera", 1});
  ASSERT_TRUE(again) << again.error().what();
  EXPECT_EQ(again->outdated_uid, "");
  EXPECT_EQ(get({"pod", "galera-1"})["metadata"]["resourceVersion"], version);
  EXPECT_EQ(get({"secret", "galera-1-mdbop-tls"})["metadata"]["resourceVersion"], secret_version);

  // The primary's label follows status.currentPrimary.
  for (int index : {0, 1, 2}) EXPECT_EQ(role_of("galera-" + std::to_string(index)), "secondary");
  kube_.must_kubectl({"patch", "mariadb", "galera", "-n", "db", "--subresource=status",
                      "--type=merge", "-p", R"({"status":{"currentPrimary":"galera-2"}})"});
  for (int index : {0, 1, 2}) {
    ASSERT_TRUE(runtime_->ensure_node(mariadb(), NodeId{"db", "galera", index}));
  }
  EXPECT_EQ(role_of("galera-2"), "primary");
  kube_.must_kubectl({"patch", "mariadb", "galera", "-n", "db", "--subresource=status",
                      "--type=merge", "-p", R"({"status":{"currentPrimary":"galera-0"}})"});
  // The new primary's pass comes first: the old primary is demoted before it is promoted.
  ASSERT_TRUE(runtime_->ensure_node(mariadb(), NodeId{"db", "galera", 0}));
  EXPECT_EQ(role_of("galera-0"), "primary");
  EXPECT_EQ(role_of("galera-2"), "secondary");
  const json primaries =
      get({"pods", "-l", "app.kubernetes.io/instance=galera,k8s.mariadb.com/role=primary"});
  EXPECT_EQ(primaries["items"].size(), 1u);

  // A pod and its Secret deleted by a user are made again; a node beyond spec.replicas is not.
  kube_.must_kubectl({"delete", "pod", "galera-1", "-n", "db", "--wait=false"});
  kube_.must_kubectl({"delete", "secret", "galera-1-mdbop-tls", "-n", "db"});
  ASSERT_TRUE(eventually(
      [&] {
        return kube_.kubectl({"get", "pod", "galera-1", "-n", "db"}).exit_code != 0;
      },
      30s));
  ASSERT_TRUE(runtime_->ensure_node(mariadb(), NodeId{"db", "galera", 1}));
  EXPECT_EQ(get({"pod", "galera-1"})["spec"]["volumes"][0]["persistentVolumeClaim"]["claimName"],
            "storage-galera-1");
  EXPECT_EQ(kube_.kubectl({"get", "secret", "galera-1-mdbop-tls", "-n", "db"}).exit_code, 0);
  ASSERT_TRUE(runtime_->ensure_node(mariadb(), NodeId{"db", "galera", 3}));
  EXPECT_NE(kube_.kubectl({"get", "pod", "galera-3", "-n", "db"}).exit_code, 0);

  // A changed pod field: the pod is outdated and left running until replaced, then made again
  // from the new template on the same claim.
  kube_.must_kubectl({"patch", "mariadb", "galera", "-n", "db", "--type=merge", "-p",
                      R"({"spec":{"nodeSelector":{"disk":"ssd"}}})"});
  const std::string old_uid = get({"pod", "galera-0"})["metadata"]["uid"];
  auto outdated = runtime_->ensure_node(mariadb(), NodeId{"db", "galera", 0});
  ASSERT_TRUE(outdated) << outdated.error().what();
  EXPECT_EQ(outdated->outdated_uid, old_uid);
  EXPECT_EQ(get({"pod", "galera-0"})["metadata"]["uid"], old_uid);
  // Only the pod found outdated is deleted, not another of its name.
  ASSERT_TRUE(runtime_->replace_pod(NodeId{"db", "galera", 0}, "another-pods-uid"));
  EXPECT_EQ(get({"pod", "galera-0"})["metadata"]["uid"], old_uid);
  ASSERT_TRUE(runtime_->replace_pod(NodeId{"db", "galera", 0}, old_uid));
  ASSERT_TRUE(eventually(
      [&] {
        return kube_.kubectl({"get", "pod", "galera-0", "-n", "db"}).exit_code != 0;
      },
      30s));
  auto renewed = runtime_->ensure_node(mariadb(), NodeId{"db", "galera", 0});
  ASSERT_TRUE(renewed) << renewed.error().what();
  EXPECT_EQ(renewed->outdated_uid, "");
  const json made_again = get({"pod", "galera-0"});
  EXPECT_NE(made_again["metadata"]["uid"], old_uid);
  EXPECT_EQ(made_again["spec"]["nodeSelector"]["disk"], "ssd");
  EXPECT_EQ(made_again["spec"]["volumes"][0]["persistentVolumeClaim"]["claimName"],
            "storage-galera-0");

  // Removed: the claim stays; purged: it goes too, and is no node's while it is deleted.
  auto removed = runtime_->remove_node(NodeId{"db", "galera", 2}, false);
  ASSERT_TRUE(removed) << removed.error().what();
  EXPECT_TRUE(*removed);
  EXPECT_NE(kube_.kubectl({"get", "secret", "galera-2-mdbop-tls", "-n", "db"}).exit_code, 0);
  EXPECT_EQ(kube_.kubectl({"get", "pvc", "storage-galera-2", "-n", "db"}).exit_code, 0);
  ASSERT_TRUE(runtime_->remove_node(NodeId{"db", "galera", 1}, true));
  EXPECT_TRUE(kube_.kubectl({"get", "pvc", "storage-galera-1", "-n", "db"}).exit_code != 0 ||
              get({"pvc", "storage-galera-1"})["metadata"].contains("deletionTimestamp"));
  indices = runtime_->node_indices("db", "galera");
  ASSERT_TRUE(indices);
  EXPECT_EQ(*indices, (std::vector<int>{0, 2}));
}

}  // namespace
}  // namespace mdbop::testing
