#include "agent/local/wsrep_observer.h"

namespace mdbop {

namespace {

// The variables a snapshot holds, read in one statement.
constexpr const char* kStatusQuery =
    "SELECT VARIABLE_NAME, VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS WHERE "
    "VARIABLE_NAME IN ('WSREP_LOCAL_STATE_COMMENT', 'WSREP_CLUSTER_STATUS', "
    "'WSREP_CLUSTER_STATE_UUID', 'WSREP_GCOMM_UUID', 'WSREP_CLUSTER_SIZE', "
    "'WSREP_LAST_COMMITTED')";

bool read_status(SqlConnection& connection, WsrepStatus& wsrep) {
  auto rows = connection.query(kStatusQuery);
  if (!rows) return false;
  std::map<std::string, std::string> values;
  for (const auto& row : rows->rows) {
    if (row.size() == 2 && row[0] && row[1]) values[*row[0]] = *row[1];
  }
  auto value = [&](const char* name) {
    auto it = values.find(name);
    return it == values.end() ? std::string() : it->second;
  };
  wsrep.answers = true;
  wsrep.local_state = value("WSREP_LOCAL_STATE_COMMENT");
  wsrep.cluster_status = value("WSREP_CLUSTER_STATUS");
  wsrep.cluster_state_uuid = value("WSREP_CLUSTER_STATE_UUID");
  wsrep.gcomm_uuid = value("WSREP_GCOMM_UUID");
  const std::string size = value("WSREP_CLUSTER_SIZE");
  const std::string committed = value("WSREP_LAST_COMMITTED");
  wsrep.cluster_size = size.empty() ? 0 : std::stoi(size);
  wsrep.last_committed = committed.empty() ? -1 : std::stoll(committed);
  return true;
}

}  // namespace

std::shared_ptr<WsrepObserver::Session> WsrepObserver::session_of(const std::string& node) {
  std::lock_guard lock(mutex_);
  auto& session = sessions_[node];
  if (!session) session = std::make_shared<Session>();
  return session;
}

void WsrepObserver::forget(const std::string& node) {
  std::lock_guard lock(mutex_);
  sessions_.erase(node);
}

void WsrepObserver::observe(const std::string& node, const std::string& instance,
                            const SqlEndpoint& node_endpoint, WsrepStatus& wsrep) {
  std::shared_ptr<Session> session = session_of(node);
  std::lock_guard lock(session->mutex);
  const std::string made_for = instance + "\n" + node_endpoint.socket + "\n" +
                               std::to_string(node_endpoint.port) + "\n" + node_endpoint.password;
  if (session->made_for != made_for) session->connection.reset();
  if (session->connection && read_status(*session->connection, wsrep)) return;
  // None yet, or it broke (the server restarted, a timeout): one new login.
  session->connection.reset();
  wsrep = WsrepStatus{};
  SqlEndpoint endpoint = node_endpoint;
  endpoint.timeout = std::chrono::seconds(2);
  auto connection = SqlConnection::connect(endpoint);
  if (!connection) {
    const std::string& message = connection.error().message;
    if (message.find("(1045)") != std::string::npos ||
        message.find("(1040)") != std::string::npos) {
      wsrep.refusal = message;
    }
    return;
  }
  // A myCnf's wsrep_sync_wait would make the status read wait for (or, outside a Primary
  // component, fail on) a causality check it does not need.
  (void)connection->execute("SET SESSION wsrep_sync_wait=0");
  session->connection = std::make_unique<SqlConnection>(std::move(*connection));
  session->made_for = made_for;
  if (!read_status(*session->connection, wsrep)) {
    session->connection.reset();
    wsrep = WsrepStatus{};
  }
}

}  // namespace mdbop
