// A new cluster's data: initialise one node, bootstrap it once to give the data a cluster
// UUID and the root users, stop it cleanly and copy its data directory to the other nodes.
// All nodes then start from the same position and join by IST instead of full SSTs
// (DESIGN.md: 14 s instead of 27 s).
#include <spdlog/spdlog.h>

#include "controller/mariadb/reconciler.h"
#include "galera/node_config.h"

namespace mdbop {

using namespace std::chrono_literals;

namespace {

Result<bool> create_root_users(Runtime& runtime, const NodeId& id, const std::string& password) {
  // mariadb-install-db left root@localhost without a password, reachable only on the socket.
  auto connection = SqlConnection::connect(runtime.sql_endpoint(id, ""));
  if (!connection) return tl::unexpected(connection.error());
  auto hosts = connection->query("SELECT Host FROM mysql.user WHERE User = 'root'");
  if (!hosts) return tl::unexpected(hosts.error());
  std::string sql;
  for (const auto& row : hosts->rows) {
    if (row[0] && *row[0] != "localhost")
      sql += "DROP USER 'root'@" + connection->quote(*row[0]) + ";";
  }
  std::string quoted = connection->quote(password);
  sql += "ALTER USER 'root'@'localhost' IDENTIFIED BY " + quoted + ";";
  // As on Kubernetes, root is reachable over the network (here: loopback only).
  sql += "CREATE USER 'root'@'%' IDENTIFIED BY " + quoted + ";";
  sql += "GRANT ALL PRIVILEGES ON *.* TO 'root'@'%' WITH GRANT OPTION;";
  auto done = connection->execute(sql);
  if (!done) return fail("creating root users: " + done.error().message);
  return true;
}

}  // namespace

bool MariaDBReconciler::needs_seed(const Pass& pass) const {
  json status = pass.object.value("status", json::object());
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
  int seed_index = std::clamp(pass.spec.primary_pod_index, 0, pass.spec.replicas - 1);
  const NodeId seed = pass.members[static_cast<size_t>(seed_index)];
  event("Normal", "Initializing", "initialising the data of a new cluster on " + seed.pod());
  auto started_at = std::chrono::steady_clock::now();
  // Recorded before anything is wiped: the next operator redoes an interrupted seed.
  auto marked = store_.update_status(key_, [&](json& status) {
    status["seeding"] = {{"pod", seed.pod()}, {"startedAt", rfc3339_now()}};
  });
  if (!marked) return tl::unexpected(marked.error());

  for (const NodeId& id : pass.members) {
    if (auto stopped = stop_node(id, 30s); !stopped) return stopped;
    if (auto wiped = runtime_.wipe_data(id); !wiped) return wiped;
  }
  if (auto initialized = runtime_.initialize_data(seed); !initialized) return initialized;
  // Until root has its password, the seed listens on its socket only.
  if (auto started = runtime_.start(seed, pass.spec.galera_enabled, true); !started) {
    return tl::unexpected(started.error());
  }
  bool answered = wait_for(seed, "", pass.spec.recovery.pod_recovery_timeout,
                           [](const NodeView& view) { return view.sql_answers; });
  if (!answered) {
    std::string reason = startup_failure_reason(runtime_.error_log_tail(seed, 16384));
    stop_node(seed, 10s);
    return fail(seed.pod() +
                " did not start: " + (reason.empty() ? "no reason in its error log" : reason));
  }
  if (auto users = create_root_users(runtime_, seed, pass.root_password); !users) {
    stop_node(seed, 30s);
    return users;
  }

  if (pass.spec.galera_enabled) {
    // A clean stop leaves grastate.dat with the cluster UUID, a seqno and safe_to_bootstrap 1.
    if (auto stopped = stop_node(seed, 60s); !stopped) return stopped;
    auto seed_state = runtime_.read_grastate(seed);
    if (!seed_state)
      return fail("reading grastate.dat of " + seed.pod() + ": " + seed_state.error().what());
    for (const NodeId& id : pass.members) {
      if (id.index == seed.index) continue;
      if (auto copied = runtime_.copy_data(seed, id); !copied) return copied;
      GraState joiner = *seed_state;
      joiner.safe_to_bootstrap = false;
      if (auto written = runtime_.write_grastate(id, joiner); !written) return written;
    }
  }
  if (!pass.spec.galera_enabled) {
    // A standalone server is started again, with networking, by the next step.
    if (auto stopped = stop_node(seed, 60s); !stopped) return stopped;
  }
  auto done = store_.update_status(key_, [](json& status) {
    status["bootstrapped"] = true;
    status.erase("seeding");
  });
  if (!done) return tl::unexpected(done.error());
  pass.object["status"] = (*done)["status"];
  auto seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started_at);
  event("Normal", "Initialized",
        fmt::format("data initialised on {} and copied to {} other node(s) in {:.1f}s", seed.pod(),
                    pass.members.size() - 1, seconds.count()));
  return true;
}

}  // namespace mdbop
