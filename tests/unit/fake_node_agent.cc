#include "fake_node_agent.h"

#include "binlog_test_events.h"

#include <fmt/format.h>

#include <algorithm>
#include <stdexcept>

namespace mdbop {

namespace {

// A SQL session on a fake node: statements go to the agent's log; the queries the controllers
// make (root's hosts, by the seed; the binary-log position, by the archiver) are answered.
class FakeSqlSession final : public SqlSession {
 public:
  FakeSqlSession(FakeNodeAgent& agent, NodeId id) : agent_(agent), id_(std::move(id)) {
    agent_.count_sql_session(1);
  }
  ~FakeSqlSession() override { agent_.count_sql_session(-1); }

  Result<SqlRows> query(const std::string& sql) override {
    if (auto done = agent_.record_sql(id_, sql); !done) return tl::unexpected(done.error());
    SqlRows rows;
    if (sql.find("FROM mysql.user") != std::string::npos) {
      rows.columns = {"Host"};
      rows.rows = {{std::string("localhost")}, {std::string("fakehost")}};
    }
    if (sql.find("@@global.wsrep_gtid_domain_id, @@global.gtid_binlog_pos") != std::string::npos) {
      rows.columns = {"@@global.wsrep_gtid_domain_id", "@@global.gtid_binlog_pos"};
      const int64_t committed = agent_.committed(id_);
      rows.rows = {
          {std::string("0"), committed > 0 ? "0-1-" + std::to_string(committed) : std::string()}};
    }
    if (auto answer = agent_.sql_answer(sql)) rows = std::move(*answer);
    return rows;
  }
  Result<bool> execute(const std::string& sql) override { return agent_.record_sql(id_, sql); }
  Result<std::map<std::string, std::string>> status(const std::string& pattern) override {
    return agent_.status_answer(pattern);
  }
  std::string quote(const std::string& value) override {
    std::string quoted = "'";
    for (char c : value) {
      if (c == '\'' || c == '\\') quoted += '\\';
      quoted += c;
    }
    return quoted + "'";
  }

 private:
  FakeNodeAgent& agent_;
  NodeId id_;
};

// Takes bytes and drops them.
class DiscardSink final : public ByteSink {
 public:
  Result<void> write(std::string_view) override { return {}; }
  Result<void> finish() override { return {}; }
};

// Takes a replay's bytes and keeps them in the agent's record of it.
class SqlReplaySink final : public ByteSink {
 public:
  using Record = std::pair<std::mutex, FakeNodeAgent::SqlReplay>;
  explicit SqlReplaySink(std::shared_ptr<Record> record) : record_(std::move(record)) {}
  ~SqlReplaySink() override {
    std::lock_guard lock(record_->first);
    record_->second.open = false;
  }
  Result<void> write(std::string_view bytes) override {
    std::lock_guard lock(record_->first);
    record_->second.bytes.append(bytes);
    return {};
  }
  Result<void> finish() override {
    std::lock_guard lock(record_->first);
    record_->second.finished = true;
    return {};
  }

 private:
  std::shared_ptr<Record> record_;
};

// Takes bytes, and hands them all to `done` when finished.
class CollectingSink final : public ByteSink {
 public:
  explicit CollectingSink(std::function<Result<void>(const std::string&)> done)
      : done_(std::move(done)) {}
  Result<void> write(std::string_view bytes) override {
    bytes_.append(bytes);
    return {};
  }
  Result<void> finish() override { return done_(bytes_); }

 private:
  std::function<Result<void>(const std::string&)> done_;
  std::string bytes_;
};

std::string not_placed(const NodeId& id) { return id.pod() + " has no place"; }

}  // namespace

// --- Test helpers.

std::vector<std::string> FakeNodeAgent::calls() const {
  std::lock_guard lock(mutex_);
  return calls_;
}

std::vector<std::string> FakeNodeAgent::calls_starting(const std::string& prefix) const {
  std::lock_guard lock(mutex_);
  std::vector<std::string> found;
  for (const std::string& call : calls_) {
    if (call.rfind(prefix, 0) == 0) found.push_back(call);
  }
  return found;
}

void FakeNodeAgent::clear_calls() {
  std::lock_guard lock(mutex_);
  calls_.clear();
}

void FakeNodeAgent::crash(const NodeId& id) {
  NodeExit exit{id, "", false};
  {
    std::lock_guard lock(mutex_);
    Node* node = find(id);
    if (node == nullptr || !node->running) return;
    log("crash " + id.pod());
    node->running = false;
    node->primary = false;
    node->synced = false;
    node->waiting_for_donor = false;
    if (node->grastate) node->grastate->seqno = -1;
    exit.instance = node->instance;
  }
  binlog_changed_.notify_all();
  report_exit(exit);
}

void FakeNodeAgent::commit(const std::string& namespace_, const std::string& mariadb,
                           int64_t count) {
  std::lock_guard lock(mutex_);
  for (auto& [key, node] : nodes_) {
    if (std::get<0>(key) != namespace_ || std::get<1>(key) != mariadb) continue;
    if (node.running && node.primary) node.committed += count;
  }
  binlog_changed_.notify_all();
}

void FakeNodeAgent::purge_binlog(const NodeId& id, int64_t through) {
  std::lock_guard lock(mutex_);
  if (Node* node = find(id)) node->binlog_purged_through = through;
}

void FakeNodeAgent::outdate_place(const NodeId& id) {
  std::lock_guard lock(mutex_);
  if (Node* node = find(id)) node->place_outdated = true;
}

void FakeNodeAgent::hold_sync(const NodeId& id) {
  std::lock_guard lock(mutex_);
  if (Node* node = find(id)) node->hold_sync = true;
}

void FakeNodeAgent::finish_sync(const NodeId& id) {
  std::lock_guard lock(mutex_);
  Node* node = find(id);
  if (node == nullptr) return;
  node->hold_sync = false;
  if (node->running && node->primary) node->synced = true;
}

void FakeNodeAgent::set_busy_donor(const NodeId& id, bool busy) {
  std::lock_guard lock(mutex_);
  if (Node* node = find(id)) node->busy_donor = busy;
}

void FakeNodeAgent::stall_next_join(const NodeId& id) {
  std::lock_guard lock(mutex_);
  if (Node* node = find(id)) node->stall_next_join = true;
}

void FakeNodeAgent::move_ports_at_next_start(const NodeId& id) {
  std::lock_guard lock(mutex_);
  if (Node* node = find(id)) node->move_ports = true;
}

void FakeNodeAgent::kill_operator_before(const std::string& prefix) {
  std::lock_guard lock(mutex_);
  kill_before_ = prefix;
}

void FakeNodeAgent::stop_operator_during(const std::string& prefix, std::function<void()> stop) {
  std::lock_guard lock(mutex_);
  stop_during_.emplace(prefix, std::move(stop));
}

void FakeNodeAgent::kill_exporter(const NodeId& id) {
  std::lock_guard lock(mutex_);
  Node* node = find(id);
  if (node == nullptr || !node->exporter_running) return;
  log("kill_exporter " + id.pod());
  node->exporter_running = false;
}

std::string FakeNodeAgent::exporter_user(const NodeId& id) const {
  std::lock_guard lock(mutex_);
  const Node* node = find(id);
  return node != nullptr && node->exporter_running ? node->exporter_credentials.user : "";
}

void FakeNodeAgent::fail_sql_containing(const std::string& text) {
  std::lock_guard lock(mutex_);
  failing_sql_ = text;
}

void FakeNodeAgent::set_startup_failure(const NodeId& id, const std::string& reason) {
  std::lock_guard lock(mutex_);
  if (Node* node = find(id)) node->startup_failure = reason;
}

std::string FakeNodeAgent::gcomm_uuid(const NodeId& id) const {
  std::lock_guard lock(mutex_);
  const Node* node = find(id);
  return node != nullptr && node->running ? "gcomm-" + node->instance : "";
}

int64_t FakeNodeAgent::committed(const NodeId& id) const {
  std::lock_guard lock(mutex_);
  const Node* node = find(id);
  return node != nullptr ? node->committed : -1;
}

std::optional<ClusterConfig> FakeNodeAgent::last_config(const NodeId& id) const {
  std::lock_guard lock(mutex_);
  const Node* node = find(id);
  return node != nullptr ? node->config : std::nullopt;
}

void FakeNodeAgent::set_backup_bytes(std::string bytes, std::size_t piece) {
  std::lock_guard lock(mutex_);
  backup_bytes_.emplace(std::move(bytes), std::max<std::size_t>(piece, 1));
}

std::optional<FakeNodeAgent::SqlReplay> FakeNodeAgent::last_sql_replay(const NodeId& id) const {
  std::shared_ptr<std::pair<std::mutex, SqlReplay>> record;
  {
    std::lock_guard lock(mutex_);
    auto found = sql_replays_.find(key_of(id));
    if (found == sql_replays_.end()) return std::nullopt;
    record = found->second;
  }
  std::lock_guard lock(record->first);
  return record->second;
}

void FakeNodeAgent::answer_sql(const std::string& text, SqlRows rows) {
  std::lock_guard lock(mutex_);
  sql_answers_.emplace_back(text, std::move(rows));
}

void FakeNodeAgent::answer_status(const std::string& pattern,
                                  std::map<std::string, std::string> values) {
  std::lock_guard lock(mutex_);
  status_answers_[pattern] = std::move(values);
}

int FakeNodeAgent::open_sql_sessions() const { return open_sql_sessions_; }

std::optional<SqlRows> FakeNodeAgent::sql_answer(const std::string& sql) const {
  std::lock_guard lock(mutex_);
  for (const auto& [text, rows] : sql_answers_) {
    if (sql.find(text) != std::string::npos) return rows;
  }
  return std::nullopt;
}

std::map<std::string, std::string> FakeNodeAgent::status_answer(const std::string& pattern) const {
  std::lock_guard lock(mutex_);
  auto found = status_answers_.find(pattern);
  return found == status_answers_.end() ? std::map<std::string, std::string>{} : found->second;
}

void FakeNodeAgent::count_sql_session(int change) { open_sql_sessions_ += change; }

// --- Internals.

void FakeNodeAgent::log(const std::string& line) {
  if (kill_before_ && line.rfind(*kill_before_, 0) == 0) {
    kill_before_.reset();
    throw OperatorKilled("operator killed before: " + line);
  }
  if (stop_during_ && line.rfind(stop_during_->first, 0) == 0) {
    std::function<void()> stop = std::move(stop_during_->second);
    stop_during_.reset();
    stop();
  }
  calls_.push_back(line);
}

FakeNodeAgent::Node* FakeNodeAgent::find(const NodeId& id) {
  auto it = nodes_.find(key_of(id));
  return it == nodes_.end() ? nullptr : &it->second;
}

const FakeNodeAgent::Node* FakeNodeAgent::find(const NodeId& id) const {
  auto it = nodes_.find(key_of(id));
  return it == nodes_.end() ? nullptr : &it->second;
}

std::vector<const FakeNodeAgent::Node*> FakeNodeAgent::primary_members(const NodeId& id,
                                                                       bool synced_only,
                                                                       int except) const {
  std::vector<const Node*> members;
  for (const auto& [key, node] : nodes_) {
    if (std::get<0>(key) != id.namespace_ || std::get<1>(key) != id.mariadb) continue;
    if (node.id.index == except) continue;
    if (node.running && node.primary && (node.synced || !synced_only)) members.push_back(&node);
  }
  return members;
}

void FakeNodeAgent::report_exit(const NodeExit& exit) {
  std::lock_guard lock(on_exit_mutex_);
  if (on_exit_) on_exit_(exit);
}

// --- Where nodes live.

Result<NodeAddress> FakeNodeAgent::place(const NodeId& id, const nlohmann::json&) {
  std::lock_guard lock(mutex_);
  if (Node* node = find(id)) return node->address;
  log("place " + id.pod());
  Node node;
  node.id = id;
  const int base = 20000 + 10 * ++places_;
  node.address = {"127.0.0.1", base, base + 1, base + 2, base + 3, base + 4};
  nodes_.emplace(key_of(id), node);
  return node.address;
}

std::vector<int> FakeNodeAgent::placed_indices(const std::string& namespace_,
                                               const std::string& mariadb) {
  std::lock_guard lock(mutex_);
  std::vector<int> indices;
  for (const auto& [key, node] : nodes_) {
    if (std::get<0>(key) == namespace_ && std::get<1>(key) == mariadb) {
      indices.push_back(std::get<2>(key));
    }
  }
  return indices;  // the map's order is ascending by index within one MariaDB
}

Result<bool> FakeNodeAgent::remove(const NodeId& id, bool purge) {
  std::lock_guard lock(mutex_);
  Node* node = find(id);
  if (node == nullptr) return false;
  if (node->running) return fail(ErrorCode::kConflict, id.pod() + " is running");
  log("remove " + id.pod() + (purge ? " purge" : ""));
  nodes_.erase(key_of(id));
  return true;
}

void FakeNodeAgent::set_place_shortfall(const NodeId& id, PlaceShortfall shortfall) {
  std::lock_guard lock(mutex_);
  if (Node* node = find(id)) node->shortfall = std::move(shortfall);
}

PlaceShortfall FakeNodeAgent::place_shortfall(const NodeId& id) {
  std::lock_guard lock(mutex_);
  Node* node = find(id);
  return node != nullptr ? node->shortfall : PlaceShortfall{};
}

bool FakeNodeAgent::place_outdated(const NodeId& id) {
  std::lock_guard lock(mutex_);
  Node* node = find(id);
  return node != nullptr && node->place_outdated;
}

Result<bool> FakeNodeAgent::renew_place(const NodeId& id) {
  std::lock_guard lock(mutex_);
  Node* node = find(id);
  if (node == nullptr) return fail(ErrorCode::kNotFound, id.pod() + " has no place");
  if (node->running) return fail(ErrorCode::kConflict, id.pod() + " is running");
  log("renew_place " + id.pod());
  node->place_outdated = false;
  return true;
}

// --- Looking.

NodeSnapshot FakeNodeAgent::observe(const NodeId& id, const std::string&) {
  std::lock_guard lock(mutex_);
  NodeSnapshot seen;
  const Node* node = find(id);
  if (node == nullptr) return seen;
  seen.address = node->address;
  seen.process.running = node->running;
  seen.process.instance = node->running ? node->instance : "";
  seen.process.details = {{"fake", true}};
  seen.data_present = node->data;
  seen.grastate = node->grastate;
  seen.waiting_for_donor = node->running && node->waiting_for_donor;
  seen.sst_in_progress = seen.waiting_for_donor;
  seen.exporter_running = node->exporter_running;
  if (node->running && !node->waiting_for_donor) {
    WsrepStatus& wsrep = seen.wsrep;
    wsrep.answers = true;
    wsrep.cluster_status = node->primary ? "Primary" : "non-Primary";
    wsrep.local_state = !node->primary     ? "Initialized"
                        : node->busy_donor ? "Donor/Desynced"
                        : node->synced     ? "Synced"
                                           : "Joining";
    wsrep.cluster_size = node->primary ? static_cast<int>(primary_members(id, false).size()) : 1;
    wsrep.last_committed = node->committed;
    wsrep.cluster_state_uuid = node->data_uuid;
    wsrep.gcomm_uuid = "gcomm-" + node->instance;
  }
  return seen;
}

NodeProcess FakeNodeAgent::process(const NodeId& id) {
  std::lock_guard lock(mutex_);
  NodeProcess process;
  if (const Node* node = find(id); node != nullptr && node->running) {
    process.running = true;
    process.instance = node->instance;
  }
  return process;
}

void FakeNodeAgent::watch_exits(std::function<void(const NodeExit&)> on_exit) {
  std::lock_guard lock(on_exit_mutex_);
  on_exit_ = std::move(on_exit);
}

std::string FakeNodeAgent::startup_failure(const NodeId& id) {
  std::lock_guard lock(mutex_);
  const Node* node = find(id);
  return node != nullptr ? node->startup_failure : "";
}

Result<std::string> FakeNodeAgent::read_error_log(const NodeId& id, std::uint64_t) {
  std::lock_guard lock(mutex_);
  if (find(id) == nullptr) return fail(ErrorCode::kNotFound, not_placed(id));
  return std::string();
}

Result<std::unique_ptr<SqlSession>> FakeNodeAgent::open_sql(const NodeId& id, const std::string&,
                                                            std::chrono::seconds) {
  std::lock_guard lock(mutex_);
  const Node* node = find(id);
  if (node == nullptr || !node->running || node->waiting_for_donor) {
    return fail(ErrorCode::kUnavailable, id.pod() + " does not answer");
  }
  return std::unique_ptr<SqlSession>(std::make_unique<FakeSqlSession>(*this, id));
}

Result<bool> FakeNodeAgent::record_sql(const NodeId& id, const std::string& sql) {
  std::lock_guard lock(mutex_);
  const Node* node = find(id);
  if (node == nullptr || !node->running) {
    return fail(ErrorCode::kUnavailable, id.pod() + " went away");
  }
  if (failing_sql_ && sql.find(*failing_sql_) != std::string::npos) {
    failing_sql_.reset();
    return fail("query: You have an error in your SQL syntax near '" + sql + "' (1064)");
  }
  log("sql " + id.pod() + " " + sql);
  return true;
}

// --- Running.

Result<bool> FakeNodeAgent::configure(const NodeId& id, const ClusterConfig& config) {
  std::lock_guard lock(mutex_);
  Node* node = find(id);
  if (node == nullptr) return fail(ErrorCode::kNotFound, not_placed(id));
  // What a real agent needs to name its peers in its options.
  if (config.peer_addresses.size() != config.peers.size()) {
    return fail(ErrorCode::kInvalid, "configure: not one address per peer");
  }
  std::string hash = config.cluster_name + "\n" + config.my_cnf + "\n";
  for (const NodeId& peer : config.peers) hash += peer.pod() + ",";
  node->config = config;
  if (hash == node->config_hash) return false;
  node->config_hash = hash;
  return true;
}

Result<NodeAgent::Started> FakeNodeAgent::start(const NodeId& id, StartMode mode, NodeAccess access,
                                                const std::string& sst_donor) {
  std::lock_guard lock(mutex_);
  Node* node = find(id);
  if (node == nullptr) return fail(ErrorCode::kNotFound, not_placed(id));
  if (node->running) return Started{node->instance, false};
  const bool new_cluster = mode == StartMode::kNewCluster;
  log(fmt::format("start {} {} {}{}", id.pod(), new_cluster ? "new-cluster" : "join",
                  access == NodeAccess::kNetwork ? "network" : "socket-only",
                  sst_donor.empty() ? "" : " donor=" + sst_donor));
  node->running = true;
  node->instance = id.pod() + "#" + std::to_string(++instances_);
  node->primary = false;
  node->synced = false;
  node->waiting_for_donor = false;
  const Node* named_donor = nullptr;
  for (const auto& [key, other] : nodes_) {
    if (std::get<0>(key) == id.namespace_ && std::get<1>(key) == id.mariadb &&
        other.id.pod() == sst_donor) {
      named_donor = &other;
    }
  }
  if (!new_cluster && (node->stall_next_join || (named_donor && named_donor->busy_donor))) {
    node->stall_next_join = false;
    node->waiting_for_donor = true;
  } else if (new_cluster) {
    if (!node->data) node->data = true;
    if (node->data_uuid == kZeroUuid) {
      node->data_uuid = fmt::format("00000000-0000-0000-0000-{:012d}", ++clusters_);
      node->committed = 0;
    }
    node->primary = true;
    node->synced = true;
  } else if (auto donors = primary_members(id, true); !donors.empty()) {
    // IST or SST from the group: the joiner ends with the group's data.
    node->data = true;
    node->data_uuid = donors.front()->data_uuid;
    node->committed = donors.front()->committed;
    node->primary = true;
    node->synced = !node->hold_sync;
  }
  // A running server's grastate.dat says "unknown" until it stops cleanly.
  GraState running_state;
  running_state.uuid = node->data_uuid;
  node->grastate = running_state;
  if (!node->move_ports) return Started{node->instance, false};
  node->move_ports = false;
  const int base = 20000 + 10 * ++places_;
  node->address = {"127.0.0.1", base, base + 1, base + 2, base + 3, base + 4};
  return Started{node->instance, true};
}

Result<bool> FakeNodeAgent::stop(const NodeId& id, std::chrono::seconds) {
  NodeExit exit{id, "", true};
  {
    std::lock_guard lock(mutex_);
    Node* node = find(id);
    if (node == nullptr || !node->running) return false;
    log("stop " + id.pod());
    const bool last_to_leave = node->primary && primary_members(id, false, id.index).empty();
    node->running = false;
    node->primary = false;
    node->synced = false;
    node->waiting_for_donor = false;
    GraState clean;
    clean.uuid = node->data_uuid;
    clean.seqno = node->committed;
    clean.safe_to_bootstrap = last_to_leave;
    node->grastate = clean;
    exit.instance = node->instance;
  }
  binlog_changed_.notify_all();
  report_exit(exit);
  return true;
}

// --- Metrics.

Result<bool> FakeNodeAgent::run_exporter(const NodeId& id, const ExporterCredentials& credentials) {
  std::lock_guard lock(mutex_);
  Node* node = find(id);
  if (node == nullptr) return fail(ErrorCode::kNotFound, not_placed(id));
  const ExporterCredentials& running = node->exporter_credentials;
  if (node->exporter_running && running.user == credentials.user &&
      running.password == credentials.password) {
    return false;
  }
  log("run_exporter " + id.pod() + " user=" + credentials.user +
      (node->exporter_running ? " restart" : ""));
  node->exporter_running = true;
  node->exporter_credentials = credentials;
  return true;
}

Result<bool> FakeNodeAgent::stop_exporter(const NodeId& id) {
  std::lock_guard lock(mutex_);
  Node* node = find(id);
  if (node == nullptr || !node->exporter_running) return false;
  log("stop_exporter " + id.pod());
  node->exporter_running = false;
  return true;
}

// --- Galera state.

Result<GaleraPosition> FakeNodeAgent::recover_position(const NodeId& id) {
  std::lock_guard lock(mutex_);
  Node* node = find(id);
  if (node == nullptr) return fail(ErrorCode::kNotFound, not_placed(id));
  if (node->running) return fail(ErrorCode::kConflict, id.pod() + " is running");
  log("recover_position " + id.pod());
  if (!node->data) return fail(id.pod() + " has no data to recover a position from");
  return GaleraPosition{node->data_uuid, node->committed};
}

Result<bool> FakeNodeAgent::write_grastate(const NodeId& id, const GraState& state) {
  std::lock_guard lock(mutex_);
  Node* node = find(id);
  if (node == nullptr) return fail(ErrorCode::kNotFound, not_placed(id));
  log(fmt::format("write_grastate {} seqno={} safe_to_bootstrap={}", id.pod(), state.seqno,
                  state.safe_to_bootstrap ? 1 : 0));
  node->grastate = state;
  return true;
}

// --- Data.

Result<bool> FakeNodeAgent::initialize_data(const NodeId& id) {
  std::lock_guard lock(mutex_);
  Node* node = find(id);
  if (node == nullptr) return fail(ErrorCode::kNotFound, not_placed(id));
  log("initialize_data " + id.pod());
  node->data = true;
  node->data_uuid = kZeroUuid;
  ++node->lineage;
  node->committed = -1;
  node->grastate.reset();
  return true;
}

Result<bool> FakeNodeAgent::copy_data(const NodeId& from, const NodeId& to) {
  std::lock_guard lock(mutex_);
  const Node* source = find(from);
  Node* target = find(to);
  if (source == nullptr || target == nullptr) return fail(ErrorCode::kNotFound, "not placed");
  log("copy_data " + from.pod() + " " + to.pod());
  target->data = source->data;
  target->data_uuid = source->data_uuid;
  ++target->lineage;
  target->committed = source->committed;
  target->grastate.reset();  // grastate.dat is not copied
  return true;
}

Result<bool> FakeNodeAgent::send_data(const NodeId& id, ByteSink& out) {
  std::string bytes;
  {
    std::lock_guard lock(mutex_);
    const Node* node = find(id);
    if (node == nullptr) return fail(ErrorCode::kNotFound, not_placed(id));
    if (node->running) return fail(ErrorCode::kConflict, id.pod() + " is running");
    log("send_data " + id.pod());
    bytes = node->data_uuid + " " + std::to_string(node->committed);
  }
  if (auto written = out.write(bytes); !written) return tl::unexpected(written.error());
  return true;
}

Result<std::unique_ptr<ByteSink>> FakeNodeAgent::take_data(const NodeId& id) {
  std::lock_guard lock(mutex_);
  if (find(id) == nullptr) return fail(ErrorCode::kNotFound, not_placed(id));
  log("take_data " + id.pod());
  return std::unique_ptr<ByteSink>(
      std::make_unique<CollectingSink>([this, id](const std::string& bytes) -> Result<void> {
        std::lock_guard lock(mutex_);
        Node* node = find(id);
        const auto space = bytes.find(' ');
        if (node == nullptr || space == std::string::npos) {
          return fail(ErrorCode::kCorrupt, "not data sent by send_data");
        }
        node->data = true;
        node->data_uuid = bytes.substr(0, space);
        node->committed = std::stoll(bytes.substr(space + 1));
        ++node->lineage;
        node->grastate.reset();  // grastate.dat is not sent
        return {};
      }));
}

Result<bool> FakeNodeAgent::wipe_data(const NodeId& id) {
  std::lock_guard lock(mutex_);
  Node* node = find(id);
  if (node == nullptr) return fail(ErrorCode::kNotFound, not_placed(id));
  log("wipe_data " + id.pod());
  node->data = false;
  node->data_uuid = kZeroUuid;
  ++node->lineage;
  node->committed = -1;
  node->grastate.reset();
  return true;
}

Result<bool> FakeNodeAgent::set_aside_data(const NodeId& id, const std::string& tag) {
  std::lock_guard lock(mutex_);
  Node* node = find(id);
  if (node == nullptr) return fail(ErrorCode::kNotFound, not_placed(id));
  log("set_aside_data " + id.pod() + " " + tag);
  node->aside.insert(tag);
  node->data = false;
  node->data_uuid = kZeroUuid;
  ++node->lineage;
  node->committed = -1;
  node->grastate.reset();
  return true;
}

Result<bool> FakeNodeAgent::return_aside_data(const NodeId& id, const std::string& tag) {
  std::lock_guard lock(mutex_);
  Node* node = find(id);
  if (node == nullptr) return fail(ErrorCode::kNotFound, not_placed(id));
  if (node->aside.erase(tag) == 0) return false;
  log("return_aside_data " + id.pod() + " " + tag);
  node->data = true;
  return true;
}

Result<bool> FakeNodeAgent::discard_aside_data(const NodeId& id, const std::string& tag) {
  std::lock_guard lock(mutex_);
  Node* node = find(id);
  if (node == nullptr) return fail(ErrorCode::kNotFound, not_placed(id));
  if (node->aside.erase(tag) == 0) return false;
  log("discard_aside_data " + id.pod() + " " + tag);
  return true;
}

std::string FakeNodeAgent::describe_aside(const NodeId& id, const std::string& tag) {
  return "fake:" + id.pod() + "/aside/" + tag;
}

// --- Backups out.

namespace {

// One file of an xbstream: its payload chunk and its end chunk (mbstream -x does not check
// the CRC the payload chunk carries).
std::string xbstream_file(const std::string& path, const std::string& payload) {
  auto little_endian = [](std::uint64_t value, int width) {
    std::string bytes;
    for (int i = 0; i < width; ++i) bytes.push_back(static_cast<char>((value >> (8 * i)) & 0xff));
    return bytes;
  };
  const std::string header = std::string("XBSTCK01") + '\0';
  std::string file = header + 'P' + little_endian(path.size(), 4) + path +
                     little_endian(payload.size(), 8) + little_endian(0, 8) + little_endian(0, 4) +
                     payload;
  return file + header + 'E' + little_endian(path.size(), 4) + path;
}

}  // namespace

Result<std::string> FakeNodeAgent::data_lineage(const NodeId& id) {
  std::lock_guard lock(mutex_);
  const Node* node = find(id);
  if (node == nullptr) return fail(id.pod() + " has no place");
  return id.pod() + " lineage-" + std::to_string(node->lineage);
}

void FakeNodeAgent::replace_data_by_state_transfer(const NodeId& id) {
  std::lock_guard lock(mutex_);
  if (Node* node = find(id)) ++node->lineage;
}

Result<BackupSourceFacts> FakeNodeAgent::stream_backup(const NodeId& id,
                                                       const BackupStreamRequest& request,
                                                       ByteSink& out,
                                                       const std::function<bool()>& should_stop) {
  BackupSourceFacts facts;
  std::string line;
  std::optional<std::pair<std::string, std::size_t>> backup_bytes;
  {
    std::lock_guard lock(mutex_);
    backup_bytes = backup_bytes_;
    const Node* node = find(id);
    if (node == nullptr || !node->running) {
      return fail(ErrorCode::kUnavailable, id.pod() + " is not running");
    }
    std::string call = "stream_backup " + id.pod() + " " + request.method + " " + request.run;
    for (const std::string& arg : request.extra_args) call += " " + arg;
    log(call);
    facts.server_version = "11.4.0-MariaDB-fake";
    facts.galera_position = node->data_uuid + ":" + std::to_string(node->committed);
    // Commit N is GTID 0-1-N, as in the fake's binary log.
    if (node->committed > 0) facts.gtid = "0-1-" + std::to_string(node->committed);
    // Begins as a dump does, so that a check of a logical artifact passes.
    line = fmt::format("-- MariaDB dump (fake {} backup of {} at seqno {})\n", request.method,
                       id.pod(), node->committed);
    if (request.method == "physical") {
      facts.lineage = id.pod() + " lineage-" + std::to_string(node->lineage);
      if (request.incremental_from_lsn && request.lineage != facts.lineage) {
        return fail(ErrorCode::kConflict, id.pod() + "'s data was replaced");
      }
      // Its log sequence numbers grow with its commits.
      const std::uint64_t from = request.incremental_from_lsn.value_or(0);
      line = xbstream_file("xtrabackup_checkpoints",
                           fmt::format("backup_type = {}\nfrom_lsn = {}\nto_lsn = {}\n",
                                       from == 0 ? "full-backuped" : "incremental", from,
                                       1000 + 10 * (node->committed + 1))) +
             xbstream_file("ibdata1", line);
    }
  }
  if (backup_bytes) {
    const std::string_view bytes = backup_bytes->first;
    for (std::size_t at = 0; at < bytes.size(); at += backup_bytes->second) {
      if (should_stop()) return fail("stopped");
      if (auto written = out.write(bytes.substr(at, backup_bytes->second)); !written) {
        return tl::unexpected(written.error());
      }
    }
    return facts;
  }
  if (request.method == "physical") {
    if (should_stop()) return fail("stopped");
    if (auto written = out.write(line); !written) return tl::unexpected(written.error());
    return facts;
  }
  // A few KiB, written outside the lock as a real stream would be.
  for (int i = 0; i < 64; ++i) {
    if (should_stop()) return fail("stopped");
    if (auto written = out.write(line); !written) return tl::unexpected(written.error());
  }
  return facts;
}

void FakeNodeAgent::clean_backup_run(const std::string& namespace_, const std::string& run) {
  std::lock_guard lock(mutex_);
  log("clean_backup_run " + namespace_ + " " + run);
}

// --- The binary log out.

Result<bool> FakeNodeAgent::follow_binlog(const NodeId& id, const std::string&,
                                          const BinlogFollowRequest& request,
                                          const std::function<void(const BinlogEvent&)>& on_event,
                                          const std::function<bool()>& should_stop) {
  auto cluster = std::find_if(request.from.begin(), request.from.end(),
                              [](const Gtid& gtid) { return gtid.domain_id == 0; });
  if (cluster == request.from.end()) {
    return fail(ErrorCode::kInvalid, "the fake follows domain 0 only");
  }
  auto deliver = [&](const std::string& raw) {
    auto event = parse_binlog_event(raw);
    if (!event) throw std::logic_error(event.error().message);
    event->ends_transaction = event->type == binlog_event_type::kXid;
    on_event(*event);
  };
  auto next = static_cast<int64_t>(cluster->sequence) + 1;
  {
    std::lock_guard lock(mutex_);
    const Node* node = find(id);
    if (node == nullptr || !node->running) {
      return fail(ErrorCode::kUnavailable, id.pod() + " is not running");
    }
    if (next - 1 > node->committed) {
      return fail(ErrorCode::kNotFound,
                  "GTID " + cluster->text() + " is not in " + id.pod() + "'s binlog");
    }
    if (next - 1 < node->binlog_purged_through) {
      return fail(ErrorCode::kNotFound, "the binlog files " + id.pod() + " needs for " +
                                            cluster->text() + " have been purged");
    }
    log("follow_binlog " + id.pod() + " " + cluster->text());
  }
  deliver(binlog_test::format_description());
  while (true) {
    int64_t committed = 0;
    {
      std::unique_lock lock(mutex_);
      const Node* node = find(id);
      if (node == nullptr || !node->running) {
        return fail(ErrorCode::kUnavailable, id.pod() + " went away");
      }
      committed = node->committed;
    }
    // Events go out without the lock, as a real stream's would.
    for (; next <= committed; ++next) {
      auto stamp = kFakeBinlogEpoch + static_cast<std::uint32_t>(next);
      deliver(binlog_test::gtid_event(1, 0, static_cast<std::uint64_t>(next), stamp, false));
      deliver(binlog_test::xid_event(1, stamp));
      if (should_stop()) return true;
    }
    if (should_stop()) return true;
    // The heartbeat: wait for a commit or a crash, or ask should_stop again.
    std::unique_lock lock(mutex_);
    binlog_changed_.wait_for(lock, request.heartbeat, [&] {
      const Node* node = find(id);
      return node == nullptr || !node->running || node->committed >= next;
    });
  }
}

// --- Data in.

Result<std::unique_ptr<ByteSink>> FakeNodeAgent::replay_sql(const NodeId& id, const std::string&,
                                                            const std::string& database) {
  std::lock_guard lock(mutex_);
  const Node* node = find(id);
  if (node == nullptr || !node->running) {
    return fail(ErrorCode::kUnavailable, id.pod() + " is not running");
  }
  log("replay_sql " + id.pod() + (database.empty() ? "" : " " + database));
  auto record = std::make_shared<std::pair<std::mutex, SqlReplay>>();
  sql_replays_[key_of(id)] = record;
  return std::unique_ptr<ByteSink>(std::make_unique<SqlReplaySink>(std::move(record)));
}

namespace {

// "ns/name" for a Restore's, "verify:ns/name" for a check's.
std::string named(const ReceivedBackup& received) {
  return std::string(received.purpose == ReceivedBackup::Purpose::kVerify ? "verify:" : "") +
         received.namespace_ + "/" + received.name;
}

}  // namespace

void FakeNodeAgent::fail_next_prepare(const std::string& reason, ErrorCode code) {
  std::lock_guard lock(mutex_);
  failing_prepare_ = Error{reason, {}, code};
}

void FakeNodeAgent::refuse_next_receive(const std::string& reason, ErrorCode code) {
  std::lock_guard lock(mutex_);
  refused_receive_ = Error{reason, {}, code};
}

Result<std::unique_ptr<ByteSink>> FakeNodeAgent::receive_backup(const ReceivedBackup& received) {
  std::lock_guard lock(mutex_);
  if (refused_receive_) {
    const Error refusal = *refused_receive_;
    refused_receive_.reset();
    return tl::unexpected(refusal);
  }
  log("receive_backup " + named(received));
  return std::unique_ptr<ByteSink>(std::make_unique<DiscardSink>());
}

Result<std::unique_ptr<ByteSink>> FakeNodeAgent::receive_incremental(
    const ReceivedBackup& received) {
  std::lock_guard lock(mutex_);
  log("receive_incremental " + named(received));
  return std::unique_ptr<ByteSink>(std::make_unique<DiscardSink>());
}

Result<bool> FakeNodeAgent::apply_received_incremental(const ReceivedBackup& received,
                                                       const std::vector<std::string>& options,
                                                       const std::function<bool()>& should_stop) {
  std::lock_guard lock(mutex_);
  std::string call = "apply_received_incremental " + named(received);
  for (const std::string& option : options) call += " " + option;
  log(call);
  if (should_stop && should_stop()) return fail("mariadb-backup stopped: mdbop is shutting down");
  return true;
}

Result<bool> FakeNodeAgent::prepare_received(const ReceivedBackup& received,
                                             const std::vector<std::string>& options,
                                             const std::function<bool()>& should_stop) {
  std::lock_guard lock(mutex_);
  std::string call = "prepare_received " + named(received);
  for (const std::string& option : options) call += " " + option;
  log(call);
  if (failing_prepare_) {
    const Error failure = *failing_prepare_;
    failing_prepare_.reset();
    return fail(failure.code, "mariadb-backup --prepare exited with 1: " + failure.message);
  }
  if (should_stop && should_stop()) return fail("mariadb-backup stopped: mdbop is shutting down");
  return true;
}

std::vector<std::string> FakeNodeAgent::replayed_binlog_files(
    const ReceivedBackup& received) const {
  std::lock_guard lock(mutex_);
  auto found = replayed_binlog_files_.find(named(received));
  return found == replayed_binlog_files_.end() ? std::vector<std::string>{} : found->second;
}

void FakeNodeAgent::set_replayed_gtid_binlog_pos(const std::string& position) {
  std::lock_guard lock(mutex_);
  replayed_gtid_binlog_pos_ = position;
}

void FakeNodeAgent::set_received_gtid(const std::string& gtid) {
  std::lock_guard lock(mutex_);
  received_gtid_ = gtid;
}

Result<GaleraPosition> FakeNodeAgent::recover_received_position(const ReceivedBackup& received) {
  std::lock_guard lock(mutex_);
  log("recover_received_position " + named(received));
  GaleraPosition position;
  position.gtid = received_gtid_;
  return position;
}

Result<std::string> FakeNodeAgent::replay_binlog_into_received(
    const ReceivedBackup& received,
    const std::function<Result<std::optional<std::string>>()>& next_file,
    const std::function<bool()>& should_stop) {
  std::vector<std::string> files;
  for (;;) {
    if (should_stop && should_stop()) return fail(ErrorCode::kUnavailable, "replay stopped");
    auto file = next_file();
    if (!file) return tl::unexpected(file.error());
    if (!*file) break;
    files.push_back(std::move(**file));
  }
  std::lock_guard lock(mutex_);
  log("replay_binlog_into_received " + named(received) + " " + std::to_string(files.size()));
  auto& replayed = replayed_binlog_files_[named(received)];
  replayed.insert(replayed.end(), files.begin(), files.end());
  return replayed_gtid_binlog_pos_;
}

Result<bool> FakeNodeAgent::install_received(const NodeId& id, const ReceivedBackup& received) {
  std::lock_guard lock(mutex_);
  Node* node = find(id);
  if (node == nullptr) return fail(ErrorCode::kNotFound, not_placed(id));
  log("install_received " + id.pod() + " " + named(received));
  node->data = true;
  node->data_uuid = kZeroUuid;
  ++node->lineage;
  node->committed = -1;
  node->grastate.reset();
  return true;
}

void FakeNodeAgent::discard_received(const ReceivedBackup& received) {
  std::lock_guard lock(mutex_);
  log("discard_received " + named(received));
}

std::string FakeNodeAgent::describe_received(const ReceivedBackup& received) {
  return "fake:received/" + named(received);
}

}  // namespace mdbop
