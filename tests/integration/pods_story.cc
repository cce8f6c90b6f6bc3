#include "pods_story.h"

#include <filesystem>
#include <iostream>

#include <nlohmann/json.hpp>

#include "kubelet_double/hosts_file.h"
#include "kubelet_double/pod_network.h"
#include "util/subprocess.h"

namespace mdbop::testing {

namespace fs = std::filesystem;
using json = nlohmann::json;

std::string free_pod_network() {
  for (const char* network : {"198.18", "198.19"}) {
    if (auto routed = kubelet::pod_network_routed(network); routed && !*routed) return network;
  }
  return "";
}

pid_t server_of(const std::string& pod, const std::string& namespace_) {
  const std::string option_file = "/nodes/" + namespace_ + "/" + pod + "/my.cnf";
  for (pid_t pid : all_pids()) {
    const std::string command = process_cmdline(pid);
    if (command.find("mariadbd") != std::string::npos &&
        command.find(option_file) != std::string::npos && process_alive(pid)) {
      return pid;
    }
  }
  return 0;
}

std::map<std::string, std::string> pod_addresses_by_name(KubeControlPlane& kube,
                                                         const std::string& mariadb,
                                                         const std::string& namespace_) {
  const KubectlResult listed =
      kube.kubectl({"-n", namespace_, "get", "pods", "-l", "app.kubernetes.io/instance=" + mariadb,
                    "-o", "json"});
  std::map<std::string, std::string> by_name;
  const json pods = json::parse(listed.out, nullptr, false);
  if (listed.exit_code != 0 || !pods.is_object() || !pods.contains("items")) return by_name;
  for (const json& pod : pods["items"]) {
    const json metadata = pod.value("metadata", json::object());
    const json status = pod.value("status", json::object());
    by_name[metadata.value("name", "")] = status.value("podIP", "");
  }
  return by_name;
}

std::vector<std::string> pod_addresses(KubeControlPlane& kube, const std::string& mariadb,
                                       const std::string& namespace_) {
  std::vector<std::string> addresses;
  for (const auto& [name, address] : pod_addresses_by_name(kube, mariadb, namespace_)) {
    addresses.push_back(address);
  }
  return addresses;
}

bool PodsStory::start() {
  if (!kube_.ready()) {
    std::cerr << "the control plane did not start (see " << kube_.directory() << ")\n";
    return false;
  }
  // The servers run as the node user, who passes through to the volumes' directories.
  fs::permissions(kube_.directory(), fs::perms::others_exec | fs::perms::group_exec,
                  fs::perm_options::add);
  add_volumes("volumes", "");
  std::vector<std::string> options = {"--exec",
                                      "/mdbop/bin/mdbop=" + std::string(MDBOP_BINARY_DEFAULT),
                                      "--skip-init", "mdbop-agent"};
  // Pods on addresses Services' EndpointSlices take (where the double can make them local).
  if (const std::string network = free_pod_network(); !network.empty()) {
    options.insert(options.end(), {"--pod-network", network});
  }
  if (kube_.start_kubelet_double(kNodes, options) <= 0) {
    std::cerr << "the kubelet double did not start\n";
    return false;
  }
  if (!kube_.install_crds_and_rbac()) {
    std::cerr << "deploy/crds or deploy/rbac did not install\n";
    return false;
  }
  if (start_operator() <= 0) {
    std::cerr << "the operator did not start\n";
    return false;
  }
  return true;
}

void PodsStory::add_volumes(const std::string& directory, const std::string& set,
                            const std::string& storage_class, const std::string& size) {
  const fs::path volumes = kube_.directory() / directory;
  for (const std::string& node : kNodes) fs::create_directories(volumes / node);
  fs::permissions(volumes, fs::perms::others_exec | fs::perms::group_exec, fs::perm_options::add);
  kube_.must_kubectl({"apply", "-f", "-"},
                     local_volumes_yaml(kNodes, volumes, set, storage_class, size));
}

pid_t PodsStory::run_operator(Installation& installation,
                              const std::map<std::string, std::string>& extra_env) {
  std::map<std::string, std::string> env = {
      {"LD_PRELOAD", kubelet::hosts_file_preload()},
      {"NSS_WRAPPER_HOSTS", (kube_.kubelet_directory() / "hosts").string()}};
  env.insert(extra_env.begin(), extra_env.end());
  return installation.start_operator(
      env, {"--kubernetes", "--kubeconfig",
            kube_.service_account_kubeconfig("mdbop-system", "mdbop-operator").string(),
            "--node-agents", "pod", "--image", "registry.example/mdbop:test"});
}

}  // namespace mdbop::testing
