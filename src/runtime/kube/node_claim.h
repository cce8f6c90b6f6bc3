// The PersistentVolumeClaim of one node, `storage-<pod>`, from spec.storage: `size` and
// `storageClassName`, or a `volumeClaimTemplate` (whose requested size `size` overrides when
// both are given). ReadWriteOnce by default. Growing `size` later is written into the claim's
// request, which the API server accepts when the class allows expansion; shrinking is refused
// by the API server, and by the operator before it asks.
#pragma once

#include <nlohmann/json.hpp>

#include "api/node_id.h"

namespace mdbop {

// REQUIRES: `mariadb` passed validate_and_default() and was stored (it has a uid).
nlohmann::json render_node_claim(const nlohmann::json& mariadb, const NodeId& id);

}  // namespace mdbop
