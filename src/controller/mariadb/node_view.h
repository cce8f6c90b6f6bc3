// What one reconcile pass sees of a node: process, saved Galera state and live wsrep status.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "runtime/runtime.h"

namespace mdbop {

struct NodeView {
  NodeId id;
  NodeLayout layout;
  std::optional<pid_t> pid;
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

  bool running() const { return pid.has_value(); }
  bool in_primary() const { return sql_answers && cluster_status == "Primary"; }
  bool synced() const { return in_primary() && local_state == "Synced"; }
  // Takes writes: Synced, or a donor that stays in the group while it serves a state transfer.
  bool serving() const { return synced() || (in_primary() && local_state == "Donor/Desynced"); }
  // Data a cluster may be recovered from: initialised, with a cluster UUID, no aborted SST.
  bool trustworthy_data() const {
    return data_present && !sst_in_progress && grastate && grastate->uuid != kZeroUuid;
  }
};

// Observes the given nodes (which must have layouts). SQL is tried only on running nodes.
// A standalone server (galera false) that answers counts as a Synced Primary of one.
std::vector<NodeView> observe_nodes(Runtime& runtime, const std::vector<NodeId>& ids,
                                    const std::string& root_password, bool galera);

}  // namespace mdbop
