// The operator with --kubernetes: the same controllers reconcile the objects a user gives
// kubectl, status and events go back through the API server, a deletion waits for the
// clean-up, and of two operators only the one holding the Lease acts until it dies. The nodes
// still run on this machine (pods are not built yet: docs/kubernetes.md).
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
  // Installed as a user installs it, and run with the service account it makes: every
  // permission the operator needs is in deploy/rbac, or this test fails.
  ASSERT_TRUE(kube.install_crds_and_rbac());
  const std::filesystem::path operator_kubeconfig =
      kube.service_account_kubeconfig("mdbop-system", "mdbop-operator");

  const std::vector<std::string> flags = {"--kubernetes", "--kubeconfig",
                                          operator_kubeconfig.string()};
  auto lease_holder = [&] {
    return kube
        .kubectl({"get", "lease", "mdbop-operator", "-n", "mdbop-system", "-o",
                  "jsonpath={.spec.holderIdentity}"})
        .out;
  };
  Installation installation;
  const pid_t leader = installation.start_operator({}, flags);
  ASSERT_GT(leader, 0);
  ASSERT_TRUE(
      eventually([&] { return lease_holder().ends_with("-" + std::to_string(leader)); }, 60s))
      << lease_holder();
  // A second operator (another home, as another machine) waits for the Lease.
  Installation standby;
  const pid_t waiting = standby.start_operator({}, flags);
  ASSERT_GT(waiting, 0);
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
  EXPECT_TRUE(standby.node_processes().empty()) << "the operator without the Lease acted";

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

  // The leader dies without giving the Lease up: the other takes it once it has expired.
  installation.kill_operator();
  EXPECT_TRUE(
      eventually([&] { return lease_holder().ends_with("-" + std::to_string(waiting)); }, 90s))
      << lease_holder();
  EXPECT_EQ(kube.must_kubectl({"get", "lease", "mdbop-operator", "-n", "mdbop-system", "-o",
                               "jsonpath={.spec.leaseTransitions}"}),
            "1");
}

}  // namespace
}  // namespace mdbop::testing
