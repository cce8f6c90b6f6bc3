#include "kube_control_plane.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

#include <fstream>
#include <thread>

#include "harness.h"
#include "util/files.h"
#include "util/random_password.h"
#include "util/subprocess.h"
#include "util/x509.h"

namespace mdbop::testing {

std::string local_volumes_yaml(const std::vector<std::string>& nodes,
                               const std::filesystem::path& volumes, const std::string& set,
                               const std::string& storage_class, const std::string& size) {
  std::string yaml =
      "apiVersion: storage.k8s.io/v1\nkind: StorageClass\nmetadata:\n  name: " + storage_class +
      "\n"
      "provisioner: kubernetes.io/no-provisioner\nvolumeBindingMode: WaitForFirstConsumer\n";
  for (const std::string& node : nodes) {
    yaml += "---\napiVersion: v1\nkind: PersistentVolume\nmetadata:\n  name: local-" + set + node +
            "\nspec:\n  capacity:\n    storage: " + size +
            "\n  accessModes: [ReadWriteOnce]\n"
            "  persistentVolumeReclaimPolicy: Retain\n  storageClassName: " +
            storage_class + "\n  local:\n    path: " + (volumes / node).string() +
            "\n  nodeAffinity:\n    required:\n      nodeSelectorTerms:\n"
            "      - matchExpressions:\n        - key: kubernetes.io/hostname\n"
            "          operator: In\n          values: [" +
            node + "]\n";
  }
  return yaml;
}

namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

// Where scripts/install-k8s-tools.sh put the binaries: $MDBOP_K8S_BIN (scripts/test.sh sets it).
fs::path tools_directory() {
  const char* bin = std::getenv("MDBOP_K8S_BIN");
  return bin != nullptr ? fs::path(bin) : fs::path();
}

void write_private(const fs::path& path, const std::string& content) {
  auto written = write_file_atomic(path, content, 0600);
  ASSERT_TRUE(written) << written.error().what();
}

}  // namespace

KubeControlPlane::KubeControlPlane(KubeControlPlaneOptions options) : options_(options) {
  char pattern[] = "/tmp/mdbop-kube-XXXXXX";
  const char* made = mkdtemp(pattern);
  directory_ = made != nullptr ? made : "";
  bin_ = tools_directory();
  launch();
}

void KubeControlPlane::launch() {
  ASSERT_FALSE(directory_.empty()) << "cannot make a directory under /tmp";
  ASSERT_FALSE(bin_.empty() || !fs::exists(bin_ / "kube-apiserver"))
      << "the Kubernetes control plane is missing: run scripts/install-k8s-tools.sh and set "
         "MDBOP_K8S_BIN to the directory it prints (scripts/test.sh does both)";
  // A CA, the API server's serving certificate for 127.0.0.1, and the key that signs service
  // account tokens.
  auto ca = make_certificate_authority("mdbop test Kubernetes CA", std::chrono::days(1));
  ASSERT_TRUE(ca) << ca.error().what();
  auto serving = issue_certificate(*ca, "kube-apiserver", {"127.0.0.1"}, std::chrono::days(1));
  ASSERT_TRUE(serving) << serving.error().what();
  auto signing = issue_certificate(*ca, "service-accounts", {}, std::chrono::days(1));
  ASSERT_TRUE(signing) << signing.error().what();
  write_private(directory_ / "ca.crt", ca->certificate);
  write_private(directory_ / "apiserver.crt", serving->certificate);
  write_private(directory_ / "apiserver.key", serving->private_key);
  write_private(directory_ / "sa.key", signing->private_key);
  write_private(directory_ / "sa.crt",
                signing->certificate);  // its public key, as the server reads it
  auto token = random_password(32);
  ASSERT_TRUE(token) << token.error().what();
  // The controllers, when they run, get tokens of their own (administrators too: the
  // controller manager then needs no service-account credentials per controller).
  std::string tokens = *token + ",admin,admin,system:masters\n";
  std::map<std::string, std::string> component_tokens;
  for (const char* component : {"kube-controller-manager", "kube-scheduler"}) {
    if (!options_.controllers) break;
    auto own = random_password(32);
    ASSERT_TRUE(own) << own.error().what();
    component_tokens[component] = *own;
    tokens += *own + "," + component + "," + component + ",system:masters\n";
  }
  write_private(directory_ / "tokens.csv", tokens);

  const int etcd_client = free_loopback_port(20000, 25999);
  const int etcd_peer = free_loopback_port(etcd_client + 1, 25999);
  const int api = free_loopback_port(26000, 31999);
  ASSERT_TRUE(etcd_client > 0 && etcd_peer > 0 && api > 0) << "no free ports for the control plane";
  const std::string etcd_url = "http://127.0.0.1:" + std::to_string(etcd_client);
  const std::string peer_url = "http://127.0.0.1:" + std::to_string(etcd_peer);
  start({(bin_ / "etcd").string(), "--name", "test", "--data-dir", (directory_ / "etcd").string(),
         "--unsafe-no-fsync", "--log-level", "warn", "--listen-client-urls", etcd_url,
         "--advertise-client-urls", etcd_url, "--listen-peer-urls", peer_url,
         "--initial-advertise-peer-urls", peer_url, "--initial-cluster", "test=" + peer_url},
        "etcd.log");
  const std::string dir = directory_.string() + "/";
  std::vector<std::string> apiserver = {(bin_ / "kube-apiserver").string(),
                                        "--etcd-servers",
                                        etcd_url,
                                        "--bind-address",
                                        "127.0.0.1",
                                        "--advertise-address",
                                        "127.0.0.1",
                                        "--secure-port",
                                        std::to_string(api),
                                        "--tls-cert-file",
                                        dir + "apiserver.crt",
                                        "--tls-private-key-file",
                                        dir + "apiserver.key",
                                        "--client-ca-file",
                                        dir + "ca.crt",
                                        "--token-auth-file",
                                        dir + "tokens.csv",
                                        "--service-account-issuer",
                                        "https://kubernetes.default.svc.cluster.local",
                                        "--service-account-key-file",
                                        dir + "sa.crt",
                                        "--service-account-signing-key-file",
                                        dir + "sa.key",
                                        "--authorization-mode",
                                        "Node,RBAC",
                                        "--service-cluster-ip-range",
                                        "10.96.0.0/16",
                                        "--endpoint-reconciler-type",
                                        "none"};
  if (options_.audit_log) {
    // Every request once: when its answer is complete, and a watch also when it starts.
    write_private(directory_ / "audit-policy.yaml",
                  "apiVersion: audit.k8s.io/v1\nkind: Policy\nomitStages: [RequestReceived]\n"
                  "rules:\n  - level: Metadata\n");
    apiserver.insert(apiserver.end(),
                     {"--audit-policy-file", dir + "audit-policy.yaml", "--audit-log-path",
                      audit_log().string(), "--audit-log-format", "json"});
  }
  start(apiserver, "apiserver.log");
  api_port_ = api;
  kubeconfig_ = directory_ / "kubeconfig";
  write_kubeconfig(kubeconfig_, *token, "default");
  ready_ = eventually(
      [&] {
        KubectlResult ready = kubectl({"get", "--raw", "/readyz"});
        return ready.exit_code == 0 && ready.out == "ok";
      },
      90s);
  ASSERT_TRUE(ready_) << "the API server did not become ready; see " << dir << "apiserver.log";
  if (options_.controllers) launch_controllers(component_tokens);
}

void KubeControlPlane::launch_controllers(const std::map<std::string, std::string>& tokens) {
  ready_ = false;
  const std::string dir = directory_.string() + "/";
  write_kubeconfig(directory_ / "controller-manager.kubeconfig",
                   tokens.at("kube-controller-manager"), "kube-system");
  write_kubeconfig(directory_ / "scheduler.kubeconfig", tokens.at("kube-scheduler"), "kube-system");
  // No serving port (--secure-port 0): nothing here scrapes them. The service-account key is
  // the API server's, so the tokens the controller manager signs are accepted.
  start({(bin_ / "kube-controller-manager").string(), "--kubeconfig",
         dir + "controller-manager.kubeconfig", "--bind-address", "127.0.0.1", "--secure-port", "0",
         "--leader-elect=false", "--service-account-private-key-file", dir + "sa.key",
         "--root-ca-file", dir + "ca.crt", "--use-service-account-credentials=false"},
        "controller-manager.log");
  start({(bin_ / "kube-scheduler").string(), "--kubeconfig", dir + "scheduler.kubeconfig",
         "--bind-address", "127.0.0.1", "--secure-port", "0", "--leader-elect=false"},
        "scheduler.log");
  // Pods are refused until their namespace's default ServiceAccount exists.
  ready_ = eventually(
      [&] {
        return kubectl({"get", "serviceaccount", "default", "--namespace", "default"}).exit_code ==
               0;
      },
      60s);
  ASSERT_TRUE(ready_) << "the controller manager made no default ServiceAccount; see " << dir
                      << "controller-manager.log";
}

pid_t KubeControlPlane::start_kubelet_double(const std::vector<std::string>& nodes,
                                             const std::vector<std::string>& args,
                                             const std::string& name) {
  SubprocessOptions process;
  process.argv = {MDBOP_KUBELET_DOUBLE, "--kubeconfig", kubeconfig_.string(), "--directory",
                  kubelet_directory(name).string()};
  process.argv.insert(process.argv.end(), args.begin(), args.end());
  process.argv.insert(process.argv.end(), nodes.begin(), nodes.end());
  process.output_file = (directory_ / (name + ".log")).string();
  auto pid = spawn_detached(process);
  EXPECT_TRUE(pid) << pid.error().what();
  if (!pid) return 0;
  kubelet_pids_.push_back(*pid);
  return *pid;
}

KubeControlPlane::~KubeControlPlane() {
  // The kubelet doubles first, with SIGTERM, so that they stop the processes they started.
  for (pid_t pid : kubelet_pids_) {
    kill(pid, SIGTERM);
    const bool ended = eventually([&] { return waitpid(pid, nullptr, WNOHANG) == pid; }, 30s);
    if (!ended) {
      ADD_FAILURE() << "the kubelet double " << pid << " did not stop on SIGTERM";
      kill(pid, SIGKILL);
      waitpid(pid, nullptr, 0);
    }
  }
  // Newest first: the API server never outlives its etcd.
  for (auto pid = pids_.rbegin(); pid != pids_.rend(); ++pid) {
    kill(*pid, SIGKILL);
    waitpid(*pid, nullptr, 0);
  }
  std::error_code ec;
  if (!directory_.empty() && !std::getenv("MDBOP_KEEP_TEST_HOME")) fs::remove_all(directory_, ec);
}

pid_t KubeControlPlane::start(const std::vector<std::string>& argv, const std::string& log) {
  SubprocessOptions process;
  process.argv = argv;
  process.output_file = (directory_ / log).string();
  auto pid = spawn_detached(process);
  EXPECT_TRUE(pid) << pid.error().what();
  if (!pid) return 0;
  pids_.push_back(*pid);
  return *pid;
}

void KubeControlPlane::write_kubeconfig(const fs::path& file, const std::string& token,
                                        const std::string& namespace_) {
  std::ofstream(file) << "apiVersion: v1\nkind: Config\nclusters:\n- name: test\n"
                      << "  cluster:\n    server: https://127.0.0.1:" << api_port_ << "\n"
                      << "    certificate-authority: " << (directory_ / "ca.crt").string() << "\n"
                      << "users:\n- name: user\n  user:\n    token: " << token << "\n"
                      << "contexts:\n- name: test\n  context:\n    cluster: test\n"
                      << "    user: user\n    namespace: " << namespace_ << "\n"
                      << "current-context: test\n";
  fs::permissions(file, fs::perms::owner_read | fs::perms::owner_write);
}

fs::path KubeControlPlane::service_account_kubeconfig(const std::string& namespace_,
                                                      const std::string& name) {
  std::string token =
      must_kubectl({"create", "token", name, "--namespace", namespace_, "--duration=2h"});
  while (!token.empty() && token.back() == '\n') token.pop_back();
  const fs::path file = directory_ / (namespace_ + "-" + name + ".kubeconfig");
  write_kubeconfig(file, token, namespace_);
  return file;
}

KubectlResult KubeControlPlane::kubectl(const std::vector<std::string>& args,
                                        const std::string& stdin_text) {
  return run_client("kubectl", args, stdin_text, {});
}

KubectlResult KubeControlPlane::helm(const std::vector<std::string>& args) {
  // Its cache, configuration and repositories in this control plane's directory, not $HOME.
  const std::string home = (directory_ / "helm").string();
  return run_client("helm", args, "",
                    {{"HELM_CACHE_HOME", home + "/cache"},
                     {"HELM_CONFIG_HOME", home + "/config"},
                     {"HELM_DATA_HOME", home + "/data"}});
}

KubectlResult KubeControlPlane::run_client(const std::string& tool,
                                           const std::vector<std::string>& args,
                                           const std::string& stdin_text,
                                           const std::map<std::string, std::string>& env) {
  SubprocessOptions command;
  command.argv = {(bin_ / tool).string(), "--kubeconfig", kubeconfig_.string()};
  command.argv.insert(command.argv.end(), args.begin(), args.end());
  command.extra_env = env;
  if (!stdin_text.empty()) command.stdin_data = stdin_text;
  // Longer than any `--timeout` the tests give kubectl (a wait's own bound, up to 300 s), so
  // that kubectl reports its waits itself; this bound only ends a kubectl that hangs.
  command.timeout = 10min;
  auto result = run_process(command);
  if (!result) return {-1, "", result.error().what()};
  return {result->exit_code, result->stdout_text, result->stderr_tail};
}

bool KubeControlPlane::install_crds_and_rbac() {
  bool installed = true;
  for (const std::vector<std::string>& args : std::vector<std::vector<std::string>>{
           {"apply", "-k", std::string(MDBOP_SOURCE_DIR) + "/deploy/crds"},
           {"apply", "-k", std::string(MDBOP_SOURCE_DIR) + "/deploy/rbac"},
           {"wait", "--for=condition=Established", "crd", "--all", "--timeout=60s"}}) {
    const KubectlResult result = kubectl(args);
    EXPECT_EQ(result.exit_code, 0) << "kubectl " << args[0] << " " << args[1] << ": " << result.err;
    installed = installed && result.exit_code == 0;
  }
  return installed;
}

std::string KubeControlPlane::must_kubectl(const std::vector<std::string>& args,
                                           const std::string& stdin_text) {
  KubectlResult result = kubectl(args, stdin_text);
  std::string command;
  for (const std::string& arg : args) command += " " + arg;
  EXPECT_EQ(result.exit_code, 0) << "kubectl" << command << "\n" << result.out << result.err;
  return result.out;
}

}  // namespace mdbop::testing
