// The operator log's line for an event a reconciler records on its object:
// "<kind>=<namespace>/<name> reason=<reason> <message>", at warning level for Warning events.
#pragma once

#include <string>

#include "store/store.h"

namespace mdbop {

void log_event(const ObjectKey& key, const std::string& type, const std::string& reason,
               const std::string& message);

}  // namespace mdbop
