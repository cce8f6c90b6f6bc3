// The address each pod of the kubelet double gets: its own, so that every pod may bind the same
// ports as it would in a cluster. Addresses are <network>.1.1-<network>.255.254 of a /16
// network, by default 127.0 (loopback; 127.0.0.0/24 is the host's: 127.0.0.1 is every node's
// hostIP), or a pod network made local (pod_network.h), whose addresses Services' EndpointSlices
// accept. Pure bookkeeping, no I/O.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>

namespace mdbop::kubelet {

inline constexpr char kLoopbackNetwork[] = "127.0";

class PodAddressPool {
 public:
  // `network`: the first two octets of the /16 the addresses are taken from ("198.18").
  explicit PodAddressPool(std::string network = kLoopbackNetwork) : network_(std::move(network)) {}

  // The address the pod holds; else `preferred` when it is one of the pool's and free (the
  // address a pod found on the double's start had from its previous run); else the next free
  // one after the last handed out (so that an address released a moment ago, still cached by a
  // peer, is the last to be taken again); nullopt when all are held.
  std::optional<std::string> acquire(const std::string& pod_uid, const std::string& preferred = "");
  // The pod is gone: its address may be handed out again.
  void release(const std::string& pod_uid);

 private:
  std::string network_;
  std::map<std::string, std::uint32_t> held_;  // pod uid -> index
  std::set<std::uint32_t> taken_;
  std::uint32_t next_ = 0;
};

// "<network>.x.y" of an index in [0, kPodAddresses), and back (nullopt for any other text).
std::string pod_address(std::uint32_t index, const std::string& network = kLoopbackNetwork);
std::optional<std::uint32_t> pod_address_index(const std::string& address,
                                               const std::string& network = kLoopbackNetwork);
inline constexpr std::uint32_t kPodAddresses = 255 * 254;

}  // namespace mdbop::kubelet
