// What one reconcile pass sees of a node: its process, saved Galera state and live wsrep
// status, as the node agent observed them.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "agent/node_agent.h"

namespace mdbop {

struct NodeView {
  NodeId id;
  NodeAddress address;
  NodeProcess process;
  bool data_present = false;
  bool sst_in_progress = false;
  std::optional<GraState> grastate;

  bool sql_answers = false;  // connected and read wsrep status
  // The server answered but refused us (wrong root password, too many connections): it is
  // up, and must never be taken for a silent or dead node.
  std::string sql_refusal;
  std::string local_state;     // wsrep_local_state_comment: Synced, Joining, Donor/Desynced...
  std::string cluster_status;  // wsrep_cluster_status: Primary, non-Primary, Disconnected
  int cluster_size = 0;
  int64_t last_committed = -1;
  std::string cluster_state_uuid;
  std::string gcomm_uuid;  // wsrep_gcomm_uuid, needed to evict the node when it dies

  bool running() const { return process.running; }
  bool in_primary() const { return sql_answers && cluster_status == "Primary"; }
  bool synced() const { return in_primary() && local_state == "Synced"; }
  // Takes writes: Synced, or a donor that stays in the group while it serves a state transfer.
  bool serving() const { return synced() || (in_primary() && local_state == "Donor/Desynced"); }
};

// The view of one observation. A standalone server (galera false) that answers counts as a
// Synced Primary of one.
NodeView node_view(const NodeId& id, const NodeSnapshot& seen, bool galera);

// Observes the given nodes, in parallel: a node that hangs on connect must not delay seeing
// the others.
std::vector<NodeView> observe_nodes(NodeAgent& agent, const std::vector<NodeId>& ids,
                                    const std::string& root_password, bool galera);

}  // namespace mdbop
