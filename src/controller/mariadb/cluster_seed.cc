// A new cluster's data: initialise one node, bootstrap it once to give the data a cluster
// UUID and the root users, stop it cleanly and copy its data directory to the other nodes.
// All nodes then start from the same position and join by IST instead of full SSTs
// (DESIGN.md: 14 s instead of 27 s). A physical restore seeds the same way from a prepared
// backup (status.restore, written by the Restore): every node's data is first set aside,
// kept until the restored cluster is Ready.
#include <spdlog/spdlog.h>

#include "api/backup_spec.h"
#include "api/manifest.h"

#include "controller/conditions.h"
#include "controller/mariadb/reconciler.h"

namespace mdbop {

using namespace std::chrono_literals;

namespace {

bool restore_pending(const json& status) {
  const std::string phase = status.value("restore", json::object()).value("phase", "");
  return phase == "Requested" || phase == "Replacing";
}

// The tag under which a restore sets the nodes' previous data aside.
std::string aside_tag(const json& status) {
  return "restore-" + status["restore"].value("name", std::string("unnamed"));
}

Result<bool> create_root_users(NodeAgent& agent, const NodeId& id, const std::string& password,
                               bool restored) {
  // mariadb-install-db left root@localhost without a password, reachable only on the socket;
  // restored data runs without grant tables until FLUSH PRIVILEGES loads them.
  auto connection = agent.open_sql(id, "", std::chrono::seconds(3));
  if (!connection) return tl::unexpected(connection.error());
  if (restored) {
    if (auto loaded = (*connection)->execute("FLUSH PRIVILEGES"); !loaded) {
      return fail("loading the restored grant tables: " + loaded.error().message);
    }
  }
  auto hosts = (*connection)->query("SELECT Host FROM mysql.user WHERE User = 'root'");
  if (!hosts) return tl::unexpected(hosts.error());
  std::string sql;
  for (const auto& row : hosts->rows) {
    if (row[0] && *row[0] != "localhost")
      sql += "DROP USER 'root'@" + (*connection)->quote(*row[0]) + ";";
  }
  std::string quoted = (*connection)->quote(password);
  // Restored grant tables from another server may lack root@localhost.
  if (restored) {
    sql +=
        "CREATE USER IF NOT EXISTS 'root'@'localhost';"
        "GRANT ALL PRIVILEGES ON *.* TO 'root'@'localhost' WITH GRANT OPTION;";
  }
  sql += "ALTER USER 'root'@'localhost' IDENTIFIED BY " + quoted + ";";
  // As on Kubernetes, root is reachable over the network (here: loopback only).
  sql += "CREATE USER 'root'@'%' IDENTIFIED BY " + quoted + ";";
  sql += "GRANT ALL PRIVILEGES ON *.* TO 'root'@'%' WITH GRANT OPTION;";
  auto done = (*connection)->execute(sql);
  if (!done) return fail("creating root users: " + done.error().message);
  return true;
}

}  // namespace

ReceivedBackup MariaDBReconciler::received_backup(const json& status) const {
  const json restore = status.value("restore", json::object());
  ReceivedBackup received{key_.namespace_, restore.value("name", std::string())};
  // Where its Restore received and prepared it; that node is the seed.
  received.node =
      node_id_from_pod(key_.namespace_, restore.value("receivingPod", std::string()))
          .value_or(NodeId{key_.namespace_, key_.name,
                           primary_pod_index_within_replicas(mariadb_spec_from(object_))});
  return received;
}

bool MariaDBReconciler::needs_seed(const Pass& pass) const {
  json status = pass.object.value("status", json::object());
  if (restore_pending(status)) return true;
  if (status.value("bootstrapped", false)) return false;
  // A seed cut off midway is ours to redo from scratch.
  if (status.contains("seeding")) return true;
  // Any other data (kept by a delete without --purge, say) is never wiped: recovery uses it.
  for (const NodeView& view : pass.views) {
    if (view.data_present || view.running()) return false;
  }
  return true;
}

Result<bool> MariaDBReconciler::seed_new_cluster(Pass& pass) {
  const json status = pass.object.value("status", json::object());
  const bool restoring = restore_pending(status);
  // A restore's seed is the node its data was prepared in (on Kubernetes it can be installed
  // there only); a node no longer a member cannot be one, and the install says so.
  int seed_index = pass.spec.primary_pod_index;
  if (restoring) {
    const NodeId prepared_in = received_backup(status).node;
    if (prepared_in.mariadb != key_.name || prepared_in.index >= pass.spec.replicas) {
      refuse_restore(status, "its data was prepared in " + prepared_in.pod() +
                                 ", which is not a node of " + key_.name + " now (spec.replicas " +
                                 std::to_string(pass.spec.replicas) +
                                 "); no node was touched. Create a new Restore");
      return true;
    }
    seed_index = prepared_in.index;
  }
  const NodeId seed = pass.members[static_cast<size_t>(seed_index)];
  auto started_at = std::chrono::steady_clock::now();
  // Recorded before anything is wiped: the next operator redoes an interrupted seed.
  if (restoring) {
    event("Normal", "RestoreReplacingData",
          "replacing every node's data with artifact " +
              status["restore"].value("artifact", std::string("?")) + " (restore " +
              status["restore"].value("name", std::string("?")) +
              "); the previous data is kept in " + agent_.describe_aside(seed, aside_tag(status)) +
              " (and likewise on every node) until the cluster is Ready");
  } else {
    event("Normal", "Initializing", "initialising the data of a new cluster on " + seed.pod());
  }
  const std::string restore_uid = restoring ? status["restore"].value("uid", "") : "";
  auto marked = store_.update_status(key_, [&](json& s) {
    if (restoring) {
      if (s.value("restore", json::object()).value("uid", "") != restore_uid) return;
      s["restore"]["phase"] = "Replacing";
    } else {
      s["seeding"] = {{"pod", seed.pod()}, {"startedAt", rfc3339_now()}};
    }
    // The data that held the exporters' account is replaced: it is made again.
    s.erase("metrics");
  });
  if (!marked) return tl::unexpected(marked.error());

  for (const NodeId& id : pass.members) {
    if (auto stopped = stop_node(id, 30s); !stopped) return stopped;
    auto cleared = restoring ? agent_.set_aside_data(id, aside_tag(status)) : agent_.wipe_data(id);
    if (!cleared) return cleared;
  }
  if (restoring) {
    if (auto installed = agent_.install_received(seed, received_backup(status)); !installed) {
      return installed;
    }
  } else if (auto initialized = agent_.initialize_data(seed); !initialized) {
    return initialized;
  }
  // Until root has its password, the seed listens on its socket only.
  const NodeAccess access =
      restoring ? NodeAccess::kSocketOnlyWithoutGrants : NodeAccess::kSocketOnly;
  if (auto started = agent_.start(
          seed, pass.spec.galera_enabled ? StartMode::kNewCluster : StartMode::kJoin, access, "");
      !started) {
    return tl::unexpected(started.error());
  }
  bool answered = wait_for(seed, "", pass.spec.recovery.pod_recovery_timeout,
                           [](const NodeView& view) { return view.wsrep.answers; });
  if (!answered) {
    std::string reason = agent_.startup_failure(seed);
    stop_node(seed, 10s);
    return fail(seed.pod() +
                " did not start: " + (reason.empty() ? "no reason in its error log" : reason));
  }
  // Where the restored data's binary log stands before the cluster writes anything: the new
  // history's archive begins there (controller/archive).
  std::string history_start;
  if (restoring) {
    auto session = agent_.open_sql(seed, "", std::chrono::seconds(3));
    auto rows = session ? (*session)->query("SELECT @@global.gtid_binlog_pos")
                        : tl::unexpected(session.error());
    if (rows && !rows->rows.empty() && rows->rows[0][0]) history_start = *rows->rows[0][0];
  }
  if (auto users = create_root_users(agent_, seed, pass.root_password, restoring); !users) {
    stop_node(seed, 30s);
    return users;
  }

  if (pass.spec.galera_enabled) {
    // A clean stop leaves grastate.dat with the cluster UUID, a seqno and safe_to_bootstrap 1.
    if (auto stopped = stop_node(seed, 60s); !stopped) return stopped;
    auto seed_state = agent_.observe(seed, "").grastate;
    if (!seed_state) return fail("the cleanly stopped " + seed.pod() + " left no grastate.dat");
    for (const NodeId& id : pass.members) {
      if (id.index == seed.index) continue;
      if (auto copied = agent_.copy_data(seed, id); !copied) return copied;
      GraState joiner = *seed_state;
      joiner.safe_to_bootstrap = false;
      if (auto written = agent_.write_grastate(id, joiner); !written) return written;
    }
  }
  if (!pass.spec.galera_enabled) {
    // A standalone server is started again, with networking, by the next step.
    if (auto stopped = stop_node(seed, 60s); !stopped) return stopped;
  }
  auto done = store_.update_status(key_, [&](json& s) {
    s["bootstrapped"] = true;
    s.erase("seeding");
    if (restoring && s.value("restore", json::object()).value("uid", "") == restore_uid) {
      s["restore"]["phase"] = "Starting";
      // The restored data's GTIDs begin again from the backup's: its transactions from now on
      // are a history of their own for the binary-log archive (controller/archive).
      s["binlogHistory"] = restore_uid;
      s["binlogHistorySince"] = rfc3339_now();
      s["binlogHistoryStart"] = history_start;
    }
  });
  if (!done) return tl::unexpected(done.error());
  pass.object["status"] = (*done)["status"];
  auto seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started_at);
  event("Normal", "Initialized",
        fmt::format("data initialised on {} and copied to {} other node(s) in {:.1f}s", seed.pod(),
                    pass.members.size() - 1, seconds.count()));
  return true;
}

void MariaDBReconciler::refuse_restore(const json& status, const std::string& why) {
  const std::string uid = status["restore"].value("uid", "");
  store_.update_status(key_, [&](json& s) {
    if (s.value("restore", json::object()).value("uid", "") != uid) return;
    s["restore"]["phase"] = "Failed";
    s["restore"]["message"] = why;
  });
  event("Warning", "RestoreFailed", why);
}

void MariaDBReconciler::fail_restore_attempt(const Pass& pass, const std::string& reason) {
  constexpr int kRestoreAttempts = 3;
  auto object = store_.get(key_);
  if (!object) return;
  const json status = object->value("status", json::object());
  if (!restore_pending(status)) return;
  const int attempts = status["restore"].value("attempts", 0) + 1;
  if (attempts < kRestoreAttempts) {
    store_.update_status(key_, [&](json& s) { s["restore"]["attempts"] = attempts; });
    return;
  }
  // Given up: the nodes get their own data back and recover from it as after a full stop.
  std::string returned;
  for (const NodeId& id : pass.members) {
    stop_node(id, 30s);
    auto back = agent_.return_aside_data(id, aside_tag(status));
    if (!back) {
      returned += " " + id.pod() + ": " + back.error().message + ";";
    } else if (*back) {
      returned += " " + id.pod();
    }
  }
  const std::string message = "gave up after " + std::to_string(attempts) + " attempts: " + reason +
                              "; previous data put back on" +
                              (returned.empty() ? " no node (none was set aside)" : returned);
  store_.update_status(key_, [&](json& s) {
    s["restore"]["phase"] = "Failed";
    s["restore"]["attempts"] = attempts;
    s["restore"]["message"] = message;
  });
  event("Warning", "RestoreFailed", message);
}

void MariaDBReconciler::finish_restore_when_ready(const Pass& pass) {
  // The pass's copy says whether a restore is starting; only then is the object read again.
  if (pass.object.value("status", json::object())
          .value("restore", json::object())
          .value("phase", "") != "Starting") {
    return;
  }
  auto object = store_.get(key_);
  if (!object) return;
  const json status = object->value("status", json::object());
  if (status.value("restore", json::object()).value("phase", "") != "Starting") return;
  if (!condition_is_true(*object, "Ready")) return;
  for (const NodeId& id : pass.members) agent_.discard_aside_data(id, aside_tag(status));
  // The prepared data, in case its Restore was deleted meanwhile (it removes it otherwise).
  agent_.discard_received(received_backup(status));
  store_.update_status(key_, [](json& s) {
    s["restore"]["phase"] = "Done";
    s["restore"]["finishedAt"] = rfc3339_now();
  });
  event("Normal", "RestoreComplete",
        "every node runs the data of artifact " +
            status["restore"].value("artifact", std::string("?")) +
            "; the previous data was removed");
}

void MariaDBReconciler::take_up_prepared_restore(Pass& pass) {
  const json status = pass.object.value("status", json::object());
  const json current = status.value("restore", json::object());
  const std::string phase = current.value("phase", "");
  if (phase == "Replacing" || phase == "Starting") return;  // under way: it finishes first
  if (phase == "Requested") {
    // Not started on yet: withdrawn when its Restore is gone.
    auto restore = store_.get({"Restore", key_.namespace_, current.value("name", "")});
    const bool gone = !restore || (*restore)["metadata"].value("uid", "") != current["uid"] ||
                      (*restore)["metadata"].contains("deletionTimestamp");
    if (!gone) return;
    auto updated = store_.update_status(key_, [&](json& s) {
      if (s.value("restore", json::object()).value("uid", "") == current["uid"]) s.erase("restore");
    });
    if (updated) pass.object["status"] = (*updated)["status"];
    event("Normal", "RestoreWithdrawn",
          "restore " + current.value("name", "") + " was deleted before it replaced any data");
    return;
  }
  // Nothing under way: the oldest offer of a live Restore of this MariaDB not yet taken up.
  std::optional<json> oldest;
  for (const json& restore : store_.list("Restore", key_.namespace_)) {
    const json& metadata = restore["metadata"];
    const json restore_status = restore.value("status", json::object());
    if (restore_spec_from(restore).mariadb != key_.name || metadata.contains("deletionTimestamp") ||
        !restore_status.contains("handOver") ||
        metadata.value("uid", "") == current.value("uid", "")) {
      continue;
    }
    const std::string phase_of_restore = restore_status.value("phase", "");
    if (phase_of_restore == "Complete" || phase_of_restore == "Failed") continue;
    auto prepared_at = [](const json& r) {
      return r["status"]["handOver"].value("preparedAt", "") + "/" +
             r["metadata"].value("name", "");
    };
    if (!oldest || prepared_at(restore) < prepared_at(*oldest)) oldest = restore;
  }
  if (!oldest) return;
  auto updated = store_.update_status(key_, [&](json& s) {
    s["restore"] = {{"name", (*oldest)["metadata"].value("name", "")},
                    {"uid", (*oldest)["metadata"].value("uid", "")},
                    {"artifact", (*oldest)["status"]["handOver"].value("artifact", "")},
                    {"receivingPod", (*oldest)["status"].value("receivingPod", "")},
                    {"phase", "Requested"},
                    {"requestedAt", rfc3339_now()}};
  });
  if (updated) pass.object["status"] = (*updated)["status"];
}

void MariaDBReconciler::ensure_bootstrap_restore(const Pass& pass) {
  const json status = object_.value("status", json::object());
  const json& spec = object_["spec"];
  if (!spec.contains("bootstrapFrom") || status.contains("bootstrapRestore")) return;
  // Only a new cluster is filled from a backup: data that exists (a running cluster, data
  // kept by a delete without --purge) is never replaced by it.
  bool has_data = status.value("bootstrapped", false);
  for (const NodeView& view : pass.views) has_data = has_data || view.data_present;
  if (has_data) {
    event("Warning", "BootstrapFromIgnored",
          "spec.bootstrapFrom applies to a new cluster only; this one has data. Use a Restore "
          "to replace it");
    auto updated = store_.update_status(key_, [](json& s) { s["bootstrapRestore"] = ""; });
    if (updated) object_ = *updated;
    return;
  }
  // The Restore does the work: a logical one replays once this cluster is Ready, a physical
  // one hands its prepared data over to replace the freshly seeded nodes'.
  const json manifest = *bootstrap_restore_of(object_);
  const std::string name = manifest["metadata"].value("name", "");
  auto valid = validate_and_default(manifest);
  if (!valid) {
    std::string issues;
    for (const ValidationIssue& issue : valid.error())
      issues += " " + issue.field + ": " + issue.message;
    event("Warning", "BootstrapFromInvalid",
          "spec.bootstrapFrom cannot become a Restore:" + issues);
    return;
  }
  auto existing = store_.get({"Restore", key_.namespace_, name});
  if (!existing && !is_not_found(existing.error())) return;  // unknown yet: the next pass asks
  if (!existing) {
    if (auto applied = store_.apply(*valid); !applied) {
      event("Warning", "BootstrapFromFailed",
            "creating Restore " + name + ": " + applied.error().what());
      return;
    }
  }
  event("Normal", "BootstrapFrom", "Restore " + name + " fills the new cluster from the backup");
  auto updated = store_.update_status(key_, [&](json& s) { s["bootstrapRestore"] = name; });
  if (updated) object_ = *updated;
}

}  // namespace mdbop
