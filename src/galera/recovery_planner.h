// Full-cluster recovery decisions: which node, if any, may bootstrap a new Primary
// component, and what positions to write back so the others join by IST. Pure code.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "galera/grastate.h"

namespace mdbop {

// What was observed of one node of a cluster that has no Primary component.
struct NodeObservation {
  int index = 0;
  std::string pod;                    // "<mariadb>-<index>"
  bool running = false;               // a mariadbd process is up
  bool in_primary_component = false;  // running and wsrep_cluster_status == Primary
  bool data_present = false;          // the data directory has been initialised
  bool sst_in_progress = false;       // an "sst_in_progress" marker is in the data directory
  bool grastate_read = false;         // grastate.dat existed and parsed
  GraState grastate;
  std::optional<GaleraPosition> recovered;  // from --wsrep-recover, when it was run
};

struct RecoveryPolicy {
  int replicas = 3;
  int min_cluster_size = 2;         // nodes whose position must be known before bootstrapping
  std::string force_bootstrap_pod;  // manual override: bootstrap this pod, no questions
};

enum class RecoveryAction {
  kNothing,           // a node is already in a Primary component: no bootstrap, just rejoin
  kRecoverPositions,  // run --wsrep-recover on `nodes_to_recover` first
  kBootstrap,         // bootstrap `bootstrap_index`, then start the others
  kWait,              // not enough trustworthy information yet (reason says why)
};

struct PositionWrite {
  int index = 0;
  GraState grastate;  // what to write into that node's grastate.dat before starting it
};

struct RecoveryPlan {
  RecoveryAction action = RecoveryAction::kWait;
  std::vector<int> nodes_to_recover;
  int bootstrap_index = -1;
  GaleraPosition bootstrap_position;
  std::vector<PositionWrite> writes;  // bootstrap node first (safe_to_bootstrap 1), others 0
  std::string reason;                 // one sentence for status and events
};

// Known position of a node: the recovered one, else grastate's when its seqno is not -1.
std::optional<GaleraPosition> known_position(const NodeObservation& node);

// Rules (see DESIGN.md): never bootstrap while a node is in a Primary component; never from a
// node with untrustworthy data (no data, zero UUID, sst_in_progress, a UUID other than the
// majority's); recover positions of nodes whose grastate seqno is -1; bootstrap only when at
// least min_cluster_size trustworthy positions are known; pick the highest seqno, ties broken
// by safe_to_bootstrap then lowest index; write safe_to_bootstrap 1 only on the chosen node.
RecoveryPlan plan_recovery(const std::vector<NodeObservation>& nodes, const RecoveryPolicy& policy);

}  // namespace mdbop
