#include "agent/remote/wire.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <utility>

#include "api/manifest.h"
#include "api/mariadb_spec.h"

namespace mdbop {

using nlohmann::json;

namespace {

constexpr std::array<std::pair<ErrorCode, const char*>, 6> kErrorCodes = {{
    {ErrorCode::kUnknown, "unknown"},
    {ErrorCode::kNotFound, "not-found"},
    {ErrorCode::kConflict, "conflict"},
    {ErrorCode::kInvalid, "invalid"},
    {ErrorCode::kUnavailable, "unavailable"},
    {ErrorCode::kCorrupt, "corrupt"},
}};

}  // namespace

void to_json(json& out, const NodeId& id) {
  out = {{"namespace", id.namespace_}, {"mariadb", id.mariadb}, {"index", id.index}};
}
void from_json(const json& in, NodeId& id) {
  in.at("namespace").get_to(id.namespace_);
  in.at("mariadb").get_to(id.mariadb);
  in.at("index").get_to(id.index);
}

void to_json(json& out, const NodeAddress& address) {
  out = {{"host", address.host},
         {"sqlPort", address.sql_port},
         {"galeraPort", address.galera_port},
         {"istPort", address.ist_port},
         {"sstPort", address.sst_port},
         {"metricsPort", address.metrics_port}};
}
void from_json(const json& in, NodeAddress& address) {
  in.at("host").get_to(address.host);
  in.at("sqlPort").get_to(address.sql_port);
  in.at("galeraPort").get_to(address.galera_port);
  in.at("istPort").get_to(address.ist_port);
  in.at("sstPort").get_to(address.sst_port);
  in.at("metricsPort").get_to(address.metrics_port);
}

void to_json(json& out, const NodeProcess& process) {
  out = {{"running", process.running},
         {"instance", process.instance},
         {"runningForSeconds", process.running_for.count()},
         {"details", process.details}};
}
void from_json(const json& in, NodeProcess& process) {
  in.at("running").get_to(process.running);
  in.at("instance").get_to(process.instance);
  process.running_for = std::chrono::seconds(in.at("runningForSeconds").get<std::int64_t>());
  process.details = in.at("details");
}

void to_json(json& out, const WsrepStatus& status) {
  out = {{"answers", status.answers},
         {"refusal", status.refusal},
         {"localState", status.local_state},
         {"clusterStatus", status.cluster_status},
         {"clusterSize", status.cluster_size},
         {"lastCommitted", status.last_committed},
         {"clusterStateUuid", status.cluster_state_uuid},
         {"gcommUuid", status.gcomm_uuid}};
}
void from_json(const json& in, WsrepStatus& status) {
  in.at("answers").get_to(status.answers);
  in.at("refusal").get_to(status.refusal);
  in.at("localState").get_to(status.local_state);
  in.at("clusterStatus").get_to(status.cluster_status);
  in.at("clusterSize").get_to(status.cluster_size);
  in.at("lastCommitted").get_to(status.last_committed);
  in.at("clusterStateUuid").get_to(status.cluster_state_uuid);
  in.at("gcommUuid").get_to(status.gcomm_uuid);
}

void to_json(json& out, const GraState& state) {
  out = {{"version", state.version},
         {"uuid", state.uuid},
         {"seqno", state.seqno},
         {"safeToBootstrap", state.safe_to_bootstrap}};
}
void from_json(const json& in, GraState& state) {
  in.at("version").get_to(state.version);
  in.at("uuid").get_to(state.uuid);
  in.at("seqno").get_to(state.seqno);
  in.at("safeToBootstrap").get_to(state.safe_to_bootstrap);
}

void to_json(json& out, const NodeSnapshot& snapshot) {
  out = {{"address", snapshot.address},
         {"process", snapshot.process},
         {"dataPresent", snapshot.data_present},
         {"sstInProgress", snapshot.sst_in_progress},
         {"waitingForDonor", snapshot.waiting_for_donor},
         {"wsrep", snapshot.wsrep},
         {"exporterRunning", snapshot.exporter_running}};
  if (snapshot.grastate) out["grastate"] = *snapshot.grastate;
}
void from_json(const json& in, NodeSnapshot& snapshot) {
  in.at("address").get_to(snapshot.address);
  in.at("process").get_to(snapshot.process);
  in.at("dataPresent").get_to(snapshot.data_present);
  in.at("sstInProgress").get_to(snapshot.sst_in_progress);
  in.at("waitingForDonor").get_to(snapshot.waiting_for_donor);
  in.at("wsrep").get_to(snapshot.wsrep);
  in.at("exporterRunning").get_to(snapshot.exporter_running);
  snapshot.grastate.reset();
  if (in.contains("grastate")) snapshot.grastate = in.at("grastate").get<GraState>();
}

void to_json(json& out, const GaleraPosition& position) {
  out = {{"uuid", position.uuid}, {"seqno", position.seqno}, {"gtid", position.gtid}};
}
void from_json(const json& in, GaleraPosition& position) {
  in.at("uuid").get_to(position.uuid);
  in.at("seqno").get_to(position.seqno);
  in.at("gtid").get_to(position.gtid);
}

void to_json(json& out, const ClusterConfig& config) {
  out = {{"mariadb", config.mariadb},
         {"clusterName", config.cluster_name},
         {"sstPassword", config.sst_password},
         {"myCnf", config.my_cnf},
         {"peers", config.peers},
         {"peerAddresses", config.peer_addresses}};
}
void from_json(const json& in, ClusterConfig& config) {
  // mariadb_spec_from reads only what validation let through: validate it here again.
  auto valid = validate_and_default(in.at("mariadb"));
  if (!valid || valid->value("kind", "") != "MariaDB") {
    throw json::other_error::create(501, "mariadb: not a valid MariaDB object", &in);
  }
  config.mariadb = *valid;
  config.spec = mariadb_spec_from(config.mariadb);
  in.at("clusterName").get_to(config.cluster_name);
  in.at("sstPassword").get_to(config.sst_password);
  in.at("myCnf").get_to(config.my_cnf);
  in.at("peers").get_to(config.peers);
  in.at("peerAddresses").get_to(config.peer_addresses);
  if (config.peer_addresses.size() != config.peers.size()) {
    throw json::other_error::create(501, "peerAddresses: not one per peer", &in);
  }
}

void to_json(json& out, const BackupStreamRequest& request) {
  out = {{"run", request.run},
         {"method", request.method},
         {"rootPassword", request.root_password},
         {"extraArgs", request.extra_args},
         {"databases", request.databases},
         {"timeoutSeconds", request.timeout.count()},
         {"lineage", request.lineage}};
  if (request.incremental_from_lsn) out["incrementalFromLsn"] = *request.incremental_from_lsn;
}
void from_json(const json& in, BackupStreamRequest& request) {
  in.at("run").get_to(request.run);
  in.at("method").get_to(request.method);
  in.at("rootPassword").get_to(request.root_password);
  in.at("extraArgs").get_to(request.extra_args);
  in.at("databases").get_to(request.databases);
  request.timeout = std::chrono::seconds(in.at("timeoutSeconds").get<std::int64_t>());
  in.at("lineage").get_to(request.lineage);
  request.incremental_from_lsn.reset();
  if (in.contains("incrementalFromLsn")) {
    request.incremental_from_lsn = in.at("incrementalFromLsn").get<std::uint64_t>();
  }
}

void to_json(json& out, const ReceivedBackup& received) {
  out = {{"node", received.node},
         {"namespace", received.namespace_},
         {"name", received.name},
         {"purpose", received.purpose == ReceivedBackup::Purpose::kVerify ? "verify" : "restore"}};
}
void from_json(const json& in, ReceivedBackup& received) {
  in.at("node").get_to(received.node);
  in.at("namespace").get_to(received.namespace_);
  in.at("name").get_to(received.name);
  // The names become a directory's: nothing that could step out of the receiving area.
  if (!received_name_is_safe(received.namespace_) || !received_name_is_safe(received.name)) {
    throw json::other_error::create(501, "namespace, name: not names of a receiving area", &in);
  }
  const std::string purpose = in.at("purpose").get<std::string>();
  if (purpose != "restore" && purpose != "verify") {
    throw json::other_error::create(501, "purpose: neither restore nor verify", &in);
  }
  received.purpose =
      purpose == "verify" ? ReceivedBackup::Purpose::kVerify : ReceivedBackup::Purpose::kRestore;
}

bool received_name_is_safe(std::string_view name) {
  if (name.empty() || name.size() > 253 || name.front() == '.') return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '-' || c == '.' || c == '_';
  });
}

void to_json(json& out, const BackupSourceFacts& facts) {
  out = {{"serverVersion", facts.server_version},
         {"galeraPosition", facts.galera_position},
         {"gtid", facts.gtid},
         {"lineage", facts.lineage}};
}
void from_json(const json& in, BackupSourceFacts& facts) {
  in.at("serverVersion").get_to(facts.server_version);
  in.at("galeraPosition").get_to(facts.galera_position);
  in.at("gtid").get_to(facts.gtid);
  in.at("lineage").get_to(facts.lineage);
}

void to_json(json& out, const BinlogFollowRequest& request) {
  json from = json::array();
  for (const Gtid& gtid : request.from) {
    from.push_back(
        {{"domain", gtid.domain_id}, {"server", gtid.server_id}, {"sequence", gtid.sequence}});
  }
  out = {{"from", from},
         {"followerServerId", request.follower_server_id},
         {"heartbeatMilliseconds", request.heartbeat.count()}};
}
void from_json(const json& in, BinlogFollowRequest& request) {
  request.from.clear();
  for (const json& gtid : in.at("from").get<std::vector<json>>()) {
    request.from.push_back({gtid.at("domain").get<std::uint32_t>(),
                            gtid.at("server").get<std::uint32_t>(),
                            gtid.at("sequence").get<std::uint64_t>()});
  }
  in.at("followerServerId").get_to(request.follower_server_id);
  request.heartbeat = std::chrono::milliseconds(in.at("heartbeatMilliseconds").get<std::int64_t>());
}

void to_json(json& out, const SqlRows& rows) {
  json values = json::array();
  for (const auto& row : rows.rows) {
    json cells = json::array();
    for (const auto& cell : row) cells.push_back(cell ? json(*cell) : json(nullptr));
    values.push_back(std::move(cells));
  }
  out = {{"columns", rows.columns}, {"rows", std::move(values)}};
}
void from_json(const json& in, SqlRows& rows) {
  in.at("columns").get_to(rows.columns);
  rows.rows.clear();
  for (const json& cells : in.at("rows").get<std::vector<json>>()) {
    std::vector<std::optional<std::string>> row;
    for (const json& cell : cells.get<std::vector<json>>()) {
      row.push_back(cell.is_null() ? std::nullopt : std::optional(cell.get<std::string>()));
    }
    rows.rows.push_back(std::move(row));
  }
}

std::string start_mode_name(StartMode mode) {
  return mode == StartMode::kNewCluster ? "new-cluster" : "join";
}

std::string node_access_name(NodeAccess access) {
  switch (access) {
    case NodeAccess::kNetwork:
      return "network";
    case NodeAccess::kSocketOnly:
      return "socket-only";
    case NodeAccess::kSocketOnlyWithoutGrants:
      return "socket-only-without-grants";
  }
  return "network";
}

Result<StartMode> start_mode_named(const std::string& name) {
  for (StartMode mode : {StartMode::kJoin, StartMode::kNewCluster}) {
    if (start_mode_name(mode) == name) return mode;
  }
  return fail(ErrorCode::kInvalid, "unknown start mode \"" + name + "\"");
}

Result<NodeAccess> node_access_named(const std::string& name) {
  for (NodeAccess access :
       {NodeAccess::kNetwork, NodeAccess::kSocketOnly, NodeAccess::kSocketOnlyWithoutGrants}) {
    if (node_access_name(access) == name) return access;
  }
  return fail(ErrorCode::kInvalid, "unknown node access \"" + name + "\"");
}

json error_to_json(const Error& error) {
  std::string code = "unknown";
  for (const auto& [value, name] : kErrorCodes) {
    if (value == error.code) code = name;
  }
  return {{"code", code}, {"message", error.message}, {"field", error.field}};
}

Error error_from_json(const json& in) {
  Error error;
  error.message = "the agent failed without saying why";
  if (!in.is_object()) return error;
  if (auto message = in.find("message"); message != in.end() && message->is_string()) {
    error.message = message->get<std::string>();
  }
  if (auto field = in.find("field"); field != in.end() && field->is_string()) {
    error.field = field->get<std::string>();
  }
  if (auto code = in.find("code"); code != in.end() && code->is_string()) {
    for (const auto& [value, name] : kErrorCodes) {
      if (*code == name) error.code = value;
    }
  }
  return error;
}

Result<json> parse_wire(std::string_view body) {
  json parsed = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded()) {
    return fail(ErrorCode::kInvalid, "the agent protocol's message is not JSON");
  }
  return parsed;
}

}  // namespace mdbop
