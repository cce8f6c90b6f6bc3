// A real Kubernetes control plane for the tests: etcd and kube-apiserver (built from the Go
// module proxy by scripts/install-k8s-tools.sh), on free loopback ports with certificates made
// for the test, in a directory of its own, killed by pid when the test ends. kubectl talks to it
// through a kubeconfig whose user is an administrator (a static token of group
// system:masters). By default no kubelet, controller manager or scheduler: what is tested there
// is what the API server alone decides (CRDs, their schemas, printer columns). With
// `controllers`, kube-controller-manager and kube-scheduler run too, and the kubelet double
// (tests/k8s/kubelet_double) can play the nodes' kubelets.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace mdbop::testing {

// The StorageClass `storage_class` (no provisioner, WaitForFirstConsumer, as local volumes need:
// a claim is bound once its pod is scheduled, to a volume on that pod's node) and one
// PersistentVolume of `size` per node, `local-<set><node>`, on the directory `volumes`/<node>.
std::string local_volumes_yaml(const std::vector<std::string>& nodes,
                               const std::filesystem::path& volumes, const std::string& set = "",
                               const std::string& storage_class = "local",
                               const std::string& size = "1Gi");

struct KubectlResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};

struct KubeControlPlaneOptions {
  // Also run kube-controller-manager (binds claims to volumes, collects owned objects, makes
  // each namespace's `default` ServiceAccount, endpoint slices of Services) and kube-scheduler.
  bool controllers = false;
  // Also have the API server write its audit log (audit_log(): a JSON line per request, with
  // its user, verb and stage), to count what a client asks.
  bool audit_log = false;
};

class KubeControlPlane {
 public:
  // Starts etcd and the API server (and the controllers when asked) and waits until it is
  // ready (with the controllers: until `default/default` ServiceAccount exists, so that pods
  // are admitted).
  explicit KubeControlPlane(KubeControlPlaneOptions options = {});
  ~KubeControlPlane();
  KubeControlPlane(const KubeControlPlane&) = delete;
  KubeControlPlane& operator=(const KubeControlPlane&) = delete;

  bool ready() const { return ready_; }
  const std::filesystem::path& kubeconfig() const { return kubeconfig_; }
  // A kubeconfig (in this control plane's directory) whose user is the service account
  // `namespace_/name`, with a token the API server issues for it, and `namespace_` as the
  // context's namespace: what a pod running as that account gets.
  std::filesystem::path service_account_kubeconfig(const std::string& namespace_,
                                                   const std::string& name);
  // Starts mdbop_kubelet_double for `nodes` with `args` added (--exec, --skip-init), its files
  // in kubelet_directory(name), its output in <name>.log; its pid, 0 when it did not start.
  // Stopped with SIGTERM (it stops every process it started) when the control plane ends.
  pid_t start_kubelet_double(const std::vector<std::string>& nodes,
                             const std::vector<std::string>& args = {},
                             const std::string& name = "kubelet");
  std::filesystem::path kubelet_directory(const std::string& name = "kubelet") const {
    return directory_ / name;
  }
  const std::filesystem::path& directory() const { return directory_; }
  std::filesystem::path audit_log() const { return directory_ / "audit.log"; }
  // What `kubectl apply -k deploy/` installs but the operator's Deployment and webhook (the
  // tests run the operator on this machine, with the service account's token): the CRDs, until
  // Established, and the namespace, service account and RBAC. False (and a test failure) when
  // kubectl refused any of it.
  bool install_crds_and_rbac();
  // Runs kubectl with this control plane's kubeconfig.
  KubectlResult kubectl(const std::vector<std::string>& args, const std::string& stdin_text = "");
  // As kubectl(), failing the test on a non-zero exit; its stdout.
  std::string must_kubectl(const std::vector<std::string>& args,
                           const std::string& stdin_text = "");
  // Runs helm (built beside kubectl by scripts/install-k8s-tools.sh) with this control plane's
  // kubeconfig, its own files in this control plane's directory.
  KubectlResult helm(const std::vector<std::string>& args);

 private:
  // What the constructor does (assertions cannot return from a constructor).
  void launch();
  // kube-controller-manager and kube-scheduler, each with its token (component name -> token).
  void launch_controllers(const std::map<std::string, std::string>& tokens);
  void write_kubeconfig(const std::filesystem::path& file, const std::string& token,
                        const std::string& namespace_);
  pid_t start(const std::vector<std::string>& argv, const std::string& log);
  // Runs kubectl or helm (`tool`, in bin_) with the kubeconfig, `env` added to its environment.
  KubectlResult run_client(const std::string& tool, const std::vector<std::string>& args,
                           const std::string& stdin_text,
                           const std::map<std::string, std::string>& env);

  std::filesystem::path directory_;
  std::filesystem::path bin_;
  std::filesystem::path kubeconfig_;
  int api_port_ = 0;
  KubeControlPlaneOptions options_;
  std::vector<pid_t> pids_;  // in the order started; stopped newest first
  std::vector<pid_t> kubelet_pids_;
  bool ready_ = false;
};

}  // namespace mdbop::testing
