// What the Kubernetes tests and benchmarks with nodes as pods run on: a real control plane with
// scheduler and controller manager, the kubelet double playing three nodes with local volumes,
// mdbop's CRDs and RBAC, and the operator run on this machine with its service account's token
// and --node-agents pod. Shared by OperatorOnPods and mdbop_kube_bench.
#pragma once

#include <sys/types.h>

#include <map>
#include <string>
#include <vector>

#include "harness.h"
#include "kube_control_plane.h"

namespace mdbop::testing {

// A pod network of this run's own, 198.18 or 198.19 with no local route yet: another
// installation's tests may run beside this one, and a double removes only the route it made.
// Empty when both are taken: the pods get loopback addresses.
std::string free_pod_network();

// The server process of pod `pod` of `namespace_`, found by the option file in its claim's
// directory; 0 when none.
pid_t server_of(const std::string& pod, const std::string& namespace_ = "default");

// The addresses of the pods of MariaDB `mariadb` in `namespace_` by pod name (empty until a
// pod has one), and in the order of their names.
std::map<std::string, std::string> pod_addresses_by_name(KubeControlPlane& kube,
                                                         const std::string& mariadb,
                                                         const std::string& namespace_ = "default");
std::vector<std::string> pod_addresses(KubeControlPlane& kube, const std::string& mariadb,
                                       const std::string& namespace_ = "default");

class PodsStory {
 public:
  static inline const std::vector<std::string> kNodes = {"node-0", "node-1", "node-2"};

  explicit PodsStory(bool audit_log = false)
      : kube_(KubeControlPlaneOptions{.controllers = true, .audit_log = audit_log}) {}

  // The double's nodes with a local volume each, deploy/'s CRDs and RBAC, and the operator;
  // false (with why on stderr or as a test failure) when something did not start or install.
  bool start();
  // One more local volume per node, on directories under `directory`, named local-<set><node>.
  void add_volumes(const std::string& directory, const std::string& set,
                   const std::string& storage_class = "local", const std::string& size = "1Gi");
  // Installed as a user installs it and run with its service account's token; it reaches the
  // pods' agents by their DNS names, which resolve here through the double's hosts file.
  pid_t start_operator(const std::map<std::string, std::string>& extra_env = {}) {
    return run_operator(installation_, extra_env);
  }
  // A second operator, run as the first but with a home of its own, as on another machine.
  pid_t start_second_operator() { return run_operator(second_, {}); }

  KubeControlPlane& kube() { return kube_; }
  Installation& installation() { return installation_; }
  Installation& second_installation() { return second_; }
  // The servers' error logs of every pod, on every volume.
  int count_in_server_logs(const std::string& needle) {
    return count_in_error_logs(kube_.directory(), needle);
  }

 private:
  pid_t run_operator(Installation& installation,
                     const std::map<std::string, std::string>& extra_env);

  KubeControlPlane kube_;
  Installation installation_;
  Installation second_;
};

}  // namespace mdbop::testing
