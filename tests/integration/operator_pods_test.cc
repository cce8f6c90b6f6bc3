// The operator on Kubernetes with its nodes as pods (--node-agents pod), against a real control
// plane (API server, scheduler, controller manager) whose nodes' kubelets are the kubelet double
// (tests/k8s/kubelet_double): a MariaDB applied with kubectl becomes three pods, scheduled one
// per node with their claims bound to local volumes, running `mdbop agent`; the operator seeds
// the cluster through the pods' agents (the seed's data streamed into the other pods) and the
// MariaDB becomes Ready, its rows readable on every pod's address; a killed server and a
// deleted pod heal; a deleted MariaDB takes its pods and leaves its claims.
#include <gtest/gtest.h>
#include <signal.h>

#include <filesystem>

#include <nlohmann/json.hpp>

#include "harness.h"
#include "kube_control_plane.h"
#include "sql/connection.h"
#include "util/subprocess.h"

namespace mdbop::testing {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;
using namespace std::chrono_literals;

const std::vector<std::string> kNodes = {"node-0", "node-1", "node-2"};
constexpr char kPassword[] = "pods-Pass-1";
constexpr char kNssWrapper[] = "/usr/lib/x86_64-linux-gnu/libnss_wrapper.so";

// The server process of a pod, found by the option file in its claim's directory; 0 when none.
pid_t server_of(const std::string& pod) {
  const std::string option_file = "/nodes/default/" + pod + "/my.cnf";
  for (pid_t pid : all_pids()) {
    const std::string command = process_cmdline(pid);
    if (command.find("mariadbd") != std::string::npos &&
        command.find(option_file) != std::string::npos && process_alive(pid)) {
      return pid;
    }
  }
  return 0;
}

void wait_ready(KubeControlPlane& kube, const std::string& mariadb) {
  const KubectlResult ready =
      kube.kubectl({"wait", "mariadb/" + mariadb, "--for=condition=Ready", "--timeout=300s"});
  ASSERT_EQ(ready.exit_code, 0) << ready.err
                                << kube.kubectl({"get", "mariadb", mariadb, "-o", "yaml"}).out
                                << kube.kubectl({"describe", "pods"}).out
                                << kube.kubectl({"get", "pvc,pv", "-o", "wide"}).out
                                << kube.kubectl({"get", "events"}).out;
}

TEST(OperatorOnPods, AClusterAppliedWithKubectlRunsAsThreePodsAndBecomesReady) {
  KubeControlPlane kube(KubeControlPlaneOptions{.controllers = true});
  ASSERT_TRUE(kube.ready());
  // The servers run as the node user, who passes through to the volumes' directories.
  const fs::path volumes = kube.directory() / "volumes";
  for (const std::string& node : kNodes) fs::create_directories(volumes / node);
  for (const fs::path& passable : {kube.directory(), volumes}) {
    fs::permissions(passable, fs::perms::others_exec | fs::perms::group_exec,
                    fs::perm_options::add);
  }
  ASSERT_GT(kube.start_kubelet_double(
                kNodes, {"--exec", "/mdbop/bin/mdbop=" + std::string(MDBOP_BINARY_DEFAULT),
                         "--skip-init", "mdbop-agent"}),
            0);
  kube.must_kubectl({"apply", "-f", "-"}, local_volumes_yaml(kNodes, volumes));
  kube.must_kubectl({"apply", "-k", std::string(MDBOP_SOURCE_DIR) + "/deploy"});
  kube.must_kubectl({"wait", "--for=condition=Established", "crd", "--all", "--timeout=60s"});

  // Installed as a user installs it and run with its service account's token; it reaches the
  // pods' agents by their DNS names, which resolve here through the double's hosts file.
  Installation installation;
  const pid_t operator_pid = installation.start_operator(
      {{"LD_PRELOAD", kNssWrapper},
       {"NSS_WRAPPER_HOSTS", (kube.kubelet_directory() / "hosts").string()}},
      {"--kubernetes", "--kubeconfig",
       kube.service_account_kubeconfig("mdbop-system", "mdbop-operator").string(), "--node-agents",
       "pod", "--image", "registry.example/mdbop:test"});
  ASSERT_GT(operator_pid, 0);

  kube.must_kubectl(
      {"apply", "-f", "-"},
      galera_manifest("kp", 3, kPassword, "  storage: {size: 1Gi, storageClassName: local}\n"));
  wait_ready(kube, "kp");

  // Three pods, one per node, each Ready (its readiness probe: Synced) on an address of its
  // own, owned by the MariaDB.
  const KubectlResult pods_ready =
      kube.kubectl({"wait", "pods", "-l", "app.kubernetes.io/instance=kp", "--for=condition=Ready",
                    "--timeout=60s"});
  EXPECT_EQ(pods_ready.exit_code, 0) << pods_ready.err;
  const json pods = json::parse(
      kube.must_kubectl({"get", "pods", "-l", "app.kubernetes.io/instance=kp", "-o", "json"}));
  ASSERT_EQ(pods["items"].size(), 3u);
  std::set<std::string> nodes;
  std::vector<std::string> addresses;
  for (const json& pod : pods["items"]) {
    SCOPED_TRACE(pod["metadata"]["name"].get<std::string>());
    nodes.insert(pod["spec"]["nodeName"].get<std::string>());
    addresses.push_back(pod["status"]["podIP"].get<std::string>());
    EXPECT_EQ(pod["metadata"]["ownerReferences"][0]["name"], "kp");
    bool pod_ready = false;
    for (const json& condition : pod["status"]["conditions"]) {
      if (condition["type"] == "Ready") pod_ready = condition["status"] == "True";
    }
    EXPECT_TRUE(pod_ready) << pod["status"].dump(2);
  }
  EXPECT_EQ(nodes.size(), 3u);
  const std::string table = kube.must_kubectl({"get", "mariadb", "kp"});
  EXPECT_NE(table.find("True"), std::string::npos) << table;
  EXPECT_EQ(kube.must_kubectl({"get", "pods", "-l", "k8s.mariadb.com/role=primary", "-o",
                               "jsonpath={.items[*].metadata.name}"}),
            kube.must_kubectl({"get", "mariadb", "kp", "-o", "jsonpath={.status.currentPrimary}"}));

  // A row written on one pod is read on every other: one Galera cluster across the pods.
  SqlEndpoint endpoint;
  endpoint.password = kPassword;
  endpoint.port = 3306;
  endpoint.host = addresses[0];
  auto writer = SqlConnection::connect(endpoint);
  ASSERT_TRUE(writer) << writer.error().what();
  ASSERT_TRUE(writer->execute(
      "CREATE DATABASE pods; CREATE TABLE pods.t (id INT PRIMARY KEY); INSERT INTO pods.t "
      "VALUES (1), (2)"));
  for (const std::string& address : addresses) {
    endpoint.host = address;
    auto reader = SqlConnection::connect(endpoint);
    ASSERT_TRUE(reader) << reader.error().what();
    auto rows = reader->query("SELECT COUNT(*) FROM pods.t");
    ASSERT_TRUE(rows) << rows.error().what();
    EXPECT_EQ(rows->rows.at(0).at(0).value_or(""), "2") << address;
  }

  // The server of one pod killed: the operator restarts it through the pod's agent and the
  // MariaDB is Ready again; the pod stays (its container is the agent, which lives on).
  const std::string killed_uid =
      kube.must_kubectl({"get", "pod", "kp-1", "-o", "jsonpath={.metadata.uid}"});
  const pid_t server = server_of("kp-1");
  ASSERT_GT(server, 0);
  kill(server, SIGKILL);
  ASSERT_TRUE(
      eventually([&] { return server_of("kp-1") > 0 && server_of("kp-1") != server; }, 120s))
      << kube.kubectl({"get", "events"}).out;
  wait_ready(kube, "kp");
  EXPECT_EQ(kube.must_kubectl({"get", "pod", "kp-1", "-o", "jsonpath={.metadata.uid}"}),
            killed_uid);

  // A pod deleted with kubectl: its agent stops the server cleanly, the operator makes the pod
  // again on the same claim and its server rejoins with the data it kept.
  const std::string deleted_uid =
      kube.must_kubectl({"get", "pod", "kp-2", "-o", "jsonpath={.metadata.uid}"});
  kube.must_kubectl({"delete", "pod", "kp-2", "--wait=true", "--timeout=120s"});
  ASSERT_TRUE(eventually(
      [&] {
        const std::string uid =
            kube.kubectl({"get", "pod", "kp-2", "-o", "jsonpath={.metadata.uid}"}).out;
        return !uid.empty() && uid != deleted_uid;
      },
      120s))
      << kube.kubectl({"get", "pods", "-o", "wide"}).out << kube.kubectl({"get", "events"}).out;
  const KubectlResult recreated_ready =
      kube.kubectl({"wait", "pod/kp-2", "--for=condition=Ready", "--timeout=300s"});
  ASSERT_EQ(recreated_ready.exit_code, 0)
      << recreated_ready.err << kube.kubectl({"describe", "pod", "kp-2"}).out
      << kube.kubectl({"get", "events"}).out;
  wait_ready(kube, "kp");
  const std::string recreated_address =
      kube.must_kubectl({"get", "pod", "kp-2", "-o", "jsonpath={.status.podIP}"});
  endpoint.host = recreated_address;
  auto rejoined = SqlConnection::connect(endpoint);
  ASSERT_TRUE(rejoined) << rejoined.error().what();
  auto rows = rejoined->query("SELECT COUNT(*) FROM pods.t");
  ASSERT_TRUE(rows) << rows.error().what();
  EXPECT_EQ(rows->rows.at(0).at(0).value_or(""), "2");

  // Deleted with kubectl: the finalizer holds the MariaDB until its pods are gone; the claims,
  // which no object owns, stay with the data.
  const KubectlResult deleted = kube.kubectl({"delete", "mariadb", "kp", "--timeout=180s"});
  EXPECT_EQ(deleted.exit_code, 0) << deleted.err;
  EXPECT_TRUE(eventually(
      [&] {
        return kube.must_kubectl({"get", "pods", "-l", "app.kubernetes.io/instance=kp", "-o",
                                  "jsonpath={.items[*].metadata.name}"}) == "";
      },
      120s));
  EXPECT_EQ(kube.must_kubectl(
                {"get", "pvc", "storage-kp-0", "-o", "jsonpath={.metadata.ownerReferences}"}),
            "");
}

}  // namespace
}  // namespace mdbop::testing
