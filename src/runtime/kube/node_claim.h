// The PersistentVolumeClaim of one node, `storage-<pod>`, from spec.storage: `size` and
// `storageClassName`, or a `volumeClaimTemplate` (whose requested size `size` overrides when
// both are given). ReadWriteOnce by default. A claim holds the node's data, so it has no owner:
// deleting the MariaDB (even with a foreground cascade, even when its clean-up fails) never
// deletes a claim; mdbop deletes them only when asked to purge. Found by its labels.
#pragma once

#include <nlohmann/json.hpp>

#include "api/node_id.h"
#include "util/result.h"

namespace mdbop {

// An error naming the field when a template's map is not one.
// REQUIRES: `mariadb` passed validate_and_default().
Result<nlohmann::json> render_node_claim(const nlohmann::json& mariadb, const NodeId& id);

}  // namespace mdbop
