// Operator: the long-running process. One worker thread per object runs its reconciler; the
// node agent reports node exits, which go to their MariaDB's reconciler at once. Only one operator
// may run per MDBOP_HOME (an exclusive lock); stopping it leaves every mariadbd running.
#pragma once

#include <filesystem>

#include <sys/types.h>

#include <optional>
#include <string>

#include "agent/node_agent.h"
#include "util/ports.h"
#include "util/result.h"

namespace mdbop {

struct OperatorOptions {
  std::filesystem::path home;
  PortRange ports;  // the node agent's, shown by `operator status`
};

// Runs until SIGTERM or SIGINT. Fails when another operator holds this home.
// REQUIRES: `home` prepared by prepare_home (util/private_home.h).
Result<bool> run_operator(const OperatorOptions& options, NodeAgent& agent);

// The operator of `home`: the holder of the lock on $MDBOP_HOME/operator.lock (never a pid
// file's word). Ports and start time come from $MDBOP_HOME/operator.json once the holder has
// written it, which it does when serving. Not for the operator itself: it would drop its lock.
struct OperatorInfo {
  pid_t pid = 0;
  bool serving = false;  // operator.json is this holder's; ports and started_at are set
  PortRange ports;
  std::string started_at;
};
std::optional<OperatorInfo> running_operator(const std::filesystem::path& home);

}  // namespace mdbop
