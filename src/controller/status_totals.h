// Counters kept in an object's status.totals (`status.totals.<name>`): what happened to it over
// its life, across operator restarts, for the metrics (docs/monitoring.md). They only grow.
#pragma once

#include <nlohmann/json.hpp>

namespace mdbop {

// Adds one to status.totals.<name> (made 0 first when absent).
void count_in_totals(nlohmann::json& status, const char* name);

}  // namespace mdbop
