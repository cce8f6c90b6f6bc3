// mdbop's CustomResourceDefinitions (deploy/crds/, generated from the schema mdbop validates
// with) in a real kube-apiserver: they install, every example manifest and the tutorial's
// production manifest are accepted as written, what the schema refuses by type or by name is
// refused by the API server too, and `kubectl get` shows the printer columns from status. What
// each of those MariaDBs becomes (runtime/kube/: its pods, claims, Services and disruption
// budget) is accepted by the API server as the operator writes it, by server-side apply.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <regex>
#include <sstream>

#include <nlohmann/json.hpp>

#include "api/manifest.h"
#include "api/mariadb_spec.h"
#include "harness.h"
#include "kube_control_plane.h"
#include "runtime/kube/cluster_services.h"
#include "runtime/kube/disruption_budget.h"
#include "runtime/kube/node_claim.h"
#include "runtime/kube/node_pod.h"
#include "util/files.h"

namespace mdbop::testing {
namespace {

namespace fs = std::filesystem;

// The manifests a user applies as written: examples/, and the tutorial's production manifest
// beside the project (MDBOP_SHARED_MANIFESTS, default ../shared/manifests) when it is there.
std::vector<fs::path> user_manifests() {
  std::vector<fs::path> found;
  std::vector<fs::path> directories = {fs::path(MDBOP_SOURCE_DIR) / "examples"};
  const char* shared = std::getenv("MDBOP_SHARED_MANIFESTS");
  directories.push_back(shared != nullptr
                            ? fs::path(shared)
                            : fs::path(MDBOP_SOURCE_DIR) / ".." / "shared" / "manifests");
  for (const fs::path& directory : directories) {
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(directory, ec)) {
      if (entry.path().extension() == ".yaml") found.push_back(entry.path());
    }
  }
  std::sort(found.begin(), found.end());
  return found;
}

const char* const kMariaDB = R"(apiVersion: k8s.mariadb.com/v1alpha1
kind: MariaDB
metadata:
  name: typed
spec:
  rootPasswordSecretKeyRef:
    name: root
    key: password
  replicas: REPLICAS
  galera:
    enabled: true
  storage:
    size: 1Gi
)";

using json = nlohmann::json;

// Renders every stored MariaDB's objects and writes them as the operator does (server-side
// apply, field manager mdbop): the API server's validation of pods, claims, Services and
// budgets accepts them, and each is owned by its MariaDB.
void expect_what_they_become_accepted(KubeControlPlane& kube) {
  const json stored = json::parse(kube.must_kubectl({"get", "mariadb", "-A", "-o", "json"}));
  ASSERT_FALSE(stored["items"].empty());
  const PodEnvironment environment{"registry.example/mdbop:test", "registry.example/mdbop:test"};
  for (const json& item : stored["items"]) {
    const json& metadata = item["metadata"];
    SCOPED_TRACE(metadata.value("name", ""));
    // What the reconciler validates: the object without what the API server adds.
    json object = {{"apiVersion", item["apiVersion"]},
                   {"kind", item["kind"]},
                   {"metadata",
                    {{"name", metadata["name"]},
                     {"namespace", metadata["namespace"]},
                     {"uid", metadata["uid"]}}},
                   {"spec", item["spec"]}};
    auto valid = validate_and_default(object);
    ASSERT_TRUE(valid);
    const MariaDBSpec spec = mariadb_spec_from(*valid);
    // What the controller manager (not run here) makes in every namespace.
    kube.kubectl({"create", "serviceaccount", "default", "-n", metadata["namespace"]});
    json list = {{"apiVersion", "v1"}, {"kind", "List"}, {"items", json::array()}};
    for (int index = 0; index < spec.replicas; ++index) {
      const NodeId id{metadata["namespace"], metadata["name"], index};
      const NodeRole role =
          index == spec.primary_pod_index ? NodeRole::kPrimary : NodeRole::kSecondary;
      list["items"].push_back(*render_node_claim(*valid, id));
      list["items"].push_back(render_node_pod(*valid, spec, id, role, environment));
    }
    auto rendered = render_cluster_services(*valid, spec);
    ASSERT_TRUE(rendered) << rendered.error().what();
    for (const json& service : *rendered) {
      list["items"].push_back(service);
    }
    if (auto budget = render_disruption_budget(*valid, spec)) list["items"].push_back(*budget);
    const std::string applied = kube.must_kubectl(
        {"apply", "--server-side", "--field-manager=mdbop", "-f", "-"}, list.dump());
    const std::string name = metadata["name"];
    EXPECT_NE(applied.find("pod/" + name + "-0"), std::string::npos) << applied;
    const json pod = json::parse(
        kube.must_kubectl({"get", "pod", name + "-0", "-n", metadata["namespace"], "-o", "json"}));
    EXPECT_EQ(pod["metadata"]["ownerReferences"][0]["uid"], metadata["uid"]);
    EXPECT_EQ(pod["spec"]["containers"][0]["command"][4], "agent");
    const json services =
        json::parse(kube.must_kubectl({"get", "services", "-n", metadata["namespace"], "-l",
                                       "app.kubernetes.io/instance=" + name, "-o", "json"}));
    EXPECT_EQ(services["items"].size(), 4u);
  }
}

std::string mariadb_with(const std::string& replicas_line) {
  std::string manifest = kMariaDB;
  manifest.replace(manifest.find("replicas: REPLICAS"), 18, replicas_line);
  return manifest;
}

TEST(KubernetesCrds, InstallAcceptTheUsersManifestsAndWhatTheyBecomeAndRefuseTheRest) {
  KubeControlPlane kube;
  ASSERT_TRUE(kube.ready());
  kube.must_kubectl({"apply", "-k", std::string(MDBOP_SOURCE_DIR) + "/deploy/crds"});
  kube.must_kubectl({"wait", "--for=condition=Established", "crd", "--all", "--timeout=60s"});
  const std::string resources = kube.must_kubectl({"api-resources", "--api-group=k8s.mariadb.com"});
  for (const char* kind :
       {"MariaDB", "Backup", "PhysicalBackup", "Restore", "PointInTimeRecovery"}) {
    EXPECT_NE(resources.find(kind), std::string::npos) << resources;
  }

  const std::vector<fs::path> manifests = user_manifests();
  ASSERT_FALSE(manifests.empty());
  for (const fs::path& manifest : manifests) {
    SCOPED_TRACE(manifest.string());
    // The namespaces it names exist first, as a user creates them.
    std::istringstream lines(*read_file(manifest));
    const std::regex namespace_line(R"(^\s+namespace:\s*([a-z0-9-]+)\s*$)");
    for (std::string line; std::getline(lines, line);) {
      std::smatch named;
      if (std::regex_match(line, named, namespace_line)) {
        kube.kubectl({"create", "namespace", named[1].str()});  // fails when it exists
      }
    }
    const std::string applied = kube.must_kubectl({"apply", "-f", manifest.string()});
    EXPECT_NE(applied.find("mariadb.k8s.mariadb.com/"), std::string::npos) << applied;
  }
  expect_what_they_become_accepted(kube);

  // Refused by type and by name, as `mdbop apply` refuses them, with the field named.
  KubectlResult by_type = kube.kubectl({"apply", "-f", "-"}, mariadb_with("replicas: three"));
  EXPECT_NE(by_type.exit_code, 0);
  EXPECT_NE(by_type.err.find("spec.replicas"), std::string::npos) << by_type.err;
  KubectlResult by_name = kube.kubectl({"apply", "-f", "-"}, mariadb_with("replicaz: 3"));
  EXPECT_NE(by_name.exit_code, 0);
  EXPECT_NE(by_name.err.find("replicaz"), std::string::npos) << by_name.err;
  EXPECT_NE(kube.kubectl({"get", "mariadb", "typed"}).exit_code, 0)
      << "a refused object was stored";

  // The printer columns read status, which only the status subresource writes.
  kube.must_kubectl({"apply", "-f", "-"}, mariadb_with("replicas: 3"));
  kube.must_kubectl({"patch", "mariadb", "typed", "--subresource=status", "--type=merge", "-p",
                     R"({"status":{"currentPrimary":"typed-1","conditions":[{"type":"Ready",)"
                     R"("status":"True","reason":"Running","message":"all 3 nodes Synced",)"
                     R"("lastTransitionTime":"2026-12-02T00:00:00Z"}]}})"});
  const std::string table = kube.must_kubectl({"get", "mariadb", "typed"});
  for (const char* column :
       {"NAME", "READY", "STATUS", "PRIMARY", "AGE", "typed-1", "all 3 nodes Synced", "True"}) {
    EXPECT_NE(table.find(column), std::string::npos) << table;
  }
}

}  // namespace
}  // namespace mdbop::testing
