#include "kubelet_double/pod_addresses.h"

namespace mdbop::kubelet {

std::string pod_address(std::uint32_t index) {
  return "127.0." + std::to_string(1 + index / 254) + "." + std::to_string(1 + index % 254);
}

std::optional<std::string> PodAddressPool::acquire(const std::string& pod_uid) {
  if (auto held = held_.find(pod_uid); held != held_.end()) return pod_address(held->second);
  for (std::uint32_t tried = 0; tried < kPodAddresses; ++tried) {
    const std::uint32_t index = (next_ + tried) % kPodAddresses;
    if (taken_.contains(index)) continue;
    taken_.insert(index);
    held_[pod_uid] = index;
    next_ = (index + 1) % kPodAddresses;
    return pod_address(index);
  }
  return std::nullopt;
}

void PodAddressPool::release(const std::string& pod_uid) {
  auto held = held_.find(pod_uid);
  if (held == held_.end()) return;
  taken_.erase(held->second);
  held_.erase(held);
}

}  // namespace mdbop::kubelet
