#include "metrics/cluster_metrics.h"

#include <array>

#include "api/mariadb_spec.h"
#include "metrics/families.h"

namespace mdbop {

using nlohmann::json;

namespace {

// The states status.nodes[].state takes (the operator's Stopped, Starting and Running, then
// Galera's wsrep_local_state_comment), each a series from the start.
constexpr std::array<const char*, 8> kNodeStates = {"Stopped",        "Starting",   "Running",
                                                    "Joining",        "Joined",     "Synced",
                                                    "Donor/Desynced", "Initialized"};

bool condition_true(const json& status, const std::string& type) {
  for (const json& condition : status.value("conditions", json::array())) {
    if (condition.value("type", "") == type) return condition.value("status", "") == "True";
  }
  return false;
}

// The member's entry of status.nodes; an empty object when status has none yet.
json node_status(const json& status, const std::string& pod) {
  for (const json& node : status.value("nodes", json::array())) {
    if (node.value("pod", "") == pod) return node;
  }
  return json::object();
}

bool recovering(const json& status) {
  const std::string step = status.value("galeraRecovery", json::object()).value("state", "");
  return !step.empty() && step != "Done" && step != "Disabled";
}

}  // namespace

std::vector<prometheus::MetricFamily> cluster_metrics(const std::vector<json>& mariadbs) {
  auto ready = gauge_family("mariadb_cluster_ready", "1 when the Ready condition is True");
  auto galera_ready =
      gauge_family("mariadb_cluster_galera_ready", "1 when the GaleraReady condition is True");
  auto replicas = gauge_family("mariadb_cluster_replicas", "Nodes the spec asks for");
  auto synced = gauge_family("mariadb_cluster_synced_nodes", "Members whose state is Synced");
  auto primary =
      gauge_family("mariadb_cluster_primary", "1 for the member that takes writes, per member");
  auto node_up = gauge_family("mariadb_node_up", "1 when the member's server process runs");
  auto node_state = gauge_family("mariadb_node_state", "The member's state: 1 for its state");
  auto recovery = gauge_family("mariadb_cluster_recovering",
                               "1 while a recovery of the whole cluster is under way");
  auto full_recoveries = counter_family("mariadb_cluster_full_recoveries_total",
                                        "Completed recoveries of the whole cluster (full crash)");
  auto recovery_seconds = gauge_family("mariadb_cluster_last_full_recovery_duration_seconds",
                                       "Seconds the last completed full recovery took");
  auto restarts =
      counter_family("mariadb_cluster_node_restarts_total", "Starts of a node after its first one");
  auto exits =
      counter_family("mariadb_cluster_node_exits_total", "Node processes that exited unasked");
  auto evictions =
      counter_family("mariadb_cluster_evictions_total", "Dead members evicted from the group");

  for (const json& mariadb : mariadbs) {
    const json& metadata = mariadb["metadata"];
    const std::string name = metadata.value("name", "");
    const json status = status_of(mariadb);
    const SampleLabels labels = {{"namespace", metadata.value("namespace", "")}, {"mariadb", name}};
    const json totals = status.value("totals", json::object());
    const int members = mariadb_spec_from(mariadb).replicas;
    const std::string current_primary = status.value("currentPrimary", "");
    int synced_members = 0;
    for (int index = 0; index < members; ++index) {
      const std::string pod = name + "-" + std::to_string(index);
      const json node = node_status(status, pod);
      const std::string state = node.value("state", "");
      synced_members += state == "Synced" ? 1 : 0;
      SampleLabels with_pod = labels;
      with_pod.emplace_back("pod", pod);
      add_sample(primary, with_pod, pod == current_primary ? 1 : 0);
      add_sample(node_up, with_pod, !state.empty() && state != "Stopped" ? 1 : 0);
      bool known = false;
      for (const char* each : kNodeStates) {
        SampleLabels with_state = with_pod;
        with_state.emplace_back("state", each);
        add_sample(node_state, with_state, state == each ? 1 : 0);
        known = known || state == each;
      }
      if (!known && !state.empty()) {
        SampleLabels with_state = with_pod;
        with_state.emplace_back("state", state);
        add_sample(node_state, with_state, 1);
      }
    }
    add_sample(ready, labels, condition_true(status, "Ready") ? 1 : 0);
    add_sample(galera_ready, labels, condition_true(status, "GaleraReady") ? 1 : 0);
    add_sample(replicas, labels, members);
    add_sample(synced, labels, synced_members);
    add_sample(recovery, labels, recovering(status) ? 1 : 0);
    add_sample(full_recoveries, labels, number_or_zero(totals, "fullRecoveries"));
    add_sample(
        recovery_seconds, labels,
        number_or_zero(status.value("galeraRecovery", json::object()), "lastDurationSeconds"));
    add_sample(restarts, labels, number_or_zero(totals, "nodeRestarts"));
    add_sample(exits, labels, number_or_zero(totals, "nodeExits"));
    add_sample(evictions, labels, number_or_zero(totals, "evictions"));
  }
  return {ready,    galera_ready,    replicas,         synced,   primary, node_up,  node_state,
          recovery, full_recoveries, recovery_seconds, restarts, exits,   evictions};
}

}  // namespace mdbop
