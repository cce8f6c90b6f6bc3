// mdbop's CustomResourceDefinitions (deploy/crds/, generated from the schema mdbop validates
// with) in a real kube-apiserver: they install, every example manifest and the tutorial's
// production manifest are accepted as written, what the schema refuses by type or by name is
// refused by the API server too, and `kubectl get` shows the printer columns from status.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <regex>
#include <sstream>

#include "harness.h"
#include "kube_control_plane.h"
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

std::string mariadb_with(const std::string& replicas_line) {
  std::string manifest = kMariaDB;
  manifest.replace(manifest.find("replicas: REPLICAS"), 18, replicas_line);
  return manifest;
}

TEST(KubernetesCrds, InstallAcceptTheUsersManifestsAndRefuseWhatTheSchemaRefuses) {
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
