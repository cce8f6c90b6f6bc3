#include "agent/remote/wire.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "api/manifest.h"
#include "api/mariadb_spec.h"

namespace mdbop {
namespace {

using nlohmann::json;

// `value` as it crosses: encoded, dumped to text, parsed and decoded.
template <class T>
Result<T> across(const T& value) {
  const json encoded = value;
  auto parsed = parse_wire(encoded.dump());
  if (!parsed) return tl::unexpected(parsed.error());
  return decode_wire<T>(*parsed);
}

// decode_wire<T>(in) must fail with kInvalid, and not throw.
template <class T>
void expect_invalid(const json& in, const std::string& what) {
  Result<T> decoded = fail("not run");
  EXPECT_NO_THROW(decoded = decode_wire<T>(in)) << what;
  ASSERT_FALSE(decoded) << what << " was accepted: " << in.dump();
  EXPECT_EQ(decoded.error().code, ErrorCode::kInvalid) << what;
  EXPECT_FALSE(decoded.error().message.empty()) << what;
}

// --- Samples.

NodeId sample_id() { return {"prod", "galera", 2}; }

NodeAddress sample_address() { return {"10.0.0.7", 3306, 4567, 4568, 4444, 9104}; }

NodeProcess sample_process() {
  NodeProcess process;
  process.running = true;
  process.instance = "galera-2#7";
  process.running_for = std::chrono::seconds(86400 * 40 + 3);
  process.details = {{"pid", 4242}, {"dataDir", "/var/lib/mysql"}, {"nested", {1, "two", nullptr}}};
  return process;
}

WsrepStatus sample_wsrep() {
  WsrepStatus status;
  status.answers = true;
  status.refusal = "Access denied for user 'root'@'localhost'";
  status.local_state = "Donor/Desynced";
  status.cluster_status = "Primary";
  status.cluster_size = 3;
  status.last_committed = 9'000'000'000;
  status.cluster_state_uuid = "6f9b3a1e-0000-11ee-8000-123456789abc";
  status.gcomm_uuid = "a1b2c3d4-0000-11ee-8000-123456789abc";
  return status;
}

GraState sample_grastate() {
  GraState state;
  state.version = "2.1";
  state.uuid = "6f9b3a1e-0000-11ee-8000-123456789abc";
  state.seqno = 1234567;
  state.safe_to_bootstrap = true;
  return state;
}

NodeSnapshot sample_snapshot(bool with_grastate) {
  NodeSnapshot snapshot;
  snapshot.address = sample_address();
  snapshot.process = sample_process();
  snapshot.data_present = true;
  snapshot.sst_in_progress = true;
  snapshot.waiting_for_donor = true;
  if (with_grastate) snapshot.grastate = sample_grastate();
  snapshot.wsrep = sample_wsrep();
  snapshot.exporter_running = true;
  return snapshot;
}

BackupStreamRequest sample_backup_request(bool incremental) {
  BackupStreamRequest request;
  request.run = "galera-20240101-000000";
  request.method = "physical";
  request.root_password = "p@ss'\"\\word";
  request.extra_args = {"--parallel=4", "--throttle=10"};
  request.databases = {"shop", "ledger"};
  request.timeout = std::chrono::seconds(7200);
  if (incremental) request.incremental_from_lsn = 18'446'744'073'709'551'000ull;
  request.lineage = "galera-2 lineage-3";
  return request;
}

json sample_mariadb_object() {
  auto docs = decode_yaml_documents(
      "apiVersion: k8s.mariadb.com/v1alpha1\n"
      "kind: MariaDB\n"
      "metadata: {name: galera, namespace: prod}\n"
      "spec:\n"
      "  replicas: 5\n"
      "  port: 3307\n"
      "  rootPasswordSecretKeyRef: {name: galera-secrets, key: root}\n"
      "  updateStrategy: {type: OnDelete}\n"
      "  myCnf: |\n"
      "    [mariadb]\n"
      "    max_connections=100\n"
      "  galera:\n"
      "    enabled: true\n"
      "    sst: rsync\n"
      "    replicaThreads: 8\n"
      "    primary: {podIndex: 4, automaticFailover: false}\n"
      "    recovery:\n"
      "      minClusterSize: 2\n"
      "      forceClusterBootstrapInPod: galera-3\n"
      "    providerOptions: {gcache.size: 2G, pc.weight: 3}\n");
  EXPECT_TRUE(docs) << docs.error().what();
  if (!docs) return json::object();
  auto valid = validate_and_default(docs->at(0));
  if (!valid) {
    for (const auto& issue : valid.error()) ADD_FAILURE() << issue.field << ": " << issue.message;
    return json::object();
  }
  return *valid;
}

ClusterConfig sample_config() {
  ClusterConfig config;
  config.mariadb = sample_mariadb_object();
  config.spec = mariadb_spec_from(config.mariadb);
  config.cluster_name = "prod-galera";
  config.sst_password = "sst secret";
  config.my_cnf = "[mariadb]\nmax_connections=100\n";
  config.peers = {{"prod", "galera", 0}, {"prod", "galera", 1}, {"prod", "galera", 2}};
  for (int i = 0; i < 3; ++i) {
    config.peer_addresses.push_back(
        NodeAddress{"galera-" + std::to_string(i) + ".galera-internal.prod.svc.cluster.local", 3306,
                    4567, 4568, 4444, 9104});
  }
  return config;
}

BinlogFollowRequest sample_follow_request() {
  BinlogFollowRequest request;
  request.from = {{0, 1, 557}, {1000, 4294967295u, 18'446'744'073'709'551'615ull}};
  request.follower_server_id = 4'000'000'001u;
  request.heartbeat = std::chrono::milliseconds(750);
  return request;
}

SqlRows sample_rows() {
  SqlRows rows;
  rows.columns = {"Host", "plugin", "note"};
  rows.rows = {
      {std::string("localhost"), std::nullopt, std::string("")},
      {std::nullopt, std::nullopt, std::nullopt},
      {std::string("%"), std::string("mysql_native_password"), std::string("it's \"quoted\"\n")},
  };
  return rows;
}

// --- Round trips.

TEST(AgentWire, NodeIdRoundTrip) {
  auto got = across(sample_id());
  ASSERT_TRUE(got) << got.error().message;
  EXPECT_EQ(got->namespace_, "prod");
  EXPECT_EQ(got->mariadb, "galera");
  EXPECT_EQ(got->index, 2);
}

TEST(AgentWire, NodeAddressRoundTrip) {
  auto got = across(sample_address());
  ASSERT_TRUE(got) << got.error().message;
  EXPECT_EQ(got->host, "10.0.0.7");
  EXPECT_EQ(got->sql_port, 3306);
  EXPECT_EQ(got->galera_port, 4567);
  EXPECT_EQ(got->ist_port, 4568);
  EXPECT_EQ(got->sst_port, 4444);
  EXPECT_EQ(got->metrics_port, 9104);
}

TEST(AgentWire, NodeProcessRoundTrip) {
  const NodeProcess process = sample_process();
  auto got = across(process);
  ASSERT_TRUE(got) << got.error().message;
  EXPECT_TRUE(got->running);
  EXPECT_EQ(got->instance, process.instance);
  EXPECT_EQ(got->running_for, process.running_for);
  EXPECT_EQ(got->details, process.details);
}

void expect_wsrep_equal(const WsrepStatus& got, const WsrepStatus& want) {
  EXPECT_EQ(got.answers, want.answers);
  EXPECT_EQ(got.refusal, want.refusal);
  EXPECT_EQ(got.local_state, want.local_state);
  EXPECT_EQ(got.cluster_status, want.cluster_status);
  EXPECT_EQ(got.cluster_size, want.cluster_size);
  EXPECT_EQ(got.last_committed, want.last_committed);
  EXPECT_EQ(got.cluster_state_uuid, want.cluster_state_uuid);
  EXPECT_EQ(got.gcomm_uuid, want.gcomm_uuid);
}

TEST(AgentWire, WsrepStatusRoundTrip) {
  auto got = across(sample_wsrep());
  ASSERT_TRUE(got) << got.error().message;
  expect_wsrep_equal(*got, sample_wsrep());
  // The defaults of a node that does not answer cross too (last_committed -1).
  auto silent = across(WsrepStatus{});
  ASSERT_TRUE(silent) << silent.error().message;
  expect_wsrep_equal(*silent, WsrepStatus{});
}

TEST(AgentWire, GraStateRoundTrip) {
  auto got = across(sample_grastate());
  ASSERT_TRUE(got) << got.error().message;
  EXPECT_EQ(got->version, "2.1");
  EXPECT_EQ(got->uuid, sample_grastate().uuid);
  EXPECT_EQ(got->seqno, 1234567);
  EXPECT_TRUE(got->safe_to_bootstrap);
  auto unknown = across(GraState{});
  ASSERT_TRUE(unknown) << unknown.error().message;
  EXPECT_EQ(unknown->seqno, -1);
  EXPECT_FALSE(unknown->safe_to_bootstrap);
}

void expect_snapshot_equal(const NodeSnapshot& got, const NodeSnapshot& want) {
  EXPECT_EQ(got.address.host, want.address.host);
  EXPECT_EQ(got.address.sql_port, want.address.sql_port);
  EXPECT_EQ(got.address.metrics_port, want.address.metrics_port);
  EXPECT_EQ(got.process.running, want.process.running);
  EXPECT_EQ(got.process.instance, want.process.instance);
  EXPECT_EQ(got.process.running_for, want.process.running_for);
  EXPECT_EQ(got.process.details, want.process.details);
  EXPECT_EQ(got.data_present, want.data_present);
  EXPECT_EQ(got.sst_in_progress, want.sst_in_progress);
  EXPECT_EQ(got.waiting_for_donor, want.waiting_for_donor);
  ASSERT_EQ(got.grastate.has_value(), want.grastate.has_value());
  if (want.grastate) {
    EXPECT_EQ(got.grastate->uuid, want.grastate->uuid);
    EXPECT_EQ(got.grastate->seqno, want.grastate->seqno);
    EXPECT_EQ(got.grastate->safe_to_bootstrap, want.grastate->safe_to_bootstrap);
    EXPECT_EQ(got.grastate->version, want.grastate->version);
  }
  expect_wsrep_equal(got.wsrep, want.wsrep);
  EXPECT_EQ(got.exporter_running, want.exporter_running);
}

TEST(AgentWire, NodeSnapshotWithGrastateRoundTrip) {
  auto got = across(sample_snapshot(true));
  ASSERT_TRUE(got) << got.error().message;
  expect_snapshot_equal(*got, sample_snapshot(true));
}

TEST(AgentWire, NodeSnapshotWithoutGrastateRoundTrip) {
  const json encoded = sample_snapshot(false);
  EXPECT_FALSE(encoded.contains("grastate"));
  auto got = across(sample_snapshot(false));
  ASSERT_TRUE(got) << got.error().message;
  expect_snapshot_equal(*got, sample_snapshot(false));
}

TEST(AgentWire, NodeSnapshotDecodedOverAnotherForgetsItsGrastate) {
  NodeSnapshot target = sample_snapshot(true);
  from_json(json(sample_snapshot(false)), target);
  EXPECT_FALSE(target.grastate);
}

TEST(AgentWire, EmptyNodeSnapshotRoundTrip) {
  auto got = across(NodeSnapshot{});
  ASSERT_TRUE(got) << got.error().message;
  expect_snapshot_equal(*got, NodeSnapshot{});
}

TEST(AgentWire, GaleraPositionRoundTrip) {
  auto got = across(GaleraPosition{"6f9b3a1e-0000-11ee-8000-123456789abc", 557, "0-1-557"});
  ASSERT_TRUE(got) << got.error().message;
  EXPECT_EQ(got->uuid, "6f9b3a1e-0000-11ee-8000-123456789abc");
  EXPECT_EQ(got->seqno, 557);
  EXPECT_EQ(got->gtid, "0-1-557");
  auto none = across(GaleraPosition{});
  ASSERT_TRUE(none) << none.error().message;
  EXPECT_EQ(none->uuid, kZeroUuid);
  EXPECT_EQ(none->seqno, -1);
  EXPECT_EQ(none->gtid, "");
}

TEST(AgentWire, ClusterConfigTravelsAsItsMariaDBAndTheSpecIsRebuilt) {
  const ClusterConfig config = sample_config();
  const json encoded = config;
  EXPECT_EQ(encoded.at("mariadb"), config.mariadb);
  auto got = across(config);
  ASSERT_TRUE(got) << got.error().message;
  EXPECT_EQ(got->mariadb, config.mariadb);
  EXPECT_EQ(got->cluster_name, "prod-galera");
  EXPECT_EQ(got->sst_password, "sst secret");
  EXPECT_EQ(got->my_cnf, config.my_cnf);
  ASSERT_EQ(got->peers.size(), 3u);
  for (std::size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(got->peers[i].namespace_, "prod");
    EXPECT_EQ(got->peers[i].mariadb, "galera");
    EXPECT_EQ(got->peers[i].index, static_cast<int>(i));
    EXPECT_EQ(got->peer_addresses[i].host, config.peer_addresses[i].host);
    EXPECT_EQ(got->peer_addresses[i].galera_port, 4567);
  }
  const MariaDBSpec& s = got->spec;
  EXPECT_EQ(s.replicas, 5);
  EXPECT_EQ(s.port, 3307);
  EXPECT_TRUE(s.galera_enabled);
  EXPECT_EQ(s.primary_pod_index, 4);
  EXPECT_FALSE(s.auto_failover);
  EXPECT_EQ(s.sst_method, "rsync");
  EXPECT_EQ(s.replica_threads, 8);
  EXPECT_EQ(s.provider_options, config.spec.provider_options);
  EXPECT_EQ(s.provider_options.at("pc.weight"), "3");
  EXPECT_EQ(s.gcache_size, "2G");
  EXPECT_EQ(s.recovery.min_cluster_size, 2);
  EXPECT_EQ(s.recovery.force_cluster_bootstrap_in_pod, "galera-3");
  EXPECT_EQ(s.recovery.cluster_healthy_timeout, config.spec.recovery.cluster_healthy_timeout);
  EXPECT_EQ(s.my_cnf, "[mariadb]\nmax_connections=100\n");
  EXPECT_EQ(s.root_password.name, "galera-secrets");
  EXPECT_EQ(s.root_password.key, "root");
  EXPECT_EQ(s.update_strategy, "OnDelete");
}

TEST(AgentWire, ClusterConfigIgnoresASpecThatDisagreesWithItsMariaDB) {
  // Only the MariaDB object crosses: a receiver never sees the sender's spec.
  ClusterConfig config = sample_config();
  config.spec.replicas = 99;
  config.spec.sst_method = "mysqldump";
  auto got = across(config);
  ASSERT_TRUE(got) << got.error().message;
  EXPECT_EQ(got->spec.replicas, 5);
  EXPECT_EQ(got->spec.sst_method, "rsync");
}

TEST(AgentWire, ClusterConfigWithAnInvalidMariaDBIsInvalid) {
  const json good = sample_config();
  json unknown_field = good;
  unknown_field["mariadb"]["spec"]["noSuchField"] = 1;
  expect_invalid<ClusterConfig>(unknown_field, "an unknown spec field");
  json fewer_addresses = good;
  fewer_addresses["peerAddresses"].erase(1);
  expect_invalid<ClusterConfig>(fewer_addresses, "an address missing for a peer");
  json bad_value = good;
  bad_value["mariadb"]["spec"]["replicas"] = "five";
  expect_invalid<ClusterConfig>(bad_value, "replicas as a string");
  json other_kind = good;
  other_kind["mariadb"] = {{"apiVersion", "v1"},
                           {"kind", "Secret"},
                           {"metadata", {{"name", "galera"}}},
                           {"stringData", {{"password", "x"}}}};
  expect_invalid<ClusterConfig>(other_kind, "a Secret for the MariaDB");
  for (const json& not_object : {json(nullptr), json("MariaDB"), json(3), json::array()}) {
    json wrong = good;
    wrong["mariadb"] = not_object;
    expect_invalid<ClusterConfig>(wrong, "mariadb as " + not_object.dump());
  }
}

TEST(AgentWire, BackupStreamRequestRoundTrip) {
  for (bool incremental : {false, true}) {
    const BackupStreamRequest request = sample_backup_request(incremental);
    const json encoded = request;
    EXPECT_EQ(encoded.contains("incrementalFromLsn"), incremental);
    auto got = across(request);
    ASSERT_TRUE(got) << got.error().message;
    EXPECT_EQ(got->run, request.run);
    EXPECT_EQ(got->method, "physical");
    EXPECT_EQ(got->root_password, request.root_password);
    EXPECT_EQ(got->extra_args, request.extra_args);
    EXPECT_EQ(got->databases, request.databases);
    EXPECT_EQ(got->timeout, std::chrono::seconds(7200));
    EXPECT_EQ(got->incremental_from_lsn, request.incremental_from_lsn);
    EXPECT_EQ(got->lineage, request.lineage);
  }
}

TEST(AgentWire, BackupStreamRequestDecodedOverAnotherForgetsItsLsn) {
  BackupStreamRequest target = sample_backup_request(true);
  from_json(json(sample_backup_request(false)), target);
  EXPECT_FALSE(target.incremental_from_lsn);
}

TEST(AgentWire, BackupSourceFactsRoundTrip) {
  BackupSourceFacts facts{"11.4.2-MariaDB-log", "6f9b3a1e-0000-11ee-8000-123456789abc:557",
                          "0-1-557,1-2-3", "galera-2 lineage-3"};
  auto got = across(facts);
  ASSERT_TRUE(got) << got.error().message;
  EXPECT_EQ(got->server_version, facts.server_version);
  EXPECT_EQ(got->galera_position, facts.galera_position);
  EXPECT_EQ(got->gtid, facts.gtid);
  EXPECT_EQ(got->lineage, facts.lineage);
}

TEST(AgentWire, BinlogFollowRequestRoundTrip) {
  const BinlogFollowRequest request = sample_follow_request();
  auto got = across(request);
  ASSERT_TRUE(got) << got.error().message;
  EXPECT_EQ(got->from, request.from);
  EXPECT_EQ(got->follower_server_id, 4'000'000'001u);
  EXPECT_EQ(got->heartbeat, std::chrono::milliseconds(750));
  // Decoding replaces the position, never appends to it.
  BinlogFollowRequest target = sample_follow_request();
  BinlogFollowRequest one;
  one.from = {{0, 1, 9}};
  from_json(json(one), target);
  EXPECT_EQ(target.from, one.from);
}

TEST(AgentWire, BinlogFollowRequestWithEmptyPosition) {
  auto got = across(BinlogFollowRequest{});
  ASSERT_TRUE(got) << got.error().message;
  EXPECT_TRUE(got->from.empty());
  EXPECT_EQ(got->heartbeat, std::chrono::milliseconds(250));
}

TEST(AgentWire, SqlRowsWithNullsRoundTrip) {
  const SqlRows rows = sample_rows();
  const json encoded = rows;
  EXPECT_TRUE(encoded.at("rows").at(1).at(0).is_null());
  EXPECT_EQ(encoded.at("rows").at(0).at(2), "");  // an empty string is not NULL
  auto got = across(rows);
  ASSERT_TRUE(got) << got.error().message;
  EXPECT_EQ(got->columns, rows.columns);
  EXPECT_EQ(got->rows, rows.rows);
  auto none = across(SqlRows{});
  ASSERT_TRUE(none) << none.error().message;
  EXPECT_TRUE(none->columns.empty());
  EXPECT_TRUE(none->rows.empty());
}

TEST(AgentWire, StartModesAndAccessesByName) {
  for (StartMode mode : {StartMode::kJoin, StartMode::kNewCluster}) {
    auto back = start_mode_named(start_mode_name(mode));
    ASSERT_TRUE(back) << back.error().message;
    EXPECT_EQ(*back, mode);
  }
  EXPECT_NE(start_mode_name(StartMode::kJoin), start_mode_name(StartMode::kNewCluster));
  for (NodeAccess access :
       {NodeAccess::kNetwork, NodeAccess::kSocketOnly, NodeAccess::kSocketOnlyWithoutGrants}) {
    auto back = node_access_named(node_access_name(access));
    ASSERT_TRUE(back) << back.error().message;
    EXPECT_EQ(*back, access);
  }
  for (const char* name : {"", "Join", "bootstrap"}) {
    auto mode = start_mode_named(name);
    ASSERT_FALSE(mode) << name;
    EXPECT_EQ(mode.error().code, ErrorCode::kInvalid);
  }
  for (const char* name : {"", "socket", "NETWORK"}) {
    auto access = node_access_named(name);
    ASSERT_FALSE(access) << name;
    EXPECT_EQ(access.error().code, ErrorCode::kInvalid);
  }
}

// --- Errors.

TEST(AgentWire, EveryErrorCodeRoundTrips) {
  const std::vector<ErrorCode> codes = {ErrorCode::kUnknown,     ErrorCode::kNotFound,
                                        ErrorCode::kConflict,    ErrorCode::kInvalid,
                                        ErrorCode::kUnavailable, ErrorCode::kCorrupt};
  std::vector<std::string> names;
  for (ErrorCode code : codes) {
    const Error error{"message of " + std::to_string(static_cast<int>(code)), "spec.replicas",
                      code};
    const json encoded = error_to_json(error);
    ASSERT_TRUE(encoded.at("code").is_string());
    names.push_back(encoded.at("code").get<std::string>());
    auto text = parse_wire(encoded.dump());
    ASSERT_TRUE(text);
    const Error back = error_from_json(*text);
    EXPECT_EQ(back.code, code) << encoded.dump();
    EXPECT_EQ(back.message, error.message);
    EXPECT_EQ(back.field, "spec.replicas");
  }
  // Each code has a name of its own.
  std::sort(names.begin(), names.end());
  EXPECT_EQ(std::unique(names.begin(), names.end()), names.end());
}

TEST(AgentWire, ErrorWithoutFieldRoundTrips) {
  const Error back = error_from_json(error_to_json(Error{"gone", {}, ErrorCode::kUnavailable}));
  EXPECT_EQ(back.code, ErrorCode::kUnavailable);
  EXPECT_EQ(back.message, "gone");
  EXPECT_EQ(back.field, "");
}

TEST(AgentWire, MalformedErrorsReadAsUnknownWithAMessage) {
  const Error unknown_code = error_from_json({{"code", "exploded"}, {"message", "boom"}});
  EXPECT_EQ(unknown_code.code, ErrorCode::kUnknown);
  EXPECT_EQ(unknown_code.message, "boom");
  const Error numeric_code = error_from_json({{"code", 4}, {"message", 7}, {"field", false}});
  EXPECT_EQ(numeric_code.code, ErrorCode::kUnknown);
  EXPECT_FALSE(numeric_code.message.empty());
  EXPECT_EQ(numeric_code.field, "");
  for (const json& not_object : {json(nullptr), json("unavailable"), json(1), json::array()}) {
    Error error;
    EXPECT_NO_THROW(error = error_from_json(not_object)) << not_object.dump();
    EXPECT_EQ(error.code, ErrorCode::kUnknown);
    EXPECT_FALSE(error.message.empty());
  }
  const Error empty = error_from_json(json::object());
  EXPECT_EQ(empty.code, ErrorCode::kUnknown);
  EXPECT_FALSE(empty.message.empty());
}

// --- Malformed messages.

// Values of a JSON type other than `valid`'s. (A boolean for a number is left out: nlohmann
// reads true as 1 for the narrower integer types, a leniency no peer can be hurt by.)
std::vector<json> wrong_types_for(const json& valid) {
  std::vector<json> wrong = {json(nullptr)};
  if (!valid.is_string()) wrong.push_back("12");
  if (!valid.is_number()) wrong.push_back(17);
  if (!valid.is_boolean() && !valid.is_number()) wrong.push_back(true);
  if (!valid.is_array()) wrong.push_back(json::array({"a", "b"}));
  if (!valid.is_object()) wrong.push_back(json::object({{"k", "v"}}));
  return wrong;
}

// Every key missing, and every key of a wrong type, fails; so does every non-object.
template <class T>
void expect_strict(const T& sample, const std::string& type,
                   const std::vector<std::string>& optional_keys = {},
                   const std::vector<std::string>& any_type_keys = {}) {
  const json valid = sample;
  ASSERT_TRUE(valid.is_object());
  ASSERT_TRUE(decode_wire<T>(valid)) << type;
  for (const auto& [key, value] : valid.items()) {
    const bool optional =
        std::find(optional_keys.begin(), optional_keys.end(), key) != optional_keys.end();
    if (!optional) {
      json missing = valid;
      missing.erase(key);
      expect_invalid<T>(missing, type + " without " + key);
    }
    if (std::find(any_type_keys.begin(), any_type_keys.end(), key) != any_type_keys.end()) {
      continue;
    }
    for (const json& wrong : wrong_types_for(value)) {
      json changed = valid;
      changed[key] = wrong;
      expect_invalid<T>(changed, type + " with " + key + " = " + wrong.dump());
    }
  }
  for (const json& not_object : {json(nullptr), json(0), json(-1.5), json(true), json("{}"),
                                 json::array(), json::array({valid}), json::binary({1, 2, 3})}) {
    expect_invalid<T>(not_object, type + " as " + not_object.type_name());
  }
}

TEST(AgentWireMalformed, NodeId) { expect_strict(sample_id(), "NodeId"); }
TEST(AgentWireMalformed, NodeAddress) { expect_strict(sample_address(), "NodeAddress"); }
TEST(AgentWireMalformed, NodeProcess) {
  // details is whatever the runtime shows: any JSON value.
  expect_strict(sample_process(), "NodeProcess", {}, {"details"});
}
TEST(AgentWireMalformed, WsrepStatus) { expect_strict(sample_wsrep(), "WsrepStatus"); }
TEST(AgentWireMalformed, GraState) { expect_strict(sample_grastate(), "GraState"); }
TEST(AgentWireMalformed, NodeSnapshot) {
  expect_strict(sample_snapshot(true), "NodeSnapshot", {"grastate"});
}
TEST(AgentWireMalformed, NodeSnapshotNestedFields) {
  const json valid = sample_snapshot(true);
  for (const char* object : {"address", "process", "wsrep", "grastate"}) {
    for (const auto& [key, value] : valid.at(object).items()) {
      json missing = valid;
      missing[object].erase(key);
      expect_invalid<NodeSnapshot>(missing, std::string(object) + " without " + key);
    }
  }
  json wrong = valid;
  wrong["wsrep"]["clusterSize"] = "3";
  expect_invalid<NodeSnapshot>(wrong, "wsrep.clusterSize as a string");
}
TEST(AgentWireMalformed, GaleraPosition) {
  expect_strict(GaleraPosition{"6f9b3a1e-0000-11ee-8000-123456789abc", 5, "0-1-5"},
                "GaleraPosition");
}
TEST(AgentWireMalformed, ClusterConfig) { expect_strict(sample_config(), "ClusterConfig"); }
TEST(AgentWireMalformed, ClusterConfigPeers) {
  json peers = sample_config();
  peers["peers"][1] = {{"namespace", "prod"}, {"mariadb", "galera"}};
  expect_invalid<ClusterConfig>(peers, "a peer without index");
  peers["peers"][1] = "galera-1";
  expect_invalid<ClusterConfig>(peers, "a peer as a pod name");
}
TEST(AgentWireMalformed, BackupStreamRequest) {
  expect_strict(sample_backup_request(true), "BackupStreamRequest", {"incrementalFromLsn"});
}
TEST(AgentWireMalformed, BackupStreamRequestLists) {
  json wrong = sample_backup_request(false);
  wrong["extraArgs"] = {"--parallel=4", 4};
  expect_invalid<BackupStreamRequest>(wrong, "a number among extraArgs");
}
TEST(AgentWireMalformed, BackupSourceFacts) {
  expect_strict(BackupSourceFacts{"11.4", "u:1", "0-1-1", "l"}, "BackupSourceFacts");
}
TEST(AgentWireMalformed, BinlogFollowRequest) {
  expect_strict(sample_follow_request(), "BinlogFollowRequest");
}
TEST(AgentWireMalformed, BinlogFollowRequestGtids) {
  const json valid = sample_follow_request();
  for (const char* key : {"domain", "server", "sequence"}) {
    json missing = valid;
    missing["from"][0].erase(key);
    expect_invalid<BinlogFollowRequest>(missing, std::string("a GTID without ") + key);
    json text = valid;
    text["from"][0][key] = "1";
    expect_invalid<BinlogFollowRequest>(text, std::string("a GTID's ") + key + " as text");
  }
  for (const json& gtid : {json("0-1-557"), json(5), json::array({0, 1, 557}), json(nullptr)}) {
    json wrong = valid;
    wrong["from"][0] = gtid;
    expect_invalid<BinlogFollowRequest>(wrong, "a GTID as " + gtid.dump());
  }
  json keyed = valid;
  keyed["from"] = {{"0", valid.at("from").at(0)}};
  expect_invalid<BinlogFollowRequest>(keyed, "the position as an object of GTIDs");
}
TEST(AgentWireMalformed, SqlRows) { expect_strict(sample_rows(), "SqlRows"); }
TEST(AgentWireMalformed, SqlRowsCells) {
  const json valid = sample_rows();
  for (const json& cell : {json(5), json(true), json::array({"a"}), json::object({{"a", "b"}})}) {
    json wrong = valid;
    wrong["rows"][0][0] = cell;
    expect_invalid<SqlRows>(wrong, "a cell as " + cell.dump());
  }
  for (const json& row : {json("localhost"), json(5), json(nullptr), json::object({{"a", "b"}})}) {
    json wrong = valid;
    wrong["rows"][0] = row;
    expect_invalid<SqlRows>(wrong, "a row as " + row.dump());
  }
  json columns = valid;
  columns["columns"][0] = nullptr;
  expect_invalid<SqlRows>(columns, "a NULL column name");
}

TEST(AgentWireMalformed, DecodingNeverThrowsOnAnything) {
  // A sweep of odd documents through every decoder: each must answer, never throw.
  const std::vector<json> documents = {
      json(nullptr),
      json::object(),
      json::array(),
      json("x"),
      json(1e308),
      json::parse(R"({"namespace":1,"mariadb":[],"index":{}})"),
      json::parse(R"({"from":[{}],"rows":[[{}]],"columns":{},"peers":"x","mariadb":null})"),
      json::parse(R"({"address":[],"process":{"details":1},"grastate":null})"),
  };
  for (const json& document : documents) {
    EXPECT_NO_THROW((void)decode_wire<NodeId>(document));
    EXPECT_NO_THROW((void)decode_wire<NodeAddress>(document));
    EXPECT_NO_THROW((void)decode_wire<NodeProcess>(document));
    EXPECT_NO_THROW((void)decode_wire<WsrepStatus>(document));
    EXPECT_NO_THROW((void)decode_wire<NodeSnapshot>(document));
    EXPECT_NO_THROW((void)decode_wire<GraState>(document));
    EXPECT_NO_THROW((void)decode_wire<GaleraPosition>(document));
    EXPECT_NO_THROW((void)decode_wire<ClusterConfig>(document));
    EXPECT_NO_THROW((void)decode_wire<BackupStreamRequest>(document));
    EXPECT_NO_THROW((void)decode_wire<BackupSourceFacts>(document));
    EXPECT_NO_THROW((void)decode_wire<BinlogFollowRequest>(document));
    EXPECT_NO_THROW((void)decode_wire<SqlRows>(document));
    EXPECT_NO_THROW((void)decode_wire<std::string>(document));
    EXPECT_NO_THROW((void)decode_wire<bool>(document));
  }
}

// --- Parsing.

TEST(AgentWire, ParseWireOfGarbageIsInvalid) {
  for (std::string_view garbage :
       {std::string_view(""), std::string_view("{"), std::string_view("nul"),
        std::string_view("{\"a\":}"), std::string_view("[1,]"), std::string_view("{} trailing"),
        std::string_view("\xff\xfe"), std::string_view("\"\xff\""), std::string_view("\0\0\0", 3),
        std::string_view("{'single':1}")}) {
    Result<json> parsed = json();
    EXPECT_NO_THROW(parsed = parse_wire(garbage));
    ASSERT_FALSE(parsed) << "accepted: " << garbage;
    EXPECT_EQ(parsed.error().code, ErrorCode::kInvalid);
  }
}

TEST(AgentWire, ParseWireOfJson) {
  auto object = parse_wire(R"({"value": [1, "two", null]})");
  ASSERT_TRUE(object) << object.error().message;
  EXPECT_EQ(object->at("value").at(1), "two");
  auto scalar = parse_wire("true");
  ASSERT_TRUE(scalar);
  EXPECT_EQ(*scalar, json(true));
}

}  // namespace
}  // namespace mdbop
