#include "agent/remote/agent_client.h"

#include <httplib.h>

#include <condition_variable>
#include <deque>
#include <thread>

#include "agent/remote/wire.h"
#include "util/base64.h"
#include "util/json_text.h"

namespace mdbop {

using nlohmann::json;

namespace {

constexpr std::size_t kIdleConnections = 4;
// The agent sends a heartbeat every second while a call runs: this much silence is a lost agent.
constexpr auto kSilence = std::chrono::seconds(30);
// A stream in holds at most this much between the writer and the connection.
constexpr std::size_t kUploadQueue = 4u << 20;
// A stream in given whole is sent in frames of at most this much.
constexpr std::size_t kUploadPiece = 1u << 20;

template <class T>
Result<T> decoded(Result<json> value) {
  if (!value) return tl::unexpected(value.error());
  return decode_wire<T>(*value);
}

// A SQL session held open by the agent, statement by statement.
class RemoteSqlSession : public SqlSession {
 public:
  RemoteSqlSession(std::shared_ptr<AgentClient> agent, std::string session)
      : agent_(std::move(agent)), session_(std::move(session)) {}
  ~RemoteSqlSession() override { (void)agent_->call("sql_close", {{"session", session_}}); }

  Result<SqlRows> query(const std::string& sql) override {
    if (broken_) return tl::unexpected(*broken_);
    return decoded<SqlRows>(agent_->call("sql_query", {{"session", session_}, {"text", sql}}));
  }
  Result<bool> execute(const std::string& sql) override {
    if (broken_) return tl::unexpected(*broken_);
    return decoded<bool>(agent_->call("sql_execute", {{"session", session_}, {"text", sql}}));
  }
  Result<std::map<std::string, std::string>> status(const std::string& pattern) override {
    if (broken_) return tl::unexpected(*broken_);
    return decoded<std::map<std::string, std::string>>(
        agent_->call("sql_status", {{"session", session_}, {"text", pattern}}));
  }
  // Quoting needs the session's character set, so the agent quotes. When it cannot, the
  // session breaks: nothing built from the placeholder returned here may ever run (an
  // `IDENTIFIED BY ''` would leave an account without a password).
  std::string quote(const std::string& value) override {
    if (broken_) return "''";
    auto quoted =
        decoded<std::string>(agent_->call("sql_quote", {{"session", session_}, {"text", value}}));
    if (quoted) return *quoted;
    broken_ = Error{"a value could not be quoted for SQL (" + quoted.error().message +
                        "); the session was given up",
                    {},
                    ErrorCode::kUnavailable};
    return "''";
  }

 private:
  std::shared_ptr<AgentClient> agent_;
  std::string session_;
  std::optional<Error> broken_;  // set by a failed quote(): every later statement fails
};

// A stream in: write() queues frames that a thread sends as the call's body.
class UploadSink : public ByteSink {
 public:
  UploadSink(std::shared_ptr<AgentClient> agent, std::string name, json params) {
    sender_ = std::thread([this, agent, name = std::move(name), params = std::move(params)] {
      auto result = agent->call(name, params, {}, {}, [this] { return next_frames(); });
      std::lock_guard lock(mutex_);
      result_ = result ? Result<void>() : Result<void>(tl::unexpected(result.error()));
      sent_ = true;
      changed_.notify_all();
    });
  }
  ~UploadSink() override {
    {
      std::lock_guard lock(mutex_);
      abandoned_ = true;  // unfinished: the body is cut, the agent discards the stream
      changed_.notify_all();
    }
    if (sender_.joinable()) sender_.join();
  }

  Result<void> write(std::string_view bytes) override {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [&] { return sent_ || held_ < kUploadQueue; });
    if (sent_) return failed_early();
    queue_.push_back(encode_frame(FrameKind::kData, bytes));
    held_ += queue_.back().size();
    changed_.notify_all();
    return {};
  }
  Result<void> finish() override {
    {
      std::lock_guard lock(mutex_);
      if (sent_) return failed_early();
      queue_.push_back(encode_frame(FrameKind::kEnd, {}));
      ending_ = true;
      changed_.notify_all();
    }
    sender_.join();
    return result_;
  }

 private:
  Result<void> failed_early() {
    if (!result_) return result_;
    return fail(ErrorCode::kUnavailable, "the agent ended the stream before its end");
  }
  // The next frames to send; empty when there are none (the end sent, or abandoned).
  std::string next_frames() {
    std::unique_lock lock(mutex_);
    changed_.wait(lock,
                  [&] { return abandoned_ || !queue_.empty() || (ending_ && queue_.empty()); });
    if (abandoned_ || queue_.empty()) return {};
    std::string frames = std::move(queue_.front());
    queue_.pop_front();
    held_ -= frames.size();
    changed_.notify_all();
    return frames;
  }

  std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<std::string> queue_;
  std::size_t held_ = 0;
  bool ending_ = false;
  bool abandoned_ = false;
  bool sent_ = false;
  Result<void> result_;
  std::thread sender_;
};

}  // namespace

AgentClient::AgentClient(NodeId node, AgentEndpoint endpoint, TlsFiles tls)
    : node_(std::move(node)), endpoint_(std::move(endpoint)), tls_(std::move(tls)) {}

AgentClient::~AgentClient() = default;

std::pair<std::unique_ptr<httplib::SSLClient>, bool> AgentClient::take_connection() {
  {
    std::lock_guard lock(idle_mutex_);
    if (!idle_.empty()) {
      auto connection = std::move(idle_.back());
      idle_.pop_back();
      return {std::move(connection), true};
    }
  }
  return {new_connection(), false};
}

std::unique_ptr<httplib::SSLClient> AgentClient::new_connection() {
  auto connection = std::make_unique<httplib::SSLClient>(endpoint_.host, endpoint_.port,
                                                         tls_.certificate, tls_.key);
  connection->set_ca_cert_path(tls_.authority.c_str());
  connection->enable_server_certificate_verification(true);
  connection->set_connection_timeout(std::chrono::seconds(5));
  connection->set_read_timeout(kSilence);
  connection->set_write_timeout(std::chrono::minutes(5));
  connection->set_keep_alive(true);
  connection->set_tcp_nodelay(true);
  return connection;
}

void AgentClient::give_back(std::unique_ptr<httplib::SSLClient> connection) {
  std::lock_guard lock(idle_mutex_);
  if (idle_.size() < kIdleConnections) idle_.push_back(std::move(connection));
}

json AgentClient::with_node(json params) const {
  params["node"] = node_;
  return params;
}

Result<json> AgentClient::call(const std::string& name, json params,
                               const std::function<Result<void>(const Frame&)>& on_frame,
                               const std::function<bool()>& should_stop,
                               const std::function<std::string()>& upload) {
  const std::string where = "the agent of " + node_.qualified_pod() + " (" + endpoint_.host + ":" +
                            std::to_string(endpoint_.port) + ")";
  httplib::Request request;
  request.method = "POST";
  request.path = "/v1/" + name;
  std::string parameters = encode_frame(FrameKind::kParameters, json_text(params));
  if (upload) {
    request.set_header("Transfer-Encoding", "chunked");
    request.is_chunked_content_provider_ = true;
    request.content_provider_ = [&, first = true](std::size_t, std::size_t,
                                                  httplib::DataSink& sink) mutable {
      if (first) {
        first = false;
        return sink.write(parameters.data(), parameters.size());
      }
      const std::string frames = upload();
      if (frames.empty()) {
        sink.done();
        return true;
      }
      return sink.write(frames.data(), frames.size());
    };
  } else {
    request.body = std::move(parameters);
    request.set_header("Content-Type", "application/x-mdbop-agent-frames");
  }
  FrameReader frames;
  std::optional<Result<json>> result;
  std::optional<Error> cut;   // why the response was not read to its end
  bool stopped = false;       // the caller's should_stop said so
  bool received_any = false;  // a byte of the response came
  request.content_receiver = [&](const char* data, std::size_t length, std::uint64_t,
                                 std::uint64_t) {
    received_any = true;
    frames.feed(std::string_view(data, length));
    for (;;) {
      auto frame = frames.next();
      if (!frame) {
        cut = frame.error();
        return false;
      }
      if (!*frame) return true;
      const Frame& got = **frame;
      if (got.kind == FrameKind::kResult) {
        auto body = parse_wire(got.payload);
        if (!body || !body->is_object()) {
          cut = Error{where + " answered with a malformed result", {}, ErrorCode::kUnavailable};
          return false;
        }
        if (body->contains("error")) {
          result = tl::unexpected(error_from_json(body->at("error")));
        } else {
          result = body->value("value", json());
        }
        continue;
      }
      if (got.kind == FrameKind::kData || got.kind == FrameKind::kEvent) {
        if (!on_frame) {
          cut = Error{where + " sent a stream that was not asked for", {}, ErrorCode::kUnavailable};
          return false;
        }
        if (auto taken = on_frame(got); !taken) {
          cut = taken.error();
          return false;
        }
      }
      if (should_stop && should_stop()) {
        stopped = true;
        return false;
      }
    }
  };
  // A stream in cannot be sent twice: never on a kept connection, which the agent may have
  // closed while it sat idle past the agent's keep-alive (as while another node's data streamed).
  auto [connection, kept] = upload ? std::pair{new_connection(), false} : take_connection();
  httplib::Response response;
  httplib::Error error = httplib::Error::Success;
  bool sent = connection->send(request, response, error);
  // A kept connection the agent has closed meanwhile (idle, or the agent restarted) fails
  // with nothing answered: the agent never had the call. Once more on a new connection.
  if (!sent && kept && !received_any &&
      (error == httplib::Error::Write || error == httplib::Error::Read ||
       error == httplib::Error::Connection)) {
    connection = new_connection();
    response = httplib::Response();
    sent = connection->send(request, response, error);
  }
  if (stopped) return json(true);  // the caller asked: nothing failed
  if (cut) return tl::unexpected(*cut);
  if (result && !sent) return *std::move(result);  // answered, then the connection broke
  if (!sent) {
    return fail(ErrorCode::kUnavailable,
                where + " cannot be reached: " + httplib::to_string(error));
  }
  if (response.status != 200) {
    return fail(ErrorCode::kUnavailable, where + " refused the call " + name + " (HTTP " +
                                             std::to_string(response.status) + ")");
  }
  if (!result)
    return fail(ErrorCode::kUnavailable, where + " ended the call " + name + " without a result");
  give_back(std::move(connection));
  return *std::move(result);
}

Result<NodeAddress> AgentClient::place() {
  return decoded<NodeAddress>(call("place", with_node({})));
}

Result<NodeSnapshot> AgentClient::observe(const std::string& root_password) {
  return decoded<NodeSnapshot>(call("observe", with_node({{"rootPassword", root_password}})));
}

Result<NodeProcess> AgentClient::process() {
  return decoded<NodeProcess>(call("process", with_node({})));
}

Result<std::string> AgentClient::startup_failure() {
  return decoded<std::string>(call("startup_failure", with_node({})));
}

Result<std::string> AgentClient::read_error_log(std::uint64_t from) {
  auto text = decoded<std::string>(call("read_error_log", with_node({{"from", from}})));
  if (!text) return text;
  return base64_decode(*text);
}

Result<std::unique_ptr<SqlSession>> AgentClient::open_sql(const std::string& root_password,
                                                          std::chrono::seconds timeout) {
  auto session = decoded<std::string>(
      call("sql_open",
           with_node({{"rootPassword", root_password}, {"timeoutSeconds", timeout.count()}})));
  if (!session) return tl::unexpected(session.error());
  return std::make_unique<RemoteSqlSession>(shared_from_this(), *session);
}

Result<bool> AgentClient::configure(const ClusterConfig& config) {
  return decoded<bool>(call("configure", with_node({{"config", config}})));
}

Result<NodeAgent::Started> AgentClient::start(StartMode mode, NodeAccess access,
                                              const std::string& sst_donor) {
  auto started = call("start", with_node({{"mode", start_mode_name(mode)},
                                          {"access", node_access_name(access)},
                                          {"sstDonor", sst_donor}}));
  if (!started) return tl::unexpected(started.error());
  auto instance = decode_wire<std::string>(started->value("instance", json()));
  auto moved = decode_wire<bool>(started->value("portsMoved", json()));
  if (!instance) return tl::unexpected(instance.error());
  if (!moved) return tl::unexpected(moved.error());
  return NodeAgent::Started{*instance, *moved};
}

Result<bool> AgentClient::stop(std::chrono::seconds grace) {
  return decoded<bool>(call("stop", with_node({{"graceSeconds", grace.count()}})));
}

Result<bool> AgentClient::run_exporter(const ExporterCredentials& credentials) {
  return decoded<bool>(call(
      "run_exporter", with_node({{"user", credentials.user}, {"password", credentials.password}})));
}

Result<bool> AgentClient::stop_exporter() {
  return decoded<bool>(call("stop_exporter", with_node({})));
}

Result<GaleraPosition> AgentClient::recover_position() {
  return decoded<GaleraPosition>(call("recover_position", with_node({})));
}

Result<bool> AgentClient::write_grastate(const GraState& state) {
  return decoded<bool>(call("write_grastate", with_node({{"state", state}})));
}

Result<bool> AgentClient::initialize_data() {
  return decoded<bool>(call("initialize_data", with_node({})));
}

Result<bool> AgentClient::copy_data_from(const NodeId& from) {
  return decoded<bool>(call("copy_data", with_node({{"from", from}})));
}

Result<bool> AgentClient::wipe_data() { return decoded<bool>(call("wipe_data", with_node({}))); }

Result<bool> AgentClient::send_data(ByteSink& out) {
  return decoded<bool>(call("send_data", with_node({}), [&](const Frame& frame) -> Result<void> {
    if (frame.kind != FrameKind::kData) return fail(ErrorCode::kUnavailable, "unexpected event");
    return out.write(frame.payload);
  }));
}

Result<std::unique_ptr<ByteSink>> AgentClient::take_data() {
  return std::make_unique<UploadSink>(shared_from_this(), "take_data", with_node({}));
}

Result<bool> AgentClient::set_aside_data(const std::string& tag) {
  return decoded<bool>(call("set_aside_data", with_node({{"tag", tag}})));
}

Result<bool> AgentClient::return_aside_data(const std::string& tag) {
  return decoded<bool>(call("return_aside_data", with_node({{"tag", tag}})));
}

Result<bool> AgentClient::discard_aside_data(const std::string& tag) {
  return decoded<bool>(call("discard_aside_data", with_node({{"tag", tag}})));
}

Result<std::string> AgentClient::describe_aside(const std::string& tag) {
  return decoded<std::string>(call("describe_aside", with_node({{"tag", tag}})));
}

Result<BackupSourceFacts> AgentClient::stream_backup(const BackupStreamRequest& request,
                                                     ByteSink& out,
                                                     const std::function<bool()>& should_stop) {
  bool stopped = false;
  auto facts = call(
      "stream_backup", with_node({{"request", request}}),
      [&](const Frame& frame) -> Result<void> {
        if (frame.kind != FrameKind::kData)
          return fail(ErrorCode::kUnavailable, "unexpected event");
        return out.write(frame.payload);
      },
      [&] { return stopped = should_stop(); });
  if (stopped) return fail(ErrorCode::kUnavailable, "the backup stream was abandoned");
  return decoded<BackupSourceFacts>(std::move(facts));
}

Result<std::string> AgentClient::data_lineage() {
  return decoded<std::string>(call("data_lineage", with_node({})));
}

Result<bool> AgentClient::follow_binlog(const std::string& root_password,
                                        const BinlogFollowRequest& request,
                                        const std::function<void(const BinlogEvent&)>& on_event,
                                        const std::function<bool()>& should_stop) {
  return decoded<bool>(call(
      "follow_binlog", with_node({{"rootPassword", root_password}, {"request", request}}),
      [&](const Frame& frame) -> Result<void> {
        if (frame.kind != FrameKind::kEvent || frame.payload.empty()) {
          return fail(ErrorCode::kUnavailable, "the agent sent a malformed binary-log event");
        }
        auto event = parse_binlog_event(frame.payload.substr(1));
        if (!event) return fail(ErrorCode::kUnavailable, event.error().message);
        event->ends_transaction = frame.payload[0] != '\0';
        on_event(*event);
        return {};
      },
      should_stop));
}

Result<std::unique_ptr<ByteSink>> AgentClient::replay_sql(const std::string& root_password,
                                                          const std::string& database) {
  return std::make_unique<UploadSink>(
      shared_from_this(), "replay_sql",
      with_node({{"rootPassword", root_password}, {"database", database}}));
}

Result<std::unique_ptr<ByteSink>> AgentClient::receive_backup(const ReceivedBackup& received) {
  return std::make_unique<UploadSink>(shared_from_this(), "receive_backup",
                                      with_node({{"received", received}}));
}

Result<std::unique_ptr<ByteSink>> AgentClient::receive_incremental(const ReceivedBackup& received) {
  return std::make_unique<UploadSink>(shared_from_this(), "receive_incremental",
                                      with_node({{"received", received}}));
}

Result<bool> AgentClient::prepare_received(const ReceivedBackup& received,
                                           const std::vector<std::string>& options,
                                           const std::function<bool()>& should_stop) {
  return work_on_received("prepare_received", received, options, should_stop);
}

Result<bool> AgentClient::apply_received_incremental(const ReceivedBackup& received,
                                                     const std::vector<std::string>& options,
                                                     const std::function<bool()>& should_stop) {
  return work_on_received("apply_received_incremental", received, options, should_stop);
}

Result<bool> AgentClient::work_on_received(const std::string& name, const ReceivedBackup& received,
                                           const std::vector<std::string>& options,
                                           const std::function<bool()>& should_stop) {
  // Cutting the call kills the agent's work on it: stopped is failed, never done.
  bool stopped = false;
  auto worked = call(name, with_node({{"received", received}, {"options", options}}), {},
                     [&] { return stopped = should_stop(); });
  if (stopped) return fail(ErrorCode::kUnavailable, name + " was stopped");
  return decoded<bool>(std::move(worked));
}

Result<GaleraPosition> AgentClient::recover_received_position(const ReceivedBackup& received) {
  return decoded<GaleraPosition>(
      call("recover_received_position", with_node({{"received", received}})));
}

Result<std::string> AgentClient::replay_binlog_into_received(
    const ReceivedBackup& received,
    const std::function<Result<std::optional<std::string>>()>& next_file,
    const std::function<bool()>& should_stop) {
  std::size_t files = 0;
  std::string_view piece;
  for (;; ++files) {
    if (should_stop()) return fail(ErrorCode::kUnavailable, "the replay was stopped");
    auto file = next_file();
    if (!file) return tl::unexpected(file.error());
    if (!*file) break;
    UploadSink upload(shared_from_this(), "receive_binlog_file",
                      with_node({{"received", received}, {"index", files}}));
    for (std::string_view rest = **file; !rest.empty(); rest.remove_prefix(piece.size())) {
      piece = rest.substr(0, kUploadPiece);
      if (auto written = upload.write(piece); !written) return tl::unexpected(written.error());
    }
    if (auto sent = upload.finish(); !sent) return tl::unexpected(sent.error());
  }
  bool stopped = false;
  auto position =
      call("replay_binlog_into_received", with_node({{"received", received}, {"files", files}}), {},
           [&] { return stopped = should_stop(); });
  if (stopped) return fail(ErrorCode::kUnavailable, "the replay was stopped");
  return decoded<std::string>(std::move(position));
}

Result<bool> AgentClient::install_received(const ReceivedBackup& received) {
  return decoded<bool>(call("install_received", with_node({{"received", received}})));
}

Result<bool> AgentClient::discard_received(const ReceivedBackup& received) {
  return decoded<bool>(call("discard_received", with_node({{"received", received}})));
}

Result<std::string> AgentClient::describe_received(const ReceivedBackup& received) {
  return decoded<std::string>(call("describe_received", with_node({{"received", received}})));
}

Result<AgentClient::Exits> AgentClient::wait_for_exits(const std::string& agent_instance,
                                                       std::uint64_t after,
                                                       const std::function<bool()>& should_stop) {
  auto got =
      call("exits", with_node({{"instance", agent_instance}, {"after", after}}), {}, should_stop);
  if (should_stop()) return Exits{agent_instance, after, {}};
  if (!got) return tl::unexpected(got.error());
  try {
    Exits exits;
    got->at("agentInstance").get_to(exits.agent_instance);
    got->at("last").get_to(exits.last);
    for (const json& exit : got->at("exits")) {
      exits.exits.push_back(
          {node_, exit.at("instance").get<std::string>(), exit.at("requested").get<bool>()});
    }
    return exits;
  } catch (const json::exception& e) {
    return fail(ErrorCode::kUnavailable,
                std::string("the agent's exits are malformed: ") + e.what());
  }
}

}  // namespace mdbop
