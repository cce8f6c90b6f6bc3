#include "controller/status_totals.h"

namespace mdbop {

void count_in_totals(nlohmann::json& status, const char* name) {
  nlohmann::json& totals = status["totals"];
  if (!totals.is_object()) totals = nlohmann::json::object();
  totals[name] = totals.value(name, 0LL) + 1;
}

}  // namespace mdbop
