// A cluster with a Primary component: start members that are down, scale in, roll changes.
#include <spdlog/spdlog.h>

#include <thread>

#include "controller/mariadb/reconciler.h"

namespace mdbop {

using namespace std::chrono_literals;

namespace {

// A node restarted this many times without reaching Synced is left alone until the
// MariaDB changes (a new generation), so a bad myCnf is reported instead of retried forever.
constexpr int kMaxStartAttempts = 3;

}  // namespace

bool MariaDBReconciler::wait_for(const NodeId& id, const std::string& password,
                                 std::chrono::seconds timeout,
                                 const std::function<bool(const NodeView&)>& done) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    NodeView view = observe_nodes(agent_, {id}, password, galera_).front();
    if (done(view)) return true;
    if (!view.running()) return false;
    std::this_thread::sleep_for(100ms);
  }
  return false;
}

Result<bool> MariaDBReconciler::start_node(Pass& pass, const NodeView& view, bool new_cluster,
                                           const std::string& sst_donor) {
  const std::string pod = view.id.pod();
  long long generation = pass.object["metadata"].value("generation", 0LL);
  json attempts = pass.object.value("status", json::object())
                      .value("startAttempts", json::object())
                      .value(pod, json::object());
  int count = attempts.value("count", 0);
  if (attempts.value("generation", 0LL) != generation) count = 0;
  std::string reason = attempts.value("lastReason", "");
  if (count > 0) {
    // It was started before and has not been Synced since: that start failed.
    std::string from_log = agent_.startup_failure(view.id);
    if (!from_log.empty()) reason = from_log;
    if (count >= kMaxStartAttempts) {
      return fail(pod + " failed to start " + std::to_string(count) +
                  " times: " + (reason.empty() ? "see `mdbop logs " + pod + "`" : reason) +
                  "; fix the MariaDB spec and apply it again");
    }
    event("Warning", "NodeStartFailed",
          pod + " stopped before reaching Synced" + (reason.empty() ? "" : ": " + reason) +
              "; restarting");
  }
  auto recorded = store_.update_status(key_, [&](json& status) {
    status["startAttempts"][pod] = {
        {"count", count + 1}, {"generation", generation}, {"lastReason", reason}};
    status["configHashes"][pod] = pass.config_hash;
  });
  if (!recorded) return tl::unexpected(recorded.error());
  pass.object["status"] = (*recorded)["status"];
  if (!new_cluster) restore_position(view);
  auto started = agent_.start(view.id, new_cluster ? StartMode::kNewCluster : StartMode::kJoin,
                              NodeAccess::kNetwork, sst_donor);
  if (!started) return tl::unexpected(started.error());
  if (started->ports_moved) {
    // The peers learn the new address from their options, read when they (re)join.
    event("Normal", "PortsChanged", pod + " had a port taken by another program; moved it");
    if (auto written = write_configs(pass); !written) return written;
  }
  spdlog::info("mariadb={}/{} pod={} started instance={} new_cluster={}", key_.namespace_,
               key_.name, pod, started->instance, new_cluster);
  return true;
}

void MariaDBReconciler::restore_position(const NodeView& view) {
  // After a crash grastate.dat says seqno -1 and the node would ask for a full SST; with its
  // position recovered from InnoDB it asks for IST (DESIGN.md: 0.2-0.8 s to recover).
  // grastate.dat is read afresh: the view may predate a clean stop or a recovery plan that
  // already wrote the position, and running --wsrep-recover again would only cost time.
  if (!galera_ || !view.data_present) return;
  // The node is stopped: observing it costs no SQL.
  const NodeSnapshot now = agent_.observe(view.id, "");
  if (now.sst_in_progress) return;
  const std::optional<GraState>& saved = now.grastate;
  if (!saved || saved->uuid == kZeroUuid || saved->seqno != -1) return;
  auto position = agent_.recover_position(view.id);
  if (!position || position->uuid != saved->uuid || position->seqno < 0) return;
  GraState state = *saved;
  state.seqno = position->seqno;
  state.safe_to_bootstrap = false;
  if (agent_.write_grastate(view.id, state)) {
    spdlog::info("mariadb={}/{} pod={} position restored seqno={}", key_.namespace_, key_.name,
                 view.id.pod(), position->seqno);
  }
}

void MariaDBReconciler::start_stopped_members(Pass& pass, int except_index) {
  // Joiners that connect at the same moment form a non-Primary view among themselves and
  // take seconds to merge; one at a time, each waiting only until the group counts it (its
  // IST then runs while the next one joins), is faster. Every joiner takes its state from a
  // member that was in the Primary component before: a node that has just caught up by IST
  // lacks those writesets in its gcache, and an IST it serves fails ("IST didn't contain all
  // write sets"), leaving the joiner Disconnected.
  std::optional<NodeId> primary;
  for (const NodeView& view : pass.views) {
    if (view.in_primary() || view.id.index == except_index) primary = view.id;
  }
  for (const NodeView& view : pass.views) {
    if (view.id.index == except_index || view.running() || view.id.index >= pass.spec.replicas) {
      continue;
    }
    int size_before = 0;
    if (primary) {
      size_before =
          observe_nodes(agent_, {*primary}, pass.root_password, galera_).front().wsrep.cluster_size;
    }
    if (auto started = start_node(pass, view, false, primary ? primary->pod() : ""); !started) {
      event("Warning", "NodeStartFailed", started.error().what());
      continue;
    }
    if (!primary || !galera_) continue;
    auto deadline = std::chrono::steady_clock::now() + 15s;
    while (std::chrono::steady_clock::now() < deadline && agent_.process(view.id).running) {
      NodeView seen = observe_nodes(agent_, {*primary}, pass.root_password, galera_).front();
      if (seen.wsrep.cluster_size > size_before) break;
      std::this_thread::sleep_for(50ms);
    }
  }
}

// A member that answers but stays outside the Primary component the others form has given
// up: Galera leaves mariadbd running and Disconnected for good after "Receiving IST failed,
// node restart required". One inside it that does not reach Synced within podSyncTimeout is
// stuck as well. Either is stopped, and the next pass starts it like a crashed node. Only a
// member that answers counts: one busy receiving an SST does not answer at all (a node that
// never answers is NodeHung's case).
void MariaDBReconciler::restart_stranded_members(const Pass& pass) {
  constexpr std::chrono::seconds kOutsideFor{10};
  auto now = std::chrono::steady_clock::now();
  for (const NodeView& view : pass.views) {
    std::string stuck;  // how it is stuck; empty when it is not
    std::chrono::seconds limit{0};
    if (view.running() && view.wsrep.answers) {
      if (view.wsrep.cluster_status != "Primary") {
        stuck = fmt::format("{} ({})", view.wsrep.cluster_status, view.wsrep.local_state);
        limit = kOutsideFor;
      } else if (!view.serving()) {
        stuck = view.wsrep.local_state + " in the Primary component";
        limit = pass.spec.recovery.pod_sync_timeout;
      }
    }
    auto seen = stranded_since_.find(view.id.index);
    if (stuck.empty() || (seen != stranded_since_.end() && seen->second.first != stuck)) {
      stranded_since_.erase(view.id.index);
      if (stuck.empty()) continue;
    }
    auto since = stranded_since_.try_emplace(view.id.index, stuck, now).first->second.second;
    if (now - since < limit) continue;
    stranded_since_.erase(view.id.index);
    std::string reason = agent_.startup_failure(view.id);
    event("Warning", "NodeRestarted",
          fmt::format("{} stayed {} for {} s while the others form the Primary component{}; "
                      "restarting it",
                      view.id.pod(), stuck, limit.count(), reason.empty() ? "" : ": " + reason));
    if (auto stopped = stop_node(view.id, 30s); !stopped) {
      event("Warning", "NodeRestartStalled", stopped.error().what());
    }
  }
}

std::chrono::milliseconds MariaDBReconciler::maintain_members(Pass& pass) {
  no_primary_since_.reset();
  bool any_stopped = false;
  for (size_t i = 0; i < pass.members.size(); ++i) any_stopped |= !pass.views[i].running();
  if (any_stopped) {
    // A dead member stays in the group's view until the eviction's view change is installed;
    // a replacement that connects before that stalls the group for evs.suspect_timeout.
    // Once it is out, the eviction has done its work and is forgotten (node_eviction.cc).
    int running = 0;
    int group_size = 0;
    for (const NodeView& view : pass.views) {
      running += view.running() ? 1 : 0;
      if (view.in_primary()) group_size = std::max(group_size, view.wsrep.cluster_size);
    }
    auto now = std::chrono::steady_clock::now();
    if (pass.spec.galera_enabled && group_size > running) {
      if (!dead_member_seen_since_) dead_member_seen_since_ = now;
      if (now - *dead_member_seen_since_ < 10s) return 100ms;
    }
    dead_member_seen_since_.reset();
    if (pass.spec.galera_enabled) forget_evicted_members(pass);
    start_stopped_members(pass, -1);
    return 500ms;
  }

  bool healthy = true;
  for (size_t i = 0; i < pass.members.size(); ++i) {
    const NodeView& view = pass.views[i];
    healthy = healthy && view.synced() &&
              (!pass.spec.galera_enabled || view.wsrep.cluster_size >= pass.spec.replicas);
  }
  if (!healthy) {
    if (pass.spec.galera_enabled) restart_stranded_members(pass);
    return 500ms;
  }
  stranded_since_.clear();

  // Scale in: the highest extra node first, one per pass, cleanly.
  if (!pass.extras.empty()) {
    const NodeId& victim = pass.extras.back();
    event("Normal", "ScalingDown", "stopping " + victim.pod() + " and removing its data");
    if (auto stopped = stop_node(victim, 120s); !stopped) {
      event("Warning", "ScalingDownStalled", stopped.error().what());
      return 5s;
    }
    agent_.remove(victim, true);
    store_.update_status(key_, [&](json& status) {
      if (status.contains("configHashes")) status["configHashes"].erase(victim.pod());
      if (status.contains("startAttempts")) status["startAttempts"].erase(victim.pod());
    });
    return 0ms;
  }

  // Roll configuration changes: one node at a time, the primary last, each back to Synced.
  json recorded = pass.object.value("status", json::object()).value("configHashes", json::object());
  if (pass.spec.update_strategy != "RollingUpdate" &&
      pass.spec.update_strategy != "ReplicasFirstPrimaryLast") {
    return 1s;
  }
  std::vector<const NodeView*> order;
  for (auto it = pass.views.rbegin(); it != pass.views.rend(); ++it) {
    if (it->id.index < pass.spec.replicas && it->id.index != pass.spec.primary_pod_index) {
      order.push_back(&*it);
    }
  }
  order.push_back(&pass.views[static_cast<size_t>(pass.spec.primary_pod_index)]);
  for (const NodeView* view : order) {
    const std::string pod = view->id.pod();
    if (!recorded.contains(pod)) {
      // Adopted without a record: assume it runs what we would render.
      store_.update_status(key_,
                           [&](json& status) { status["configHashes"][pod] = pass.config_hash; });
      continue;
    }
    if (recorded[pod] == pass.config_hash) continue;
    event("Normal", "RollingRestart", "restarting " + pod + " to apply a configuration change");
    if (auto stopped = stop_node(view->id, 120s); !stopped) {
      event("Warning", "RollingRestartStalled", stopped.error().what());
      return 5s;
    }
    // A cluster of one has no group to rejoin: its clean stop left safe_to_bootstrap set.
    bool alone = pass.spec.galera_enabled && pass.spec.replicas == 1;
    if (auto started = start_node(pass, *view, alone, ""); !started) {
      event("Warning", "NodeStartFailed", started.error().what());
      return 2s;
    }
    bool synced = wait_for(view->id, pass.root_password, pass.spec.recovery.pod_sync_timeout,
                           [](const NodeView& v) { return v.synced(); });
    if (!synced) {
      event("Warning", "RollingRestartStalled",
            pod + " did not reach Synced within podSyncTimeout; the roll is paused");
    }
    return 0ms;
  }
  return 1s;
}

}  // namespace mdbop
