// The kubelet double (tests/k8s/kubelet_double) against a real control plane: kube-apiserver,
// kube-controller-manager and kube-scheduler decide as in a cluster (the claim bound, the pod
// placed, endpoint slices), and the double plays three nodes' kubelets, running pods as
// processes on this machine. One control plane and one double for the suite.
//
// The StorageClass binds WaitForFirstConsumer, as local volumes need: a claim is bound only
// once the scheduler has placed its pod, to a volume whose node affinity matches that node
// (with Immediate binding the controller would pick a volume first, possibly on a node the
// pod cannot go to).
#include <gtest/gtest.h>
#include <signal.h>

#include <algorithm>

#include "harness.h"
#include "kube_control_plane.h"
#include "util/files.h"
#include "util/subprocess.h"

namespace mdbop::testing {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

const std::vector<std::string> kNodes = {"node-0", "node-1", "node-2"};

// A pod shaped like mdbop's: hostname and subdomain under a headless Service, a claim, a
// secret volume with mode 0400, mdbop's init container (skipped by --skip-init: it would copy
// from mdbop's image) and one that runs, its address from the downward API on its command
// line, a startup probe on a port number and a readiness probe on a named port. The server
// writes its address and a copy of the secret into its claim, then serves on its own address
// from the claim's directory.
const char* const kWeb = R"y(apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  clusterIP: None
  selector:
    app: web
  ports:
  - name: http
    port: 8080
---
apiVersion: v1
kind: Secret
metadata:
  name: web-secret
stringData:
  token: s3cret-token
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata:
  name: data-web-0
spec:
  storageClassName: local
  accessModes: [ReadWriteOnce]
  resources:
    requests:
      storage: 1Gi
---
apiVersion: v1
kind: Pod
metadata:
  name: web-0
  labels:
    app: web
spec:
  hostname: web-0
  subdomain: web
  automountServiceAccountToken: false
  terminationGracePeriodSeconds: 5
  initContainers:
  - name: mdbop-agent
    image: mdbop
    command: [cp, -a, /usr/lib/mdbop/bundle/., /mdbop]
  - name: prepare
    image: debian:12
    command: [/bin/sh, -c, 'echo prepared > "$1/init"', sh, /data]
    volumeMounts:
    - name: data
      mountPath: /data
  containers:
  - name: server
    image: python:3-slim
    command: [/bin/sh, -c]
    args:
    - >-
      echo "$(POD_IP)" > "$1/ip"; cat "$2/token" > "$1/token";
      exec /usr/bin/python3 -m http.server --bind "$(POD_IP)" 8080
    - sh
    - /data
    - /etc/web
    workingDir: /data
    env:
    - name: POD_IP
      valueFrom:
        fieldRef:
          fieldPath: status.podIP
    ports:
    - name: http
      containerPort: 8080
    resources:
      requests:
        cpu: "2"
        memory: 4Gi
    startupProbe:
      tcpSocket:
        port: 8080
      periodSeconds: 1
      failureThreshold: 30
    readinessProbe:
      httpGet:
        path: /
        port: http
      periodSeconds: 1
    volumeMounts:
    - name: data
      mountPath: /data
    - name: secret
      mountPath: /etc/web
      readOnly: true
  volumes:
  - name: data
    persistentVolumeClaim:
      claimName: data-web-0
  - name: secret
    secret:
      secretName: web-secret
      defaultMode: 0400
)y";

const char* const kClient = R"y(apiVersion: v1
kind: Pod
metadata:
  name: client
spec:
  restartPolicy: Never
  automountServiceAccountToken: false
  containers:
  - name: lookup
    image: debian:12
    command: [getent, hosts, web-0.web.default.svc.cluster.local]
)y";

// Alive while the file its liveness probe tests exists in its emptyDir.
const char* const kLive = R"y(apiVersion: v1
kind: Pod
metadata:
  name: live
spec:
  automountServiceAccountToken: false
  terminationGracePeriodSeconds: 2
  containers:
  - name: main
    image: debian:12
    command: [/bin/sh, -c, 'touch "$1/alive"; exec sleep 3600', sh, /scratch]
    livenessProbe:
      exec:
        command: [test, -e, /scratch/alive]
      periodSeconds: 1
      failureThreshold: 2
    volumeMounts:
    - name: scratch
      mountPath: /scratch
  volumes:
  - name: scratch
    emptyDir: {}
)y";

class KubeletDouble : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    kube_ = new KubeControlPlane(KubeControlPlaneOptions{.controllers = true});
    if (!kube_->ready()) return;
    const fs::path volumes = kube_->directory() / "volumes";
    for (const std::string& node : kNodes) fs::create_directories(volumes / node);
    // mdbop's pods need these two; nothing here uses them.
    double_pid_ = kube_->start_kubelet_double(
        kNodes, {"--exec", "/mdbop/bin/mdbop=" + std::string(MDBOP_BINARY_DEFAULT), "--skip-init",
                 "mdbop-agent"});
    kube_->must_kubectl({"apply", "-f", "-"}, local_volumes_yaml(kNodes, volumes));
  }
  static void TearDownTestSuite() {
    delete kube_;
    kube_ = nullptr;
  }
  void SetUp() override {
    ASSERT_TRUE(kube_->ready());
    ASSERT_GT(double_pid_, 0);
  }

  static json get(const std::vector<std::string>& what) {
    std::vector<std::string> args = {"get"};
    args.insert(args.end(), what.begin(), what.end());
    args.insert(args.end(), {"-o", "json"});
    // An empty object when it cannot be read, so that a wait reads on.
    KubectlResult result = kube_->kubectl(args);
    json object = json::parse(result.out, nullptr, false);
    return result.exit_code == 0 && object.is_object() ? object : json::object();
  }
  static json pod(const std::string& name) { return get({"pod", name}); }
  static std::string pod_ip(const std::string& name) {
    return pod(name).value("status", json::object()).value("podIP", "");
  }
  static json container_status(const json& pod) {
    const json statuses = pod.value("status", json::object()).value("containerStatuses", json());
    return statuses.is_array() && !statuses.empty() ? statuses[0] : json::object();
  }
  // The pid the double names in the container's ID ("kubelet-double://<pid>").
  static pid_t container_pid(const json& pod) {
    const std::string id = container_status(pod).value("containerID", "");
    const size_t slash = id.rfind('/');
    return slash == std::string::npos ? 0 : std::stoi(id.substr(slash + 1));
  }
  static bool ready(const json& pod) {
    for (const json& condition : pod.value("status", json::object()).value("conditions", json())) {
      if (condition.value("type", "") == "Ready") return condition.value("status", "") == "True";
    }
    return false;
  }
  static std::string read(const fs::path& file) {
    auto text = read_file(file);
    return text ? *text : "";
  }

  static KubeControlPlane* kube_;
  static pid_t double_pid_;
};

KubeControlPlane* KubeletDouble::kube_ = nullptr;
pid_t KubeletDouble::double_pid_ = 0;

TEST_F(KubeletDouble, RegistersReadyNodesThatRenewTheirLeases) {
  ASSERT_TRUE(eventually(
      [&] {
        json nodes = get({"nodes"});
        if (nodes.value("items", json::array()).size() != kNodes.size()) return false;
        for (const json& node : nodes["items"]) {
          bool node_ready = false;
          for (const json& condition : node["status"]["conditions"]) {
            node_ready |= condition["type"] == "Ready" && condition["status"] == "True";
          }
          if (!node_ready || node["status"]["allocatable"]["cpu"] != "4") return false;
        }
        return true;
      },
      60s))
      << kube_->kubectl({"get", "nodes", "-o", "yaml"}).out;
  json lease;
  ASSERT_TRUE(eventually(
      [&] {
        lease = get({"lease", "node-1", "--namespace", "kube-node-lease"});
        return lease.contains("spec");
      },
      30s));
  EXPECT_EQ(lease["spec"]["holderIdentity"], "node-1");
  const std::string renewed = lease["spec"].value("renewTime", "");
  EXPECT_TRUE(eventually(
      [&] {
        return get({"lease", "node-1", "--namespace", "kube-node-lease"})
                   .value("spec", json::object())
                   .value("renewTime", "") != renewed;
      },
      30s));
}

TEST_F(KubeletDouble, RunsAPodLikeMdbopsFromSchedulingToDeletion) {
  kube_->must_kubectl({"apply", "-f", "-"}, kWeb);

  // Scheduled by the scheduler, its claim bound by the controller manager to the volume of
  // that node, Ready by its readiness probe with an address of its own.
  ASSERT_TRUE(eventually([&] { return ready(pod("web-0")); }, 90s))
      << kube_->kubectl({"get", "pod", "web-0", "-o", "yaml"}).out
      << read(kube_->directory() / "kubelet.log");
  const json web = pod("web-0");
  const std::string node = web["spec"]["nodeName"];
  const json claim = get({"pvc", "data-web-0"});
  EXPECT_EQ(claim["status"]["phase"], "Bound");
  EXPECT_EQ(claim["spec"]["volumeName"], "local-" + node);
  const std::string ip = web["status"]["podIP"];
  EXPECT_TRUE(ip.starts_with("127.") && ip != "127.0.0.1") << ip;
  EXPECT_EQ(web["status"]["hostIP"], "127.0.0.1");
  EXPECT_EQ(web["status"]["phase"], "Running");
  const json status = container_status(web);
  EXPECT_EQ(status["started"], true);
  EXPECT_EQ(status["restartCount"], 0);

  for (const json& init : web["status"]["initContainerStatuses"]) {
    EXPECT_EQ(init["state"]["terminated"]["reason"], "Completed") << init;
  }

  // What the processes wrote under their mount is in the volume's directory; the server runs
  // there; the secret's file has the volume's mode.
  const fs::path volume = kube_->directory() / "volumes" / node;
  EXPECT_EQ(read(volume / "init"), "prepared\n");
  EXPECT_EQ(read(volume / "ip"), ip + "\n");
  EXPECT_EQ(read(volume / "token"), "s3cret-token");
  EXPECT_EQ(fs::read_symlink("/proc/" + std::to_string(container_pid(web)) + "/cwd"), volume);
  const fs::path secret = kube_->kubelet_directory() / "pods" /
                          web["metadata"]["uid"].get<std::string>() / "volumes" / "secret" /
                          "token";
  EXPECT_EQ(fs::status(secret).permissions(), fs::perms::owner_read);
  // Another pod resolves its DNS name to its address.
  kube_->must_kubectl({"apply", "-f", "-"}, kClient);
  ASSERT_TRUE(eventually(
      [&] {
        return pod("client").value("status", json::object()).value("phase", "") == "Succeeded";
      },
      60s))
      << kube_->kubectl({"get", "pod", "client", "-o", "yaml"}).out;
  const std::string lookup =
      read(kube_->kubelet_directory() / "logs" / "default_client_lookup.log");
  EXPECT_TRUE(lookup.starts_with(ip + " ")) << lookup;
  EXPECT_NE(lookup.find("web-0.web.default.svc.cluster.local"), std::string::npos) << lookup;
  EXPECT_NE(pod_ip("client"), ip);

  // A killed process runs again, counted.
  const pid_t first = container_pid(web);
  ASSERT_GT(first, 0);
  ASSERT_TRUE(process_alive(first));
  ASSERT_EQ(kill(first, SIGKILL), 0);
  ASSERT_TRUE(eventually(
      [&] {
        const json again = pod("web-0");
        return container_status(again).value("restartCount", 0) == 1 && ready(again) &&
               container_pid(again) != first;
      },
      60s))
      << kube_->kubectl({"get", "pod", "web-0", "-o", "yaml"}).out;
  const json restarted = pod("web-0");
  EXPECT_EQ(container_status(restarted)["lastState"]["terminated"]["exitCode"], 137);
  EXPECT_EQ(restarted["status"]["podIP"], ip);
  const pid_t second = container_pid(restarted);
  EXPECT_TRUE(process_alive(second));

  // kubectl delete stops its process and the object goes.
  kube_->must_kubectl({"delete", "pod", "web-0", "--timeout=60s"});
  EXPECT_FALSE(process_alive(second));
  EXPECT_NE(kube_->kubectl({"get", "pod", "web-0"}).exit_code, 0);
}

TEST_F(KubeletDouble, RestartsAContainerWhoseLivenessProbeFails) {
  kube_->must_kubectl({"apply", "-f", "-"}, kLive);
  ASSERT_TRUE(eventually([&] { return ready(pod("live")); }, 60s))
      << kube_->kubectl({"get", "pod", "live", "-o", "yaml"}).out;
  const json live = pod("live");
  const pid_t first = container_pid(live);
  const fs::path alive = kube_->kubelet_directory() / "pods" /
                         live["metadata"]["uid"].get<std::string>() / "volumes" / "scratch" /
                         "alive";
  ASSERT_TRUE(fs::exists(alive));
  fs::remove(alive);
  ASSERT_TRUE(eventually(
      [&] {
        const json again = pod("live");
        return container_status(again).value("restartCount", 0) == 1 &&
               container_status(again)["state"].contains("running");
      },
      60s))
      << kube_->kubectl({"get", "pod", "live", "-o", "yaml"}).out;
  EXPECT_FALSE(process_alive(first));
  EXPECT_TRUE(eventually([&] { return fs::exists(alive); }, 10s));

  // Deleted outright (no grace, no kubelet asked): its process is stopped all the same.
  const pid_t second = container_pid(pod("live"));
  ASSERT_TRUE(process_alive(second));
  kube_->must_kubectl({"delete", "pod", "live", "--grace-period=0", "--force"});
  EXPECT_TRUE(eventually([&] { return !process_alive(second); }, 30s));
}

TEST_F(KubeletDouble, KillsAProcessThatIgnoresSigtermAfterTheGracePeriod) {
  kube_->must_kubectl({"apply", "-f", "-"}, R"y(apiVersion: v1
kind: Pod
metadata:
  name: stubborn
spec:
  automountServiceAccountToken: false
  terminationGracePeriodSeconds: 2
  containers:
  - name: main
    image: debian:12
    command: [/bin/sh, -c, 'trap "" TERM; exec sleep 3600']
)y");
  ASSERT_TRUE(eventually([&] { return ready(pod("stubborn")); }, 60s))
      << kube_->kubectl({"get", "pod", "stubborn", "-o", "yaml"}).out;
  const pid_t pid = container_pid(pod("stubborn"));
  const auto asked = std::chrono::steady_clock::now();
  kube_->must_kubectl({"delete", "pod", "stubborn", "--timeout=60s"});
  EXPECT_GE(std::chrono::steady_clock::now() - asked, 2s);
  EXPECT_FALSE(process_alive(pid));
  const std::string log = read(kube_->directory() / "kubelet.log");
  EXPECT_NE(log.find("pod=default/stubborn container=main grace period over: SIGKILL"),
            std::string::npos);
}

// A second double, on a node of its own, stopped with SIGTERM: every process it started is
// gone, the children of its containers' processes too. The next double of that node runs the
// pod again.
TEST_F(KubeletDouble, LeavesNoProcessBehindWhenStoppedAndTheNextRunsItsPodsAgain) {
  const pid_t stopped = kube_->start_kubelet_double({"node-x"}, {}, "kubelet-x");
  ASSERT_GT(stopped, 0);
  kube_->must_kubectl({"apply", "-f", "-"}, R"y(apiVersion: v1
kind: Pod
metadata:
  name: family
spec:
  nodeName: node-x
  automountServiceAccountToken: false
  containers:
  - name: main
    image: debian:12
    command: [/bin/sh, -c, 'sleep 3600 & exec sleep 3601']
)y");
  std::vector<pid_t> family;
  ASSERT_TRUE(eventually(
      [&] {
        const pid_t leader = container_pid(pod("family"));
        family.clear();
        for (pid_t pid : all_pids()) {
          auto stat = process_stat(pid);
          if (leader > 0 && stat && stat->session == leader) family.push_back(pid);
        }
        return family.size() == 2;
      },
      60s))
      << kube_->kubectl({"get", "pod", "family", "-o", "yaml"}).out;
  ASSERT_EQ(kill(stopped, SIGTERM), 0);
  EXPECT_TRUE(eventually(
      [&] {
        return !process_alive(stopped) && std::none_of(family.begin(), family.end(), process_alive);
      },
      30s));

  // A new double for that node finds the pod it never started and runs it, at its address.
  const std::string ip = pod_ip("family");
  ASSERT_GT(kube_->start_kubelet_double({"node-x"}, {}, "kubelet-x"), 0);
  ASSERT_TRUE(eventually(
      [&] {
        const pid_t leader = container_pid(pod("family"));
        return leader > 0 && std::find(family.begin(), family.end(), leader) == family.end() &&
               process_alive(leader);
      },
      60s))
      << kube_->kubectl({"get", "pod", "family", "-o", "yaml"}).out;
  EXPECT_EQ(pod_ip("family"), ip);
  const pid_t again = container_pid(pod("family"));
  kube_->must_kubectl({"delete", "pod", "family", "--timeout=60s"});
  EXPECT_FALSE(process_alive(again));
  // Its node would take pods that never run once the test's doubles are gone.
  kube_->must_kubectl({"delete", "node", "node-x"});
}

}  // namespace
}  // namespace mdbop::testing
