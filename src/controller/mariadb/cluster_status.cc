// Status: the user's window. Per-node state, the current primary, Ready and GaleraReady.
#include <spdlog/spdlog.h>

#include "controller/conditions.h"
#include "controller/mariadb/reconciler.h"

namespace mdbop {

namespace {

std::string node_state(const NodeView& view) {
  if (!view.running()) return "Stopped";
  if (!view.wsrep.answers) return "Starting";
  return view.wsrep.local_state.empty() ? "Running" : view.wsrep.local_state;
}

json node_status(const NodeView& view, bool metrics) {
  int64_t seqno =
      view.wsrep.answers ? view.wsrep.last_committed : (view.grastate ? view.grastate->seqno : -1);
  json node = {
      {"pod", view.id.pod()},
      {"index", view.id.index},
      {"state", node_state(view)},
      {"clusterStatus", view.wsrep.cluster_status},
      {"clusterSize", view.wsrep.cluster_size},
      {"seqno", seqno},
      {"ports",
       {{"sql", view.address.sql_port},
        {"galera", view.address.galera_port},
        {"ist", view.address.ist_port},
        {"sst", view.address.sst_port}}},
  };
  if (metrics) {
    // Given when the node's exporter is first run.
    if (view.address.metrics_port != 0) node["ports"]["metrics"] = view.address.metrics_port;
    node["exporterRunning"] = view.exporter_running;
  }
  // Where the runtime says the node runs (local: pid, data directory, socket).
  node.update(view.process.details);
  return node;
}

}  // namespace

void MariaDBReconciler::set_condition(json& status, const std::string& type, bool value,
                                      const std::string& reason, const std::string& message) {
  mdbop::set_condition(status, type, value, reason, message,
                       object_["metadata"].value("generation", 0LL));
}

namespace {

int largest_primary(const std::vector<NodeView>& views) {
  int largest = 0;
  for (const NodeView& view : views) {
    if (view.in_primary()) largest = std::max(largest, view.wsrep.cluster_size);
  }
  return largest;
}

int synced_members(const std::vector<NodeView>& views, size_t member_count) {
  int synced = 0;
  for (size_t i = 0; i < member_count && i < views.size(); ++i) synced += views[i].synced() ? 1 : 0;
  return synced;
}

}  // namespace

bool MariaDBReconciler::ready(const Pass& pass) const {
  return nodes_ready(pass) && pass.places_waiting.empty();
}

bool MariaDBReconciler::nodes_ready(const Pass& pass) const {
  const MariaDBSpec& spec = pass.spec;
  // Every replica Synced, and the component they are in counts exactly the replicas: a member
  // that is Synced alone beside another component would show a smaller size.
  bool sized = !spec.galera_enabled || largest_primary(pass.views) == spec.replicas;
  return synced_members(pass.views, pass.members.size()) == spec.replicas && sized &&
         pass.extras.empty() && exits_reported_ == pass.exits_before_views;
}

void MariaDBReconciler::record_status(const Pass& pass, const std::string& galera_reason) {
  const MariaDBSpec& spec = pass.spec;
  size_t member_count = pass.members.size();
  int synced = synced_members(pass.views, member_count);
  std::string waiting_on;
  for (size_t i = 0; i < member_count && i < pass.views.size(); ++i) {
    if (!pass.views[i].synced()) {
      waiting_on = pass.views[i].id.pod() + " is " + node_state(pass.views[i]);
      break;
    }
  }
  bool galera_ready = largest_primary(pass.views) >= spec.recovery.min_cluster_size;

  // The primary: the configured pod when Synced, else (with autoFailover) a Synced one.
  json previous = pass.object.value("status", json::object());
  std::string current_primary = previous.value("currentPrimary", "");
  const NodeView& preferred = pass.views[static_cast<size_t>(spec.primary_pod_index)];
  auto is_serving_member = [&](const std::string& pod) {
    for (size_t i = 0; i < member_count; ++i) {
      if (pass.views[i].id.pod() == pod) return pass.views[i].serving();
    }
    return false;
  };
  if (preferred.serving()) {
    current_primary = preferred.id.pod();
  } else if (spec.auto_failover && !is_serving_member(current_primary)) {
    for (size_t i = 0; i < member_count; ++i) {
      if (pass.views[i].synced()) {
        current_primary = pass.views[i].id.pod();
        break;
      }
    }
  }
  if (!current_primary.empty() && current_primary != previous.value("currentPrimary", "")) {
    event("Normal", "PrimaryChanged", "writes go to " + current_primary);
  }

  const bool views_ready = ready(pass);
  std::string ready_message = views_ready ? "all " + std::to_string(spec.replicas) + " nodes Synced"
                                          : std::to_string(synced) + "/" +
                                                std::to_string(spec.replicas) + " nodes Synced" +
                                                (waiting_on.empty() ? "" : "; " + waiting_on);
  const bool only_places_wait = !views_ready && nodes_ready(pass);
  if (!views_ready && !only_places_wait && waiting_on.empty() && spec.galera_enabled) {
    ready_message += "; the Primary component counts " +
                     std::to_string(largest_primary(pass.views)) + " of " +
                     std::to_string(spec.replicas);
  }
  json attempts = previous.value("startAttempts", json::object());
  for (auto& [pod, attempt] : attempts.items()) {
    if (attempt.value("count", 0) >= 3 && !attempt.value("lastReason", "").empty()) {
      ready_message += "; " + pod + " cannot start: " + attempt.value("lastReason", "");
    }
  }
  if (!galera_reason.empty()) ready_message += "; " + galera_reason;
  for (const std::string& waiting : pass.places_waiting) ready_message += "; " + waiting;

  auto updated = store_.update_status(key_, [&](json& status) {
    // A node died after the views were taken: they are too old to show, and its exit has
    // said so already. The pass the exit wakes records fresh ones.
    if (exits_reported_ != pass.exits_before_views) return;
    const bool is_ready = views_ready;
    const json recovery = status.value("galeraRecovery", json::object());
    const std::string step = recovery.value("state", "");
    std::string reason = is_ready ? "Synced" : only_places_wait ? "StorageResizing" : "NotReady";
    std::string message = ready_message;
    if (!is_ready && !step.empty() && step != "Done" && step != "Disabled") {
      // The recovery's step and since when: what a user watching it wants to know first.
      reason = "Recovering";
      message = "recovery step " + step + " since " + recovery.value("stateSince", "?") + "; " +
                ready_message;
    }
    status["observedGeneration"] = pass.object["metadata"].value("generation", 0LL);
    status["replicas"] = synced;
    status["currentPrimary"] = current_primary;
    auto primary_id = node_id_from_pod(key_.namespace_, current_primary);
    status["currentPrimaryPodIndex"] = primary_id ? json(primary_id->index) : json(nullptr);
    json nodes = json::array();
    for (const NodeView& view : pass.views) {
      nodes.push_back(node_status(view, spec.metrics.enabled));
      // Reaching Synced clears a node's failed start attempts.
      if (view.synced() && status.contains("startAttempts")) {
        status["startAttempts"].erase(view.id.pod());
      }
    }
    status["nodes"] = nodes;
    if (spec.galera_enabled) {
      set_condition(status, "GaleraReady", galera_ready,
                    galera_ready ? "PrimaryComponent" : "NoPrimaryComponent",
                    galera_ready ? "Primary component of " +
                                       std::to_string(largest_primary(pass.views)) + " node(s)"
                                 : "no Primary component of at least minClusterSize nodes");
    }
    set_condition(status, "Ready", is_ready, reason, message);
    // Formed once it had a Primary component: from then on, losing it is a recovery.
    if (galera_ready) status["clusterFormed"] = true;
    if (is_ready && status.contains("galeraRecovery")) finish_recovery(status);
  });
  if (!updated) {
    spdlog::warn("mariadb={}/{} status not recorded: {}", key_.namespace_, key_.name,
                 updated.error().what());
  }
}

}  // namespace mdbop
