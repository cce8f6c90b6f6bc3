// Setting one Galera provider option on a running node (SET GLOBAL wsrep_provider_options):
// how the operator evicts a dead member, clears the evictions and promotes a node to Primary.
#pragma once

#include <string>

#include <chrono>

#include "agent/node_agent.h"
#include "util/result.h"

namespace mdbop {

// `option` is "key=value" from the operator itself (never user text): it is not quoted.
Result<bool> set_provider_option(NodeAgent& agent, const NodeId& id, const std::string& password,
                                 const std::string& option,
                                 std::chrono::seconds timeout = std::chrono::seconds(3));

}  // namespace mdbop
