// A Galera cluster without a Primary component (a new cluster's first start, a full crash,
// a lost quorum): find every node's position, pick the one node the data says may bootstrap,
// persist that decision, then bootstrap it exactly once and let the others join by IST.
#include <spdlog/spdlog.h>

#include <future>

#include "controller/mariadb/provider_option.h"
#include "controller/mariadb/reconciler.h"
#include "controller/status_totals.h"
#include "galera/recovery_planner.h"
#include "util/crash_point.h"
#include "util/time_text.h"

namespace mdbop {

using namespace std::chrono_literals;

namespace {

NodeObservation observation_of(const NodeView& view) {
  NodeObservation node;
  node.index = view.id.index;
  node.pod = view.id.pod();
  node.running = view.running();
  node.in_primary_component = view.in_primary();
  node.data_present = view.data_present;
  node.sst_in_progress = view.sst_in_progress;
  node.grastate_read = view.grastate.has_value();
  if (view.grastate) node.grastate = *view.grastate;
  // A running member outside the Primary component tells its position itself.
  if (view.wsrep.answers && view.wsrep.cluster_state_uuid != "") {
    node.recovered = GaleraPosition{view.wsrep.cluster_state_uuid, view.wsrep.last_committed};
  }
  return node;
}

json observations_json(const std::vector<NodeObservation>& nodes) {
  json observed = json::object();
  for (const NodeObservation& node : nodes) {
    auto position = known_position(node);
    observed[node.pod] = {
        {"running", node.running},
        {"uuid", position ? position->uuid : node.grastate.uuid},
        {"seqno", position ? position->seqno : node.grastate.seqno},
        {"safeToBootstrap", node.grastate.safe_to_bootstrap},
        {"source", node.recovered ? (node.running ? "live" : "wsrep-recover") : "grastate"},
        {"sstInProgress", node.sst_in_progress},
    };
  }
  return observed;
}

const char* action_name(RecoveryAction action) {
  switch (action) {
    case RecoveryAction::kNothing:
      return "Nothing";
    case RecoveryAction::kRecoverPositions:
      return "RecoverPositions";
    case RecoveryAction::kBootstrap:
      return "Bootstrap";
    case RecoveryAction::kWait:
      return "Wait";
  }
  return "Unknown";
}

}  // namespace

void set_recovery_state(json& galera_recovery, const std::string& state) {
  if (!galera_recovery.is_object()) galera_recovery = json::object();
  if (galera_recovery.value("state", "") == state && galera_recovery.contains("stateSince")) return;
  galera_recovery["state"] = state;
  galera_recovery["stateSince"] = rfc3339_now();
}

void note_recovery_started(json& galera_recovery) {
  if (!galera_recovery.contains("startedAt")) galera_recovery["startedAt"] = rfc3339_now();
}

void finish_recovery(json& status) {
  json& galera_recovery = status["galeraRecovery"];
  if (galera_recovery.contains("startedAt")) {
    auto started = parse_rfc3339_seconds(galera_recovery.value("startedAt", ""));
    if (started) galera_recovery["lastDurationSeconds"] = (now_seconds() - *started).count();
    galera_recovery.erase("startedAt");
    count_in_totals(status, "fullRecoveries");
  }
  set_recovery_state(galera_recovery, "Done");
}

std::chrono::milliseconds MariaDBReconciler::recover_cluster(Pass& pass) {
  auto now = std::chrono::steady_clock::now();
  if (!no_primary_since_) no_primary_since_ = now;
  // Everyone rejoins from the node that bootstraps: what joined before does not matter now.
  joined_.clear();
  donor_silent_since_.clear();
  silent_donor_.clear();
  const GaleraRecoverySpec& recovery = pass.spec.recovery;
  json status = pass.object.value("status", json::object());
  bool formed_before = status.value("clusterFormed", false);

  std::vector<NodeView> members(pass.views.begin(),
                                pass.views.begin() + static_cast<long>(pass.members.size()));
  for (const NodeView& view : pass.views) {
    if (view.wsrep.refusal.empty()) continue;
    // Up, but refusing us: acting on what we cannot see could bootstrap beside a Primary.
    std::string message = view.id.pod() + " refuses the operator's login (" + view.wsrep.refusal +
                          "); if the root password was changed in its Secret, put the old one "
                          "back or set the new one in the server";
    event("Warning", "CannotLogIn", message);
    store_.update_status(
        key_, [&](json& s) { set_condition(s, "GaleraReady", false, "CannotLogIn", message); });
    return 5s;
  }

  if (formed_before && !recovery.enabled) {
    store_.update_status(key_, [&](json& s) {
      set_recovery_state(s["galeraRecovery"], "Disabled");
      set_condition(s, "GaleraReady", false, "RecoveryDisabled",
                    "no Primary component and galera.recovery.enabled is false; set it to true "
                    "to let mdbop recover the cluster");
    });
    return 5s;
  }

  bool all_running = true;
  std::vector<NodeId> hung;  // running, not answering, for longer than it may take
  bool starting = false;     // running, not answering yet
  // The node a bootstrap under way started: it has clusterBootstrapTimeout to become Primary.
  const std::string bootstrapping =
      status.value("galeraRecovery", json::object()).value("state", "") == "Bootstrapping"
          ? status["galeraRecovery"].value("bootstrap", json::object()).value("pod", "")
          : "";
  for (const NodeView& view : pass.views) {
    all_running = all_running && (view.id.index >= pass.spec.replicas || view.running());
    if (!view.running() || view.wsrep.answers) continue;
    const auto limit = view.id.pod() == bootstrapping ? recovery.cluster_bootstrap_timeout
                                                      : recovery.pod_recovery_timeout;
    if (view.process.running_for >= limit) {
      hung.push_back(view.id);
    } else {
      starting = true;
    }
  }
  // A process that does not answer may be starting or joining; never bootstrap beside it.
  if (starting) return 200ms;
  if (!hung.empty()) {
    for (const NodeId& id : hung) {
      event("Warning", "NodeHung",
            id.pod() +
                (id.pod() == bootstrapping
                     ? " did not become a Primary component within clusterBootstrapTimeout"
                     : " ran for podRecoveryTimeout without answering") +
                "; stopping it");
      stop_node(id, 30s);
    }
    return 0ms;
  }
  // Every member is up but none is Primary: a partition may heal by itself; give it time.
  if (all_running && now - *no_primary_since_ < recovery.cluster_healthy_timeout) return 1s;

  RecoveryPolicy policy;
  policy.replicas = pass.spec.replicas;
  policy.min_cluster_size = pass.spec.recovery.min_cluster_size;
  long long generation = pass.object["metadata"].value("generation", 0LL);
  // A forced bootstrap is done once per generation; afterwards the rules apply again.
  bool forced_already =
      status.value("galeraRecovery", json::object()).value("forcedGeneration", 0LL) == generation;
  policy.force_bootstrap_pod = forced_already ? "" : recovery.force_cluster_bootstrap_in_pod;
  if (forced_already && !recovery.force_cluster_bootstrap_in_pod.empty()) {
    event("Warning", "ForcedBootstrapUsed",
          "galera.recovery.forceClusterBootstrapInPod was used once already; remove it, or "
          "change it to force again");
  }

  std::vector<NodeObservation> nodes;
  for (const NodeView& view : members) nodes.push_back(observation_of(view));
  RecoveryPlan plan = plan_recovery(nodes, policy);
  // Positions --wsrep-recover could not read, and why: the condition says so, since the plan
  // may have to wait for them.
  std::string unrecovered;
  if (plan.action == RecoveryAction::kRecoverPositions) {
    event("Normal", "RecoveringPositions", plan.reason);
    store_.update_status(key_, [&](json& s) {
      set_recovery_state(s["galeraRecovery"], "RecoveringPositions");
      if (formed_before) note_recovery_started(s["galeraRecovery"]);
      set_condition(s, "GaleraReady", false, formed_before ? "Recovering" : "Bootstrapping",
                    plan.reason);
    });
    std::vector<std::future<Result<GaleraPosition>>> recovering;
    for (int index : plan.nodes_to_recover) {
      recovering.push_back(std::async(std::launch::async, [this, &pass, index] {
        return agent_.recover_position(pass.members[static_cast<size_t>(index)]);
      }));
    }
    for (size_t i = 0; i < recovering.size(); ++i) {
      int index = plan.nodes_to_recover[i];
      auto position = recovering[i].get();
      if (position) {
        nodes[static_cast<size_t>(index)].recovered = *position;
      } else {
        event("Warning", "PositionUnknown", position.error().what());
        unrecovered += "; " + std::string(position.error().what());
      }
    }
    plan = plan_recovery(nodes, policy);
  }

  std::string reason = plan.reason + unrecovered;
  auto recorded = store_.update_status(key_, [&](json& s) {
    json& galera_recovery = s["galeraRecovery"];
    set_recovery_state(galera_recovery,
                       plan.action == RecoveryAction::kBootstrap ? "Bootstrapping" : "Waiting");
    if (formed_before) note_recovery_started(galera_recovery);
    galera_recovery["observed"] = observations_json(nodes);
    galera_recovery["decision"] = {{"action", action_name(plan.action)}, {"reason", reason}};
    if (plan.action == RecoveryAction::kBootstrap && !policy.force_bootstrap_pod.empty()) {
      galera_recovery["forcedGeneration"] = generation;
    }
    if (plan.action == RecoveryAction::kBootstrap) {
      // Persisted before acting: after a crash the next operator sees what was decided.
      galera_recovery["bootstrap"] = {{"pod", nodes[static_cast<size_t>(plan.bootstrap_index)].pod},
                                      {"uuid", plan.bootstrap_position.uuid},
                                      {"seqno", plan.bootstrap_position.seqno},
                                      {"time", rfc3339_now()}};
    }
    set_condition(s, "GaleraReady", false, formed_before ? "Recovering" : "Bootstrapping", reason);
  });
  if (recorded) pass.object["status"] = (*recorded)["status"];

  if (plan.action != RecoveryAction::kBootstrap) {
    if (plan.action == RecoveryAction::kWait) event("Warning", "RecoveryWaiting", reason);
    return 2s;
  }
  crash_point("after-bootstrap-decision");

  const NodeView& chosen = members[static_cast<size_t>(plan.bootstrap_index)];
  event("Normal", formed_before ? "ClusterRecovery" : "Bootstrapping", reason);
  bootstrap_started_ = std::chrono::steady_clock::now();
  // Positions go back into the stopped nodes' grastate.dat, so they can join by IST.
  for (const PositionWrite& write : plan.writes) {
    if (members[static_cast<size_t>(write.index)].running()) continue;
    if (auto written =
            agent_.write_grastate(pass.members[static_cast<size_t>(write.index)], write.grastate);
        !written) {
      event("Warning", "BootstrapFailed", written.error().what());
      return 2s;
    }
  }
  if (chosen.running()) {
    // Already up outside a Primary component: promote it in place, no restart needed.
    if (!set_provider_option(agent_, chosen.id, pass.root_password, "pc.bootstrap=YES")) {
      event("Warning", "BootstrapFailed", "could not promote " + chosen.id.pod() + " in place");
      return 2s;
    }
  } else if (auto started = start_node(pass, chosen, true, ""); !started) {
    event("Warning", "BootstrapFailed", started.error().what());
    return 5s;
  }
  // The pass ends here: the next ones see the node start (it does not answer meanwhile, so no
  // second bootstrap is planned), note it Primary and start the joiners.
  return 200ms;
}

void MariaDBReconciler::note_bootstrap_done(const Pass& pass) {
  const json recovery = pass.object.value("status", json::object()).value("galeraRecovery", json());
  if (!recovery.is_object() || recovery.value("state", "") != "Bootstrapping") return;
  const std::string pod = recovery.value("bootstrap", json::object()).value("pod", "");
  for (const NodeView& view : pass.views) {
    if (view.id.pod() != pod || !view.in_primary()) continue;
    std::string took;
    if (bootstrap_started_) {
      took = fmt::format(
          " after {:.1f}s",
          std::chrono::duration<double>(std::chrono::steady_clock::now() - *bootstrap_started_)
              .count());
    }
    event("Normal", "Bootstrapped",
          fmt::format("{} is a Primary component at seqno {}{}; others joining", pod,
                      view.wsrep.last_committed, took));
    store_.update_status(key_,
                         [&](json& s) { set_recovery_state(s["galeraRecovery"], "Joining"); });
    bootstrap_started_.reset();
    return;
  }
}

}  // namespace mdbop
