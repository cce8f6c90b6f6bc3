// Node metrics: with spec.metrics.enabled every member runs a metrics exporter beside its server
// (the node agent runs Prometheus's mysqld_exporter), which scrapes it as a least-privilege
// account mdbop makes for it. The account is made once per user name and password (recorded in
// status.metrics, as a keyed hash), Galera replicates it to every node, and then every pass
// asks the agent to run each member's exporter: a no-op while it runs, so an exporter that died
// is back within the health check period. With metrics disabled every exporter stops and the
// account is dropped: no account is left that nothing uses.
#include <functional>

#include "controller/mariadb/reconciler.h"
#include "store/secrets.h"
#include "util/sha256.h"

namespace mdbop {

using namespace std::chrono_literals;

namespace {

// What the exporter's default collectors need on MariaDB 10.11, and no more (each measured:
// without it that collector fails, see docs/monitoring.md):
//  - PROCESS: info_schema.innodb_cmp and info_schema.innodb_cmpmem read
//    information_schema.INNODB_CMP and INNODB_CMPMEM, which require it;
//  - SLAVE MONITOR: slave_status runs SHOW SLAVE STATUS, which requires it (or SUPER).
// global_status, global_variables (which carry every wsrep_* value) and query_response_time
// need nothing. No SELECT: no default collector reads a table, and SELECT ON *.* would let the
// exporter's account read every row of every database.
constexpr const char* kExporterPrivileges = "PROCESS, SLAVE MONITOR";
// As mariadb-operator and mysqld_exporter's README: a scrape uses one connection.
constexpr int kExporterConnections = 3;

// Names the account and its password without revealing either to whoever reads status: keyed
// with root's password, which status readers do not have, so that a guessed password cannot be
// checked against it. The privileges are part of it: a release that changes them grants again.
std::string account_hash(const std::string& user, const std::string& password,
                         const std::string& root_password) {
  const std::string message = user + "\n" + password + "\n" + kExporterPrivileges + "\n" +
                              std::to_string(kExporterConnections);
  return hex_encode(hmac_sha256(root_password, message)).substr(0, 16);
}

// `text` with every occurrence of `secret` replaced: server errors may quote the statement.
std::string redacted(std::string text, const std::string& secret) {
  if (secret.empty()) return text;
  for (size_t at = text.find(secret); at != std::string::npos; at = text.find(secret, at)) {
    text.replace(at, secret.size(), "***");
  }
  return text;
}

const NodeView* first_synced_member(const std::vector<NodeView>& views, size_t member_count) {
  for (size_t i = 0; i < member_count && i < views.size(); ++i) {
    if (views[i].synced()) return &views[i];
  }
  return nullptr;
}

// Runs, as root on `node`, the statements `build` writes with the session's quoting; the error,
// if any, without `secret` in it, as written or as quoted.
Result<bool> run_as_root(NodeAgent& agent, const NodeId& node, const std::string& root_password,
                         const std::function<std::string(SqlSession&)>& build,
                         const std::string& secret) {
  auto session = agent.open_sql(node, root_password, 10s);
  if (!session) return fail(node.pod() + ": " + session.error().message);
  auto done = (*session)->execute(build(**session));
  if (done) return true;
  const std::string quoted = secret.empty() ? "" : (*session)->quote(secret);
  const std::string escaped = quoted.size() >= 2 ? quoted.substr(1, quoted.size() - 2) : "";
  return fail(node.pod() + ": " + redacted(redacted(done.error().message, secret), escaped));
}

std::string account(SqlSession& sql, const std::string& user) {
  return sql.quote(user) + "@'localhost'";
}

// The exporter's account with exactly its privileges, whatever an account of that name held
// before; a renamed one's predecessor goes.
std::string account_statements(SqlSession& sql, const std::string& user,
                               const std::string& password, const std::string& previous_user) {
  const std::string who = account(sql, user);
  const std::string identified = " IDENTIFIED BY " + sql.quote(password) +
                                 " WITH MAX_USER_CONNECTIONS " +
                                 std::to_string(kExporterConnections);
  std::string statements = "CREATE USER IF NOT EXISTS " + who + identified + ";ALTER USER " + who +
                           identified + ";REVOKE ALL PRIVILEGES, GRANT OPTION FROM " + who +
                           ";GRANT " + kExporterPrivileges + " ON *.* TO " + who + ";";
  if (!previous_user.empty() && previous_user != user) {
    statements += "DROP USER IF EXISTS " + account(sql, previous_user) + ";";
  }
  return statements;
}

}  // namespace

void MariaDBReconciler::maintain_exporters(const Pass& pass) {
  const MetricsSpec& metrics = pass.spec.metrics;
  const json recorded =
      pass.object.value("status", json::object()).value("metrics", json::object());
  const NodeView* synced = first_synced_member(pass.views, pass.members.size());
  if (!metrics.enabled) {
    for (const NodeId& id : pass.all_nodes()) {
      auto stopped = agent_.stop_exporter(id);
      if (!stopped) event("Warning", "ExporterStopFailed", stopped.error().what());
      if (stopped && *stopped) event("Normal", "ExporterStopped", id.pod() + "'s exporter stopped");
    }
    const std::string user = recorded.value("user", "");
    if (user.empty() || synced == nullptr) return;
    auto dropped = run_as_root(
        agent_, synced->id, pass.root_password,
        [&](SqlSession& sql) { return "DROP USER IF EXISTS " + account(sql, user); }, "");
    if (!dropped) {
      event("Warning", "MetricsUserFailed",
            "dropping the exporters' account " + user + ": " + dropped.error().message);
      return;
    }
    store_.update_status(key_, [](json& status) { status.erase("metrics"); });
    event("Normal", "MetricsUserDropped", "metrics are disabled: account " + user + " dropped");
    return;
  }

  auto password = resolve_secret_value(store_, key_.namespace_, metrics.password, pass.object);
  if (!password) {
    event("Warning", "MetricsUnavailable",
          "spec.metrics.passwordSecretKeyRef: " + password.error().message);
    return;
  }
  const std::string hash = account_hash(metrics.username, *password, pass.root_password);
  if (recorded.value("userHash", "") != hash) {
    // Until a member can make it, the exporters keep the account they have.
    if (synced == nullptr) return;
    auto made = run_as_root(
        agent_, synced->id, pass.root_password,
        [&](SqlSession& sql) {
          return account_statements(sql, metrics.username, *password, recorded.value("user", ""));
        },
        *password);
    if (!made) {
      event("Warning", "MetricsUserFailed",
            "making the exporters' account " + metrics.username + ": " + made.error().message);
      return;
    }
    auto updated = store_.update_status(key_, [&](json& status) {
      status["metrics"] = {{"user", metrics.username}, {"userHash", hash}};
    });
    if (!updated) return;
    event("Normal", "MetricsUserReady",
          "account " + metrics.username + "@localhost has " + kExporterPrivileges +
              " for the exporters");
  }
  const ExporterCredentials credentials{metrics.username, *password};
  for (const NodeId& id : pass.members) {
    auto ran = agent_.run_exporter(id, credentials);
    if (!ran) {
      event("Warning", "ExporterFailed", id.pod() + "'s exporter: " + ran.error().what());
    } else if (*ran) {
      event("Normal", "ExporterStarted", id.pod() + "'s metrics exporter started");
    }
  }
}

}  // namespace mdbop
