// The Services of a MariaDB:
// - `<name>-internal`, headless, publishing pods that are not ready yet: it gives each pod its
//   DNS name (`<pod>.<name>-internal.<namespace>.svc`), which peers must resolve before they
//   are Synced;
// - `<name>` (every Synced node), `<name>-primary` (the node taking the writes, moved on
//   failover by its role label) and `<name>-secondary` (the others), for clients. Their
//   templates (`spec.service`, `spec.primaryService`, `spec.secondaryService`) give the type,
//   labels and annotations (under `metadata`, or `annotations` at the top as a widely read
//   tutorial writes them), loadBalancerIP, loadBalancerSourceRanges, externalTrafficPolicy,
//   sessionAffinity and allocateLoadBalancerNodePorts.
#pragma once

#include <vector>

#include <nlohmann/json.hpp>

#include "api/mariadb_spec.h"
#include "util/result.h"

namespace mdbop {

// The four Services; an error naming the field when a template's map is not one.
// REQUIRES: `mariadb` passed validate_and_default() and was stored.
Result<std::vector<nlohmann::json>> render_cluster_services(const nlohmann::json& mariadb,
                                                            const MariaDBSpec& spec);

}  // namespace mdbop
