// Operator: the long-running process. One worker thread per MariaDB runs its reconciler; a
// watcher thread notices node processes dying within ~50 ms. Only one operator may run per
// MDBOP_HOME (an exclusive lock); stopping it leaves every mariadbd running.
#pragma once

#include <filesystem>

#include "runtime/local/local_runtime.h"
#include "util/result.h"

namespace mdbop {

struct OperatorOptions {
  std::filesystem::path home;
  PortRange ports;
};

// Runs until SIGTERM or SIGINT. Fails when another operator holds this home.
Result<bool> run_operator(const OperatorOptions& options);

// $MDBOP_HOME/operator.json, written once the operator is serving.
struct OperatorInfo {
  pid_t pid = 0;
  PortRange ports;
  std::string started_at;
};
std::optional<OperatorInfo> running_operator(const std::filesystem::path& home);

}  // namespace mdbop
