// A cluster with a Primary component: start members that are down, scale in, roll changes.
#include <spdlog/spdlog.h>

#include <algorithm>
#include <set>
#include <thread>

#include "controller/mariadb/reconciler.h"
#include "controller/status_totals.h"

namespace mdbop {

using namespace std::chrono_literals;

namespace {

// How often a healthy cluster is looked at: the health check that notices what is not a
// process exit (a node frozen, non-Primary, stuck). Exits are events and need no look.
constexpr std::chrono::milliseconds kHealthCheckPeriod{2000};

// A node restarted this many times without reaching Synced is left alone until the
// MariaDB changes (a new generation), so a bad myCnf is reported instead of retried forever.
constexpr int kMaxStartAttempts = 3;

}  // namespace

const NodeView* MariaDBReconciler::view_of(const Pass& pass, int index) {
  for (const NodeView& view : pass.views) {
    if (view.id.index == index) return &view;
  }
  return nullptr;
}

bool MariaDBReconciler::wait_for(const NodeId& id, const std::string& password,
                                 std::chrono::seconds timeout,
                                 const std::function<bool(const NodeView&)>& done) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline && !stopping_) {
    NodeView view = observe_nodes(lookers_, agent_, {id}, password, galera_).front();
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
    // A node with a recorded configuration has run before: this start is a restart.
    if (status.value("configHashes", json::object()).contains(pod)) {
      count_in_totals(status, "nodeRestarts");
    }
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
    const std::vector<NodeId> nodes = pass.all_nodes();
    for (size_t i = 0; i < nodes.size() && i < pass.addresses.size(); ++i) {
      if (nodes[i].index != view.id.index) continue;
      auto placed = agent_.place(view.id, pass.object);
      if (!placed) return tl::unexpected(placed.error());
      pass.addresses[i] = *placed;
    }
    if (auto written = write_configs(pass, true); !written) return written;
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

// Joiners that connect to one donor at the same moment are served one after the other, and one
// that connects while its only allowed donor serves another can wait for the SST script's
// timeout (300 s). So each donor takes one joiner at a time: a joiner is started only with a
// donor that is Synced and serves no joiner this operator started that has not finished its
// state transfer yet. Joiners with distinct donors start together. A donor is a member that
// was in the Primary component before the joiners (not one in joined_): an IST served by a node
// that has just caught up by IST can fail ("IST didn't contain all write sets").
void MariaDBReconciler::start_stopped_members(Pass& pass) {
  std::vector<const NodeView*> donors;
  std::vector<const NodeView*> synced;
  std::set<std::string> busy;  // donors with a joiner still receiving its state
  for (const NodeView& view : pass.views) {
    if (!view.synced()) continue;
    synced.push_back(&view);
    if (view.id.index < pass.spec.replicas && !joined_.contains(view.id.index)) {
      donors.push_back(&view);
    }
  }
  // Every Synced member joined just now (an operator that came back mid-recovery, a member
  // stopped on purpose meanwhile), or only nodes being scaled away are Synced: one of them
  // serves rather than none. At worst its IST fails and the joiner is restarted with a full
  // state transfer.
  if (donors.empty()) donors = synced;
  for (const auto& [index, donor] : joined_) {
    const NodeView* joiner = view_of(pass, index);
    if (joiner == nullptr || !joiner->running() || joiner->wsrep.answers) continue;
    // Until the joiner answers, its donor may still be serving it; a joiner that has not
    // answered for podRecoveryTimeout while its donor serves no one holds nobody back.
    const NodeView* serving = nullptr;
    for (const NodeView& view : pass.views) {
      if (view.id.pod() == donor) serving = &view;
    }
    const bool donor_serving = serving != nullptr && serving->wsrep.local_state == "Donor/Desynced";
    if (donor_serving || joiner->process.running_for < pass.spec.recovery.pod_recovery_timeout) {
      busy.insert(donor);
    }
  }
  // The longest-running first: it has been in the component longest.
  std::stable_sort(donors.begin(), donors.end(), [](const NodeView* a, const NodeView* b) {
    return a->process.running_for > b->process.running_for;
  });
  std::vector<std::string> waiting;
  for (const NodeView& view : pass.views) {
    if (view.running() || view.id.index >= pass.spec.replicas) continue;
    if (!pass.spec.galera_enabled) {
      if (auto started = start_node(pass, view, false, ""); !started) {
        event("Warning", "NodeStartFailed", started.error().what());
      }
      continue;
    }
    // A free donor, not the one that last left this joiner waiting when there is another.
    const NodeView* donor = nullptr;
    bool donor_avoided = false;
    const auto silent = silent_donor_.find(view.id.index);
    for (const NodeView* candidate : donors) {
      if (busy.contains(candidate->id.pod())) continue;
      const bool avoided = silent != silent_donor_.end() && silent->second == candidate->id.pod();
      if (donor == nullptr || (donor_avoided && !avoided)) {
        donor = candidate;
        donor_avoided = avoided;
      }
    }
    if (donor == nullptr) {
      waiting.push_back(view.id.pod());
      continue;
    }
    if (auto started = start_node(pass, view, false, donor->id.pod()); !started) {
      event("Warning", "NodeStartFailed", started.error().what());
      continue;
    }
    joined_[view.id.index] = donor->id.pod();
    busy.insert(donor->id.pod());
  }
  if (waiting.empty()) {
    reported_donor_wait_.clear();
    return;
  }
  std::string names;
  for (const std::string& pod : waiting) names += (names.empty() ? "" : ", ") + pod;
  std::string donor_states;
  for (const NodeView& view : pass.views) {
    if (!view.in_primary() || view.id.index >= pass.spec.replicas) continue;
    // A Synced donor may be busy too: the joiner it was given has not answered yet.
    const bool serving = busy.contains(view.id.pod()) && view.wsrep.local_state != "Donor/Desynced";
    donor_states += fmt::format("{}{} is {}{}{}", donor_states.empty() ? "" : ", ", view.id.pod(),
                                view.wsrep.local_state,
                                joined_.contains(view.id.index) ? " (joined just now)" : "",
                                serving ? " (the donor of a joiner still starting)" : "");
  }
  pass.waiting_on_donor = names + " waiting for a free donor (" + donor_states + ")";
  // Once per wait, not once per pass.
  if (pass.waiting_on_donor != reported_donor_wait_) {
    event("Normal", "WaitingForDonor", pass.waiting_on_donor);
    reported_donor_wait_ = pass.waiting_on_donor;
  }
}

void MariaDBReconciler::stop_stuck_joiners(const Pass& pass) {
  // The SST script of a donor starts within a second or two; a joiner that has heard nothing
  // for this long while its donor serves nobody will hear nothing until its own timeout.
  constexpr std::chrono::seconds kDonorSilence{5};
  auto now = std::chrono::steady_clock::now();
  for (auto it = joined_.begin(); it != joined_.end();) {
    const int index = it->first;
    const std::string& donor_pod = it->second;
    const NodeView* joiner = view_of(pass, index);
    if (joiner == nullptr) {  // scaled away
      it = joined_.erase(it);
      continue;
    }
    const NodeView* donor = nullptr;
    for (const NodeView& view : pass.views) {
      if (view.id.pod() == donor_pod) donor = &view;
    }
    // A donor serving a state transfer is Donor/Desynced; one that is Synced (or gone) is not
    // serving this joiner.
    const bool donor_idle =
        donor == nullptr || !donor->running() || donor->wsrep.local_state != "Donor/Desynced";
    if (!joiner->running() || !joiner->waiting_for_donor || !donor_idle) {
      donor_silent_since_.erase(index);
      ++it;
      continue;
    }
    auto since = donor_silent_since_.try_emplace(index, now).first->second;
    if (now - since < kDonorSilence) {
      ++it;
      continue;
    }
    donor_silent_since_.erase(index);
    event("Warning", "JoinerStuck",
          fmt::format("{} waited {} s for its donor {}, which sent it nothing; restarting it "
                      "with a free donor",
                      joiner->id.pod(), kDonorSilence.count(), donor_pod));
    if (auto stopped = stop_node(joiner->id, 5s); !stopped) {
      event("Warning", "NodeRestartStalled", stopped.error().what());
    }
    // The donor failed it, not its own start: no start attempt is held against it.
    const std::string pod = joiner->id.pod();
    store_.update_status(key_, [&](json& status) {
      if (status.contains("startAttempts")) status["startAttempts"].erase(pod);
    });
    silent_donor_[index] = donor_pod;
    it = joined_.erase(it);
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

std::optional<std::chrono::milliseconds> MariaDBReconciler::start_renewed_single(Pass& pass) {
  if (!renewed_single_ || pass.spec.replicas != 1) return std::nullopt;
  const auto [index, since] = *renewed_single_;
  const NodeView* view = view_of(pass, index);
  if (view == nullptr ||
      std::chrono::steady_clock::now() - since > pass.spec.recovery.pod_recovery_timeout) {
    renewed_single_.reset();
    return std::nullopt;
  }
  // Taken as running while its new place does not serve yet.
  if (view->running()) return 1s;
  renewed_single_.reset();
  // Its clean stop left safe_to_bootstrap set: it goes on as the cluster it was.
  if (auto started = start_node(pass, *view, true, ""); !started) {
    event("Warning", "NodeStartFailed", started.error().what());
    return 2s;
  }
  return 200ms;
}

std::chrono::milliseconds MariaDBReconciler::maintain_members(Pass& pass) {
  no_primary_since_.reset();
  if (pass.spec.galera_enabled) stop_stuck_joiners(pass);
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
    start_stopped_members(pass);
    return 200ms;
  }

  bool healthy = true;
  for (size_t i = 0; i < pass.members.size(); ++i) {
    const NodeView& view = pass.views[i];
    healthy = healthy && view.synced() &&
              (!pass.spec.galera_enabled || view.wsrep.cluster_size >= pass.spec.replicas);
  }
  if (!healthy) {
    if (pass.spec.galera_enabled) restart_stranded_members(pass);
    return 200ms;
  }
  stranded_since_.clear();
  // Whole again: every member may serve the next joiner.
  joined_.clear();
  donor_silent_since_.clear();
  silent_donor_.clear();

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
    return kHealthCheckPeriod;
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
    const bool place_outdated = agent_.place_outdated(view->id);
    if (recorded[pod] == pass.config_hash && !place_outdated) continue;
    event("Normal", "RollingRestart",
          "restarting " + pod + " to apply a " +
              (place_outdated ? "changed pod template" : "configuration change"));
    if (auto stopped = stop_node(view->id, 120s); !stopped) {
      event("Warning", "RollingRestartStalled", stopped.error().what());
      return 5s;
    }
    if (place_outdated) {
      // Its new place (a new pod) starts as any stopped member does, once it serves; a cluster
      // of one has no group to rejoin (start_renewed_single).
      if (auto renewed = agent_.renew_place(view->id); !renewed) {
        event("Warning", "RollingRestartStalled", renewed.error().what());
        return 5s;
      }
      if (pass.spec.galera_enabled && pass.spec.replicas == 1) {
        renewed_single_ = {view->id.index, std::chrono::steady_clock::now()};
      }
      return 200ms;
    }
    if (pass.spec.galera_enabled && pass.spec.replicas > 1) {
      // It rejoins as any stopped member does, from a donor that was in the component.
      const size_t at = static_cast<size_t>(view->id.index);
      pass.views[at] = node_view(pass.views[at].id, agent_.observe(pass.views[at].id, ""), true);
      start_stopped_members(pass);
    } else if (auto started = start_node(pass, *view, pass.spec.galera_enabled, ""); !started) {
      // A cluster of one has no group to rejoin: its clean stop left safe_to_bootstrap set.
      event("Warning", "NodeStartFailed", started.error().what());
      return 2s;
    }
    // The next passes see it rejoin; none rolls another node before every member is Synced
    // again, and one stuck outside Synced for podSyncTimeout is restarted.
    return 200ms;
  }
  return kHealthCheckPeriod;
}

}  // namespace mdbop
