// The PodDisruptionBudget of a MariaDB, `<name>`: spec.podDisruptionBudget's minAvailable or
// maxUnavailable over its pods. A Galera cluster of more than one node that names none gets
// maxUnavailable 1, so that a node drain never takes two members at once and quorum holds;
// a single node gets none (a budget would block every drain).
#pragma once

#include <optional>

#include <nlohmann/json.hpp>

#include "api/mariadb_spec.h"

namespace mdbop {

// nullopt: no budget. REQUIRES: `mariadb` passed validate_and_default() and was stored.
std::optional<nlohmann::json> render_disruption_budget(const nlohmann::json& mariadb,
                                                       const MariaDBSpec& spec);

}  // namespace mdbop
