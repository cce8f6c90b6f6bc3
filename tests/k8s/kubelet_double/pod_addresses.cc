#include "kubelet_double/pod_addresses.h"

#include <cstdio>

namespace mdbop::kubelet {

std::string pod_address(std::uint32_t index, const std::string& network) {
  return network + "." + std::to_string(1 + index / 254) + "." + std::to_string(1 + index % 254);
}

std::optional<std::uint32_t> pod_address_index(const std::string& address,
                                               const std::string& network) {
  const std::string prefix = network + ".";
  if (address.rfind(prefix, 0) != 0) return std::nullopt;
  unsigned x = 0;
  unsigned y = 0;
  char rest = 0;
  if (std::sscanf(address.c_str() + prefix.size(), "%u.%u%c", &x, &y, &rest) != 2 || x < 1 ||
      x > 255 || y < 1 || y > 254 || pod_address((x - 1) * 254 + (y - 1), network) != address) {
    return std::nullopt;
  }
  return (x - 1) * 254 + (y - 1);
}

std::optional<std::string> PodAddressPool::acquire(const std::string& pod_uid,
                                                   const std::string& preferred) {
  if (auto held = held_.find(pod_uid); held != held_.end()) {
    return pod_address(held->second, network_);
  }
  if (auto index = pod_address_index(preferred, network_); index && !taken_.contains(*index)) {
    taken_.insert(*index);
    held_[pod_uid] = *index;
    return preferred;
  }
  for (std::uint32_t tried = 0; tried < kPodAddresses; ++tried) {
    const std::uint32_t index = (next_ + tried) % kPodAddresses;
    if (taken_.contains(index)) continue;
    taken_.insert(index);
    held_[pod_uid] = index;
    next_ = (index + 1) % kPodAddresses;
    return pod_address(index, network_);
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
