// What one reconcile pass sees of a node: its process, saved Galera state and live wsrep
// status, as the node agent observed them.
#pragma once

#include <string>
#include <vector>

#include "agent/node_agent.h"
#include "util/task_pool.h"

namespace mdbop {

// A snapshot as the controllers read it: with its node, and with a standalone server (galera
// off) that answers counted as a Synced Primary component of one.
struct NodeView : NodeSnapshot {
  NodeId id;

  bool running() const { return process.running; }
  bool in_primary() const { return wsrep.answers && wsrep.cluster_status == "Primary"; }
  bool synced() const { return in_primary() && wsrep.local_state == "Synced"; }
  // Takes writes: Synced, or a donor that stays in the group while it serves a state transfer.
  bool serving() const {
    return synced() || (in_primary() && wsrep.local_state == "Donor/Desynced");
  }
};

// The view of one observation.
NodeView node_view(const NodeId& id, const NodeSnapshot& seen, bool galera);

// Observes the given nodes, in parallel on `pool`: a node that hangs on connect must not
// delay seeing the others.
std::vector<NodeView> observe_nodes(TaskPool& pool, NodeAgent& agent,
                                    const std::vector<NodeId>& ids,
                                    const std::string& root_password, bool galera);

}  // namespace mdbop
