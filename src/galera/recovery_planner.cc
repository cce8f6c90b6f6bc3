#include "galera/recovery_planner.h"

#include <algorithm>
#include <map>
#include <string_view>

namespace mdbop {

namespace {

struct Assessment {
  const NodeObservation* node = nullptr;
  std::optional<GaleraPosition> position;
  std::string distrust;  // why its data cannot be kept (it will need SST); empty when it can
};

std::string name_of(const NodeObservation& node) {
  return node.pod.empty() ? "node " + std::to_string(node.index) : node.pod;
}

std::string join(const std::vector<std::string>& parts, std::string_view separator) {
  std::string joined;
  for (const std::string& part : parts) {
    if (!joined.empty()) joined += separator;
    joined += part;
  }
  return joined;
}

// Why a known position cannot be used, or empty when it can.
std::string position_distrust(const NodeObservation& node, const GaleraPosition& position) {
  if (position.uuid == kZeroUuid) return "zero UUID in the recovered position";
  if (position.seqno < 0) return "no committed position (seqno -1)";
  if (node.grastate_read && node.grastate.uuid != position.uuid) {
    return "grastate.dat UUID " + node.grastate.uuid + " differs from the recovered " +
           position.uuid;
  }
  return "";
}

// What the node itself shows about its data, before comparing it with the others.
Assessment assess(const NodeObservation& node) {
  Assessment a{&node, known_position(node), {}};
  if (!node.data_present) {
    a.distrust = "no data directory";
  } else if (node.sst_in_progress) {
    a.distrust = "aborted SST marker";
  } else if (node.grastate_read && node.grastate.uuid == kZeroUuid) {
    // Galera zeroes the UUID when a state transfer starts, so the data may be half-written.
    a.distrust = "zero UUID in grastate.dat";
  } else if (a.position) {
    a.distrust = position_distrust(node, *a.position);
  }
  return a;
}

std::string needs_sst(const Assessment& a) {
  return name_of(*a.node) + " needs SST: " + a.distrust;
}

std::string unknown_position(const Assessment& a) {
  return name_of(*a.node) + " position unknown: " +
         (a.node->running ? "running outside a Primary component" : "not recovered");
}

PositionWrite write_for(const Assessment& a, const GaleraPosition& position, bool bootstrap) {
  GraState state;
  state.uuid = position.uuid;
  state.seqno = position.seqno;
  state.safe_to_bootstrap = bootstrap;
  return PositionWrite{a.node->index, std::move(state)};
}

std::string with_notes(std::string sentence, const std::vector<std::string>& notes) {
  if (!notes.empty()) sentence += "; " + join(notes, "; ");
  return sentence;
}

// What happens to every node that cannot keep its data or whose position is unknown.
std::vector<std::string> notes_of(const std::vector<Assessment>& nodes) {
  std::vector<std::string> notes;
  for (const Assessment& a : nodes) {
    if (!a.distrust.empty()) {
      notes.push_back(needs_sst(a));
    } else if (!a.position) {
      notes.push_back(unknown_position(a));
    }
  }
  return notes;
}

RecoveryPlan wait(std::string reason) {
  RecoveryPlan plan;
  plan.action = RecoveryAction::kWait;
  plan.reason = std::move(reason);
  return plan;
}

// The operator's override: the rules are skipped, but nodes whose data cannot follow the forced
// node's history still get no write, so that they take an SST instead of diverging.
RecoveryPlan plan_forced(const std::vector<Assessment>& nodes, const std::string& pod) {
  const auto forced = std::find_if(nodes.begin(), nodes.end(),
                                   [&](const Assessment& a) { return a.node->pod == pod; });
  if (forced == nodes.end()) {
    std::vector<std::string> names;
    for (const Assessment& a : nodes) names.push_back(name_of(*a.node));
    return wait("force_bootstrap_pod " + pod +
                " names no node of this cluster (nodes: " + join(names, ", ") + ")");
  }
  const NodeObservation& node = *forced->node;
  const GaleraPosition position =
      forced->position.value_or(GaleraPosition{node.grastate.uuid, node.grastate.seqno});

  RecoveryPlan plan;
  plan.action = RecoveryAction::kBootstrap;
  plan.bootstrap_index = node.index;
  plan.bootstrap_position = position;
  if (!node.running) plan.writes.push_back(write_for(*forced, position, true));

  std::vector<std::string> notes;
  for (const Assessment& a : nodes) {
    if (&a == &*forced) continue;
    if (!a.distrust.empty()) {
      notes.push_back(needs_sst(a));
    } else if (!a.position) {
      notes.push_back(unknown_position(a));
    } else if (a.position->uuid != position.uuid) {
      notes.push_back(name_of(*a.node) + " needs SST: UUID " + a.position->uuid +
                      " differs from the forced node's " + position.uuid);
    } else if (a.position->seqno > position.seqno) {
      notes.push_back(name_of(*a.node) + " needs SST: seqno " + std::to_string(a.position->seqno) +
                      " is ahead of the forced position");
    } else if (!a.node->running) {
      plan.writes.push_back(write_for(a, *a.position, false));
    }
  }
  std::string sentence = "bootstrapping " + name_of(node) + " at seqno " +
                         std::to_string(position.seqno) +
                         " because force_bootstrap_pod names it (recovery rules not applied";
  if (!forced->distrust.empty()) sentence += "; its own data: " + forced->distrust;
  plan.reason = with_notes(sentence + ")", notes);
  return plan;
}

// The rules of DESIGN.md, once no node is in a Primary component and nothing is forced.
RecoveryPlan plan_by_rules(std::vector<Assessment>& nodes, const RecoveryPolicy& policy) {
  // Any node not yet recovered might hold the highest seqno, and recovery takes under a second.
  RecoveryPlan recover;
  std::vector<std::string> recover_names;
  for (const Assessment& a : nodes) {
    if (a.distrust.empty() && !a.position && !a.node->running) {
      recover.nodes_to_recover.push_back(a.node->index);
      recover_names.push_back(name_of(*a.node));
    }
  }
  if (!recover.nodes_to_recover.empty()) {
    recover.action = RecoveryAction::kRecoverPositions;
    recover.reason = "recovering the positions of " + join(recover_names, ", ") +
                     " with --wsrep-recover (grastate.dat has seqno -1 or is unreadable)";
    return recover;
  }

  std::vector<Assessment*> candidates;
  std::map<std::string, std::vector<std::string>> holders;  // UUID -> nodes with that history
  for (Assessment& a : nodes) {
    if (a.distrust.empty() && a.position) {
      candidates.push_back(&a);
      holders[a.position->uuid].push_back(name_of(*a.node));
    }
  }

  if (candidates.empty()) {
    return wait(with_notes("no node has a trustworthy position", notes_of(nodes)));
  }

  // Seqnos of different histories cannot be compared; only a strict majority names the history.
  std::string majority;
  for (const auto& [uuid, names] : holders) {
    if (names.size() * 2 > candidates.size()) majority = uuid;
  }
  if (majority.empty()) {
    std::vector<std::string> histories;
    for (const auto& [uuid, names] : holders) histories.push_back(uuid + ": " + join(names, ", "));
    return wait("no UUID is held by a majority of the " + std::to_string(candidates.size()) +
                " nodes with known positions (" + join(histories, "; ") +
                "); set force_bootstrap_pod to choose one");
  }

  std::vector<Assessment*> trusted;
  for (Assessment* a : candidates) {
    if (a->position->uuid == majority) {
      trusted.push_back(a);
    } else {
      a->distrust = "UUID " + a->position->uuid + " differs from the majority's " + majority;
    }
  }
  const std::vector<std::string> notes = notes_of(nodes);

  const size_t needed = static_cast<size_t>(std::max(1, policy.min_cluster_size));
  if (trusted.size() < needed) {
    const size_t total = std::max(static_cast<size_t>(std::max(0, policy.replicas)), nodes.size());
    return wait(with_notes("only " + std::to_string(trusted.size()) + " of " +
                               std::to_string(total) +
                               " nodes have a trustworthy known position (" +
                               std::to_string(needed) + " needed before bootstrapping)",
                           notes));
  }

  // trusted is in index order, so the first of equal candidates is the lowest index.
  const auto better = [](const Assessment* a, const Assessment* b) {
    if (a->position->seqno != b->position->seqno) return a->position->seqno > b->position->seqno;
    const bool a_safe = a->node->grastate_read && a->node->grastate.safe_to_bootstrap;
    const bool b_safe = b->node->grastate_read && b->node->grastate.safe_to_bootstrap;
    return a_safe && !b_safe;
  };
  const Assessment& chosen = **std::min_element(trusted.begin(), trusted.end(), better);

  RecoveryPlan plan;
  plan.action = RecoveryAction::kBootstrap;
  plan.bootstrap_index = chosen.node->index;
  plan.bootstrap_position = *chosen.position;
  // A running node's grastate.dat belongs to its mariadbd; writing it could leave a stale seqno.
  if (!chosen.node->running) plan.writes.push_back(write_for(chosen, *chosen.position, true));
  std::vector<std::string> tied;
  for (const Assessment* a : trusted) {
    if (a == &chosen) continue;
    if (!a->node->running) plan.writes.push_back(write_for(*a, *a->position, false));
    if (a->position->seqno == chosen.position->seqno) tied.push_back(name_of(*a->node));
  }

  std::string sentence = "bootstrapping " + name_of(*chosen.node) + " at seqno " +
                         std::to_string(chosen.position->seqno) + " (highest of " +
                         std::to_string(trusted.size()) + " known positions";
  if (!tied.empty()) {
    // Equal seqnos: the chosen node won either by safe_to_bootstrap or by its index.
    const bool by_safe = std::any_of(trusted.begin(), trusted.end(), [&](const Assessment* a) {
      return a->position->seqno == chosen.position->seqno && better(&chosen, a);
    });
    sentence += ", tied with " + join(tied, ", ") + ", chosen by " +
                (by_safe ? "safe_to_bootstrap" : "lowest index");
  }
  plan.reason = with_notes(sentence + ")", notes);
  return plan;
}

}  // namespace

std::optional<GaleraPosition> known_position(const NodeObservation& node) {
  if (node.recovered) return node.recovered;
  if (node.grastate_read && node.grastate.seqno != -1) {
    return GaleraPosition{node.grastate.uuid, node.grastate.seqno};
  }
  return std::nullopt;
}

RecoveryPlan plan_recovery(const std::vector<NodeObservation>& observed,
                           const RecoveryPolicy& policy) {
  if (observed.empty()) return wait("no nodes observed");

  // Index order makes every choice below independent of the order of observation.
  std::vector<Assessment> nodes;
  for (const NodeObservation& node : observed) nodes.push_back(assess(node));
  std::sort(nodes.begin(), nodes.end(),
            [](const Assessment& a, const Assessment& b) { return a.node->index < b.node->index; });
  for (size_t i = 1; i < nodes.size(); ++i) {
    if (nodes[i].node->index == nodes[i - 1].node->index) {
      return wait("two observations share index " + std::to_string(nodes[i].node->index) + " (" +
                  name_of(*nodes[i - 1].node) + ", " + name_of(*nodes[i].node) + ")");
    }
  }

  // A second Primary component would split the cluster's history: not even a force may do it.
  std::vector<std::string> primaries;
  for (const Assessment& a : nodes) {
    if (a.node->in_primary_component) primaries.push_back(name_of(*a.node));
  }
  if (!primaries.empty()) {
    RecoveryPlan plan;
    plan.action = RecoveryAction::kNothing;
    plan.reason = join(primaries, ", ") + (primaries.size() == 1 ? " is" : " are") +
                  " already in a Primary component, so the other nodes rejoin it";
    if (!policy.force_bootstrap_pod.empty()) {
      plan.reason += " (force_bootstrap_pod " + policy.force_bootstrap_pod + " ignored)";
    }
    return plan;
  }

  if (!policy.force_bootstrap_pod.empty()) return plan_forced(nodes, policy.force_bootstrap_pod);

  return plan_by_rules(nodes, policy);
}

}  // namespace mdbop
