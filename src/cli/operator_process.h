// The operator process of an installation, as other commands see it: the holder of the lock on
// $MDBOP_HOME/operator.lock (never a pid file's word), and what it wrote in operator.json.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <optional>
#include <string>

#include "util/ports.h"

namespace mdbop {

struct OperatorInfo {
  pid_t pid = 0;
  bool serving = false;  // operator.json is this holder's; ports and started_at are set
  PortRange ports;
  std::string started_at;
  std::string metrics_address;  // HOST:PORT of /metrics; empty when it serves none
};

// Not for the operator itself: it would drop its lock.
std::optional<OperatorInfo> running_operator(const std::filesystem::path& home);

}  // namespace mdbop
