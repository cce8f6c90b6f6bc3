// The operator's loop: one worker thread per object runs its reconciler, woken by the store's
// watch when a user changes the object; the node agent reports node exits, which go to their
// MariaDB's reconciler at once. The process around it (one per installation, its lock and
// signals) is the operator command's (cli/cmd_operator.cc).
#pragma once

#include <filesystem>
#include <functional>

#include "agent/node_agent.h"
#include "metrics/operator_stats.h"
#include "store/store.h"
#include "util/result.h"

namespace mdbop {

// Runs the reconciler of every object of the registered kinds in `store`, each on its own
// thread, until `should_stop` (asked at least twice a second) says so; nodes keep running.
// `home` resolves relative volume paths of backup storage. Every pass is counted in `stats`.
// `mariadbs_changed` is called on the loop's thread when MariaDB objects may have changed
// (first, after a resync, and when the watch reports one): the wiring keeps the Prometheus
// targets with it.
Result<bool> run_operator(Store& store, NodeAgent& agent, const std::filesystem::path& home,
                          OperatorStats& stats, const std::function<void()>& mariadbs_changed,
                          const std::function<bool()>& should_stop);

}  // namespace mdbop
