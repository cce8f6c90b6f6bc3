// A real Kubernetes control plane for the tests: etcd and kube-apiserver (built from the Go
// module proxy by scripts/install-k8s-tools.sh), on free loopback ports with certificates made
// for the test, in a directory of its own, killed by pid when the test ends. kubectl talks to it
// through a kubeconfig whose user is an administrator (a static token of group
// system:masters). No kubelet, controller manager or scheduler: what is tested here is what the
// API server alone decides (CRDs, their schemas, printer columns).
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <string>
#include <vector>

namespace mdbop::testing {

struct KubectlResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};

class KubeControlPlane {
 public:
  KubeControlPlane();  // starts etcd and the API server and waits until it is ready
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
  // Runs kubectl with this control plane's kubeconfig.
  KubectlResult kubectl(const std::vector<std::string>& args, const std::string& stdin_text = "");
  // As kubectl(), failing the test on a non-zero exit; its stdout.
  std::string must_kubectl(const std::vector<std::string>& args,
                           const std::string& stdin_text = "");

 private:
  // What the constructor does (assertions cannot return from a constructor).
  void launch();
  void write_kubeconfig(const std::filesystem::path& file, const std::string& token,
                        const std::string& namespace_);
  pid_t start(const std::vector<std::string>& argv, const std::string& log);

  std::filesystem::path directory_;
  std::filesystem::path bin_;
  std::filesystem::path kubeconfig_;
  int api_port_ = 0;
  std::vector<pid_t> pids_;  // in the order started; stopped newest first
  bool ready_ = false;
};

}  // namespace mdbop::testing
