// A pod network for the kubelet double: a /16 of the benchmarking range 198.18.0.0/15 (RFC 2544:
// no real network uses it, so a local route to it cuts this machine off from nothing) made local
// with an AnyIP route (`ip route add local 198.18.0.0/16 dev lo`), so that any address in it can
// be bound and reached on this machine as a loopback address can, while the API server takes
// the pods' addresses into Services' EndpointSlices (it refuses loopback ones). Making the route
// needs CAP_NET_ADMIN.
#pragma once

#include <optional>
#include <string>

#include "util/result.h"

namespace mdbop::kubelet {

// Whether `network` names a /16 the double may make local: "198.18" or "198.19".
bool valid_pod_network(const std::string& network);

// Whether a local route already makes `network` (valid_pod_network) local; fails without `ip`.
Result<bool> pod_network_routed(const std::string& network);

class LocalPodNetwork {
 public:
  // REQUIRES: valid_pod_network(network). Makes it local unless a route already does; fails
  // when it cannot (no CAP_NET_ADMIN, no `ip` from iproute2).
  static Result<LocalPodNetwork> make(const std::string& network);
  LocalPodNetwork(LocalPodNetwork&& other) noexcept;
  LocalPodNetwork& operator=(LocalPodNetwork&&) = delete;
  ~LocalPodNetwork();  // removes the route when it made it

 private:
  LocalPodNetwork(std::string network, bool made) : network_(std::move(network)), made_(made) {}
  std::string network_;
  bool made_ = false;
};

}  // namespace mdbop::kubelet
