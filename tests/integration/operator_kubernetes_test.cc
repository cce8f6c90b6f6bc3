// The operator with --kubernetes: the same controllers reconcile the objects a user gives
// kubectl, status and events go back through the API server, and a deletion waits for the
// clean-up. The nodes still run on this machine (pods are not built yet: docs/kubernetes.md).
#include <gtest/gtest.h>
#include <signal.h>

#include "harness.h"
#include "kube_control_plane.h"

namespace mdbop::testing {
namespace {

using namespace std::chrono_literals;

TEST(OperatorOverKubernetes, AClusterAppliedWithKubectlBecomesReadyAndIsCleanedUpOnDelete) {
  KubeControlPlane kube;
  ASSERT_TRUE(kube.ready());
  kube.must_kubectl({"apply", "-k", std::string(MDBOP_SOURCE_DIR) + "/deploy/crds"});
  kube.must_kubectl({"wait", "--for=condition=Established", "crd", "--all", "--timeout=60s"});

  Installation installation;
  ASSERT_GT(
      installation.start_operator({}, {"--kubernetes", "--kubeconfig", kube.kubeconfig().string()}),
      0);
  kube.must_kubectl({"apply", "-f", "-"}, galera_manifest("kg", 3, "kube-Pass-1"));
  const KubectlResult ready =
      kube.kubectl({"wait", "mariadb/kg", "--for=condition=Ready", "--timeout=300s"});
  ASSERT_EQ(ready.exit_code, 0) << ready.err
                                << kube.kubectl({"get", "mariadb", "kg", "-o", "yaml"}).out
                                << kube.kubectl({"get", "events"}).out;

  // What the user sees is what the nodes are: three Synced members, one primary.
  EXPECT_EQ(kube.must_kubectl({"get", "mariadb", "kg", "-o",
                               "jsonpath={.status.replicas} {.metadata.finalizers[0]}"}),
            "3 k8s.mariadb.com/mdbop");
  const std::string table = kube.must_kubectl({"get", "mariadb", "kg"});
  EXPECT_NE(table.find("True"), std::string::npos) << table;
  EXPECT_NE(table.find("kg-"), std::string::npos) << table;
  const std::string events =
      kube.must_kubectl({"get", "events", "--field-selector", "involvedObject.name=kg", "-o",
                         "jsonpath={range .items[*]}{.reason}{\"\\n\"}{end}"});
  EXPECT_NE(events.find("Bootstrapping"), std::string::npos) << events;

  // A change through kubectl reaches the nodes: a fourth one joins.
  kube.must_kubectl({"patch", "mariadb", "kg", "--type=merge", "-p", R"({"spec":{"replicas":4}})"});
  EXPECT_TRUE(eventually(
      [&] {
        return kube.kubectl({"get", "mariadb", "kg", "-o", "jsonpath={.status.replicas}"}).out ==
               "4";
      },
      300s))
      << kube.kubectl({"get", "mariadb", "kg", "-o", "yaml"}).out;

  // Deleted with kubectl: the finalizer holds the object until its nodes are stopped.
  const KubectlResult deleted = kube.kubectl({"delete", "mariadb", "kg", "--timeout=180s"});
  EXPECT_EQ(deleted.exit_code, 0) << deleted.err;
  EXPECT_NE(kube.kubectl({"get", "mariadb", "kg"}).exit_code, 0);
  EXPECT_TRUE(eventually([&] { return installation.node_processes().empty(); }, 60s));
}

}  // namespace
}  // namespace mdbop::testing
