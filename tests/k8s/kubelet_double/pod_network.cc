#include "kubelet_double/pod_network.h"

#include <spdlog/spdlog.h>

#include <chrono>
#include <vector>

#include "util/subprocess.h"

namespace mdbop::kubelet {
namespace {

std::string prefix_of(const std::string& network) { return network + ".0.0/16"; }

Result<SubprocessResult> ip(std::vector<std::string> arguments) {
  SubprocessOptions options;
  options.argv = {"ip"};
  options.argv.insert(options.argv.end(), arguments.begin(), arguments.end());
  options.timeout = std::chrono::seconds(10);
  return run_process(options);
}

}  // namespace

bool valid_pod_network(const std::string& network) {
  return network == "198.18" || network == "198.19";
}

Result<bool> pod_network_routed(const std::string& network) {
  auto shown = ip({"route", "show", "table", "local", prefix_of(network)});
  if (!shown) return tl::unexpected(shown.error());
  if (!shown->ok()) return fail("ip route show: " + shown->describe());
  return !shown->stdout_text.empty();
}

Result<LocalPodNetwork> LocalPodNetwork::make(const std::string& network) {
  auto routed = pod_network_routed(network);
  if (!routed) return tl::unexpected(routed.error());
  if (*routed) return LocalPodNetwork(network, false);
  auto added = ip({"route", "add", "local", prefix_of(network), "dev", "lo"});
  if (!added) return tl::unexpected(added.error());
  if (!added->ok())
    return fail("ip route add local " + prefix_of(network) + ": " + added->describe());
  return LocalPodNetwork(network, true);
}

LocalPodNetwork::LocalPodNetwork(LocalPodNetwork&& other) noexcept
    : network_(std::move(other.network_)), made_(other.made_) {
  other.made_ = false;
}

LocalPodNetwork::~LocalPodNetwork() {
  if (!made_) return;
  auto removed = ip({"route", "del", "local", prefix_of(network_), "dev", "lo"});
  if (!removed || !removed->ok()) {
    spdlog::warn("could not remove the route of the pod network {}", prefix_of(network_));
  }
}

}  // namespace mdbop::kubelet
