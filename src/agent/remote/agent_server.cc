#include "agent/remote/agent_server.h"

#include <httplib.h>
#include <spdlog/spdlog.h>

#include <future>
#include <thread>

#include "agent/remote/frames.h"
#include "agent/remote/wire.h"
#include "util/base64.h"
#include "util/json_text.h"
#include "util/random_password.h"

namespace mdbop {

using nlohmann::json;

namespace {

constexpr auto kHeartbeat = std::chrono::seconds(1);
// A call's parameters are small; only a stream in is large, and it is not held.
constexpr std::size_t kMaxParameters = 16u << 20;
constexpr std::size_t kMaxSessions = 64;
constexpr auto kSessionIdle = std::chrono::minutes(10);
constexpr std::size_t kExitsKept = 256;
constexpr auto kExitsWait = std::chrono::seconds(20);
// A stream's bytes go out in frames of at most this much.
constexpr std::size_t kDataFrame = 1u << 20;

json value_of(json value) { return json{{"value", std::move(value)}}; }

template <class T>
Result<json> as_value(Result<T> result) {
  if (!result) return tl::unexpected(result.error());
  return json(*std::move(result));
}

Result<json> done(Result<bool> result) { return as_value(std::move(result)); }

// A parameter missing or of the wrong type, found while a call or an upload reads it.
Error malformed(const json::exception& e) {
  return Error{std::string("the agent protocol's message is malformed: ") + e.what(),
               {},
               ErrorCode::kInvalid};
}

}  // namespace

// Where a call's frames go out: heartbeats from the waiting thread, data and events from the
// working one, so writes are serialised. Once the client is gone every send fails.
class FrameEmitter {
 public:
  explicit FrameEmitter(httplib::DataSink& sink) : sink_(sink) {}
  bool send(FrameKind kind, std::string_view payload) {
    std::lock_guard lock(mutex_);
    if (gone_) return false;
    const std::string frame = encode_frame(kind, payload);
    if (!sink_.is_writable() || !sink_.write(frame.data(), frame.size())) gone_ = true;
    return !gone_;
  }
  bool gone() {
    std::lock_guard lock(mutex_);
    return gone_;
  }

 private:
  httplib::DataSink& sink_;
  std::mutex mutex_;
  bool gone_ = false;
};

namespace {

// A backup's bytes out as data frames.
class FrameDataSink : public ByteSink {
 public:
  explicit FrameDataSink(FrameEmitter& out) : out_(out) {}
  Result<void> write(std::string_view bytes) override {
    while (!bytes.empty()) {
      const std::string_view piece = bytes.substr(0, kDataFrame);
      if (!out_.send(FrameKind::kData, piece)) {
        return fail(ErrorCode::kUnavailable, "the operator that asked for the stream went away");
      }
      bytes.remove_prefix(piece.size());
    }
    return {};
  }
  Result<void> finish() override { return {}; }

 private:
  FrameEmitter& out_;
};

}  // namespace

// What the handler read of a request, for the response's provider.
struct AgentServer::Call {
  std::string name;
  json params;
  std::unique_ptr<ByteSink> upload;  // a stream in, open
  bool upload_ended = false;         // its end frame came
  std::optional<Error> refused;      // before any work
};

AgentServer::AgentServer(NodeAgent& agent, NodeId node, const TlsFiles& tls,
                         std::filesystem::path scratch)
    : agent_(agent), node_(std::move(node)), spool_(std::move(scratch) / "binlog-spool") {
  server_ = std::make_unique<httplib::SSLServer>(tls.certificate.c_str(), tls.key.c_str(),
                                                 tls.authority.c_str());
  instance_ = random_password(16).value_or("agent");
  agent_.watch_exits([this](const NodeExit& exit) {
    std::lock_guard lock(exits_mutex_);
    exits_.push_back({next_exit_++, exit});
    while (exits_.size() > kExitsKept) exits_.pop_front();
    exits_changed_.notify_all();
  });
  // A stream of files cut by an agent that died: no replay of this run needs them.
  spool_.discard_all();
  add_calls();
  add_sql_calls();
  add_received_calls();

  // Streams (a followed binary log) hold a thread each for as long as they run.
  server_->new_task_queue = [] { return new httplib::ThreadPool(64); };
  // Also how long a connection may sit in the TLS handshake holding a worker: short, or any
  // local user could hold every worker with idle connections. A stream in may pause this long
  // while its own source is slow.
  server_->set_read_timeout(std::chrono::seconds(60));
  server_->set_write_timeout(std::chrono::minutes(5));
  // The operator keeps a few connections open and calls every second or so.
  server_->set_keep_alive_max_count(1000);
  // An idle connection holds stop() back this long.
  server_->set_keep_alive_timeout(5);
  // Small calls answer at once rather than after a delayed acknowledgement (about 90 ms).
  server_->set_tcp_nodelay(true);
  server_->Post(
      R"(/v1/([a-z_]+))", [this](const httplib::Request& request, httplib::Response& response,
                                 const httplib::ContentReader& read_body) {
        auto call = std::make_shared<Call>();
        call->name = request.matches[1];
        if (calls_.count(call->name) == 0 && uploads_.count(call->name) == 0) {
          call->refused =
              Error{"this agent has no call \"" + call->name + "\"", {}, ErrorCode::kInvalid};
        }
        read_call(*call, read_body);
        response.set_chunked_content_provider(
            "application/x-mdbop-agent-frames",
            [this, call](std::size_t /*offset*/, httplib::DataSink& sink) {
              respond(*call, sink);
              sink.done();
              return true;
            });
      });
}

void AgentServer::read_call(Call& call, const httplib::ContentReader& read_body) {
  FrameReader frames;
  std::size_t held = 0;
  bool have_parameters = false;
  read_body([&](const char* data, std::size_t length) {
    if (call.refused) return true;  // read and drop the rest
    frames.feed(std::string_view(data, length));
    held += length;
    for (;;) {
      auto frame = frames.next();
      if (!frame) {
        call.refused = frame.error();
        return true;
      }
      if (!*frame) break;
      if (!have_parameters) {
        auto params =
            (*frame)->kind == FrameKind::kParameters
                ? parse_wire((*frame)->payload)
                : Result<json>(fail(ErrorCode::kInvalid, "a call begins with its parameters"));
        if (!params) {
          call.refused = params.error();
          return true;
        }
        if (!params->is_object()) {
          call.refused = Error{"a call's parameters are a JSON object", {}, ErrorCode::kInvalid};
          return true;
        }
        call.params = std::move(*params);
        have_parameters = true;
        held = 0;
        if (auto upload = uploads_.find(call.name); upload != uploads_.end()) {
          Result<std::unique_ptr<ByteSink>> sink = fail("no upload");
          try {
            sink = upload->second(call.params);
          } catch (const json::exception& e) {
            sink = tl::unexpected(malformed(e));
          }
          if (!sink) {
            call.refused = sink.error();
            return true;
          }
          call.upload = std::move(*sink);
        }
        continue;
      }
      if (!call.upload || call.upload_ended) {
        call.refused =
            Error{"unexpected frames after the call's parameters", {}, ErrorCode::kInvalid};
        return true;
      }
      if ((*frame)->kind == FrameKind::kEnd) {
        call.upload_ended = true;
      } else if ((*frame)->kind == FrameKind::kData) {
        if (auto written = call.upload->write((*frame)->payload); !written) {
          call.refused = written.error();
          call.upload.reset();
        }
      }
      held = 0;
    }
    // Only a stream in may be long, and only its current frame is held.
    if (!call.upload && held > kMaxParameters) {
      call.refused = Error{"the call's parameters are too large", {}, ErrorCode::kInvalid};
    }
    return true;
  });
  if (!call.refused && !have_parameters) {
    call.refused = Error{"the call came without parameters", {}, ErrorCode::kInvalid};
  }
}

void AgentServer::respond(Call& call, httplib::DataSink& sink) {
  FrameEmitter out(sink);
  Result<json> result = fail("no result");
  if (call.refused) {
    result = tl::unexpected(*call.refused);
  } else {
    auto work = std::async(std::launch::async, [&]() -> Result<json> {
      if (call.upload) {
        auto finished = call.upload_ended
                            ? done(call.upload->finish().map([] { return true; }))
                            : Result<json>(fail(ErrorCode::kUnavailable,
                                                "the stream in was cut before its end"));
        call.upload.reset();
        return finished;
      }
      // Whatever a call throws fails that call, never the agent.
      try {
        return calls_.at(call.name)(call.params, out);
      } catch (const json::exception& e) {
        return tl::unexpected(malformed(e));
      } catch (const std::exception& e) {
        return fail(std::string("the agent failed: ") + e.what());
      } catch (...) {
        return fail("the agent failed with an unknown exception");
      }
    });
    while (work.wait_for(kHeartbeat) != std::future_status::ready) {
      out.send(FrameKind::kHeartbeat, {});
    }
    result = work.get();
  }
  out.send(FrameKind::kResult,
           json_text(result ? value_of(*result) : json{{"error", error_to_json(result.error())}}));
}

AgentServer::~AgentServer() {
  stop();
  agent_.watch_exits(nullptr);
}

Result<int> AgentServer::bind(const std::string& host, int port) {
  if (!server_->is_valid()) {
    return fail("the agent's TLS certificate, key or certificate authority cannot be read");
  }
  const int bound =
      port == 0 ? server_->bind_to_any_port(host) : (server_->bind_to_port(host, port) ? port : -1);
  if (bound < 0)
    return fail(ErrorCode::kUnavailable, "cannot listen on " + host + ":" + std::to_string(port));
  return bound;
}

void AgentServer::serve() {
  serving_ = true;
  if (!stopping_) server_->listen_after_bind();
  served_ = true;
}

void AgentServer::stop() {
  stopping_ = true;
  exits_changed_.notify_all();
  // httplib's stop() does nothing until its loop runs: repeated until a serve() that has begun
  // returns (one that has not will see stopping_ and not start).
  while (serving_ && !served_) {
    server_->stop();
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

std::optional<std::string> AgentServer::last_root_password() const {
  std::lock_guard lock(password_mutex_);
  return last_root_password_;
}

Result<void> AgentServer::check_node(const json& params, const char* key) const {
  auto id = decode_wire<NodeId>(params.contains(key) ? params.at(key) : json());
  if (!id) return tl::unexpected(id.error());
  if (id->namespace_ != node_.namespace_ || id->mariadb != node_.mariadb ||
      id->index != node_.index) {
    return fail(ErrorCode::kInvalid,
                "this agent serves node " + node_.qualified_pod() + ", not " + id->qualified_pod());
  }
  return {};
}

void AgentServer::add_calls() {
  // A call on this node with the parameters decoded by `decode`.
  const auto on_node = [this](std::string name, auto body) {
    calls_[std::move(name)] = [this, body](const json& params, FrameEmitter& out) -> Result<json> {
      if (auto mine = check_node(params); !mine) return tl::unexpected(mine.error());
      return body(params, out);
    };
  };
  // A call that changes the node: one at a time, so that a call left running by an operator
  // that was killed finishes before the next operator's (a copy into the data it wipes).
  const auto changing = [this, on_node](std::string name, auto body) {
    on_node(std::move(name), [this, body](const json& p, FrameEmitter& out) {
      std::lock_guard lock(changing_);
      return body(p, out);
    });
  };
  on_node("place", [this](const json&, FrameEmitter&) {
    return as_value(agent_.place(node_, json::object()));
  });
  on_node("observe", [this](const json& p, FrameEmitter&) -> Result<json> {
    std::string password = p.at("rootPassword").get<std::string>();
    {
      std::lock_guard lock(password_mutex_);
      last_root_password_ = password;
    }
    return json(agent_.observe(node_, password));
  });
  on_node("process", [this](const json&, FrameEmitter&) -> Result<json> {
    return json(agent_.process(node_));
  });
  on_node("startup_failure", [this](const json&, FrameEmitter&) -> Result<json> {
    return json(agent_.startup_failure(node_));
  });
  on_node("read_error_log", [this](const json& p, FrameEmitter&) -> Result<json> {
    auto text = agent_.read_error_log(node_, p.at("from").get<std::uint64_t>());
    if (!text) return tl::unexpected(text.error());
    return json(base64_encode(*text));  // the log's bytes exactly, UTF-8 or not
  });
  changing("configure", [this](const json& p, FrameEmitter&) -> Result<json> {
    auto config = decode_wire<ClusterConfig>(p.at("config"));
    if (!config) return tl::unexpected(config.error());
    return done(agent_.configure(node_, *config));
  });
  changing("start", [this](const json& p, FrameEmitter&) -> Result<json> {
    auto mode = start_mode_named(p.at("mode").get<std::string>());
    if (!mode) return tl::unexpected(mode.error());
    auto access = node_access_named(p.at("access").get<std::string>());
    if (!access) return tl::unexpected(access.error());
    auto started = agent_.start(node_, *mode, *access, p.at("sstDonor").get<std::string>());
    if (!started) return tl::unexpected(started.error());
    return json{{"instance", started->instance}, {"portsMoved", started->ports_moved}};
  });
  changing("stop", [this](const json& p, FrameEmitter&) {
    return done(agent_.stop(node_, std::chrono::seconds(p.at("graceSeconds").get<std::int64_t>())));
  });
  changing("run_exporter", [this](const json& p, FrameEmitter&) {
    return done(agent_.run_exporter(
        node_, {p.at("user").get<std::string>(), p.at("password").get<std::string>()}));
  });
  changing("stop_exporter",
           [this](const json&, FrameEmitter&) { return done(agent_.stop_exporter(node_)); });
  changing("recover_position",
           [this](const json&, FrameEmitter&) { return as_value(agent_.recover_position(node_)); });
  changing("write_grastate", [this](const json& p, FrameEmitter&) -> Result<json> {
    auto state = decode_wire<GraState>(p.at("state"));
    if (!state) return tl::unexpected(state.error());
    return done(agent_.write_grastate(node_, *state));
  });
  changing("initialize_data",
           [this](const json&, FrameEmitter&) { return done(agent_.initialize_data(node_)); });
  changing("copy_data", [this](const json& p, FrameEmitter&) -> Result<json> {
    auto from = decode_wire<NodeId>(p.at("from"));
    if (!from) return tl::unexpected(from.error());
    return done(agent_.copy_data(*from, node_));
  });
  changing("send_data", [this](const json&, FrameEmitter& out) -> Result<json> {
    FrameDataSink sink(out);
    return done(agent_.send_data(node_, sink));
  });
  changing("wipe_data",
           [this](const json&, FrameEmitter&) { return done(agent_.wipe_data(node_)); });
  changing("set_aside_data", [this](const json& p, FrameEmitter&) {
    return done(agent_.set_aside_data(node_, p.at("tag").get<std::string>()));
  });
  changing("return_aside_data", [this](const json& p, FrameEmitter&) {
    return done(agent_.return_aside_data(node_, p.at("tag").get<std::string>()));
  });
  changing("discard_aside_data", [this](const json& p, FrameEmitter&) {
    return done(agent_.discard_aside_data(node_, p.at("tag").get<std::string>()));
  });
  on_node("describe_aside", [this](const json& p, FrameEmitter&) -> Result<json> {
    return json(agent_.describe_aside(node_, p.at("tag").get<std::string>()));
  });
  on_node("data_lineage",
          [this](const json&, FrameEmitter&) { return as_value(agent_.data_lineage(node_)); });
  on_node("stream_backup", [this](const json& p, FrameEmitter& out) -> Result<json> {
    auto request = decode_wire<BackupStreamRequest>(p.at("request"));
    if (!request) return tl::unexpected(request.error());
    FrameDataSink sink(out);
    auto facts =
        agent_.stream_backup(node_, *request, sink, [&] { return out.gone() || stopping_; });
    if (stopping_) return fail(ErrorCode::kUnavailable, "the agent stopped during the stream");
    return as_value(std::move(facts));
  });
  on_node("follow_binlog", [this](const json& p, FrameEmitter& out) -> Result<json> {
    auto request = decode_wire<BinlogFollowRequest>(p.at("request"));
    if (!request) return tl::unexpected(request.error());
    auto followed = agent_.follow_binlog(
        node_, p.at("rootPassword").get<std::string>(), *request,
        [&](const BinlogEvent& event) {
          std::string payload(1, event.ends_transaction ? '\1' : '\0');
          payload += event.raw;
          out.send(FrameKind::kEvent, payload);
        },
        [&] { return out.gone() || stopping_; });
    if (stopping_) return fail(ErrorCode::kUnavailable, "the agent stopped during the stream");
    return done(std::move(followed));
  });
  uploads_["take_data"] = [this](const json& params) -> Result<std::unique_ptr<ByteSink>> {
    if (auto mine = check_node(params); !mine) return tl::unexpected(mine.error());
    return agent_.take_data(node_);
  };
  uploads_["replay_sql"] = [this](const json& params) -> Result<std::unique_ptr<ByteSink>> {
    if (auto mine = check_node(params); !mine) return tl::unexpected(mine.error());
    if (!params.value("rootPassword", json()).is_string() ||
        !params.value("database", json()).is_string()) {
      return fail(ErrorCode::kInvalid, "replay_sql needs rootPassword and database");
    }
    return agent_.replay_sql(node_, params.at("rootPassword").get<std::string>(),
                             params.at("database").get<std::string>());
  };
  calls_["exits"] = [this](const json& params, FrameEmitter& out) -> Result<json> {
    if (auto mine = check_node(params); !mine) return tl::unexpected(mine.error());
    return wait_for_exits(params, out);
  };
}

Result<ReceivedBackup> AgentServer::received_here(const json& params) const {
  const json received = params.value("received", json());
  if (!received.is_object()) return fail(ErrorCode::kInvalid, "the call names no received backup");
  if (auto mine = check_node(received); !mine) return tl::unexpected(mine.error());
  return decode_wire<ReceivedBackup>(received);
}

void AgentServer::add_received_calls() {
  // A call on a backup received here, with it decoded; `changes_node` when it changes the node's
  // own data (its other calls only the receiving area's, so they never wait for the node's).
  const auto on_received = [this](std::string name, bool changes_node, auto body) {
    calls_[std::move(name)] = [this, changes_node, body](const json& params,
                                                         FrameEmitter& out) -> Result<json> {
      auto received = received_here(params);
      if (!received) return tl::unexpected(received.error());
      std::unique_lock lock(changing_, std::defer_lock);
      if (changes_node) lock.lock();
      return body(*received, params, out);
    };
  };
  const auto should_stop = [this](FrameEmitter& out) {
    return [this, &out] { return out.gone() || stopping_; };
  };
  on_received("prepare_received", false,
              [this, should_stop](const ReceivedBackup& r, const json& p, FrameEmitter& out) {
                return done(agent_.prepare_received(
                    r, p.at("options").get<std::vector<std::string>>(), should_stop(out)));
              });
  on_received("apply_received_incremental", false,
              [this, should_stop](const ReceivedBackup& r, const json& p, FrameEmitter& out) {
                return done(agent_.apply_received_incremental(
                    r, p.at("options").get<std::vector<std::string>>(), should_stop(out)));
              });
  on_received("recover_received_position", false,
              [this](const ReceivedBackup& r, const json&, FrameEmitter&) {
                return as_value(agent_.recover_received_position(r));
              });
  on_received("replay_binlog_into_received", false,
              [this, should_stop](const ReceivedBackup& r, const json& p, FrameEmitter& out) {
                auto replayed = agent_.replay_binlog_into_received(
                    r, spool_.files(r, p.at("files").get<std::size_t>()), should_stop(out));
                spool_.discard(r);
                return as_value(std::move(replayed));
              });
  on_received("install_received", true,
              [this](const ReceivedBackup& r, const json&, FrameEmitter&) {
                return done(agent_.install_received(node_, r));
              });
  on_received("discard_received", false,
              [this](const ReceivedBackup& r, const json&, FrameEmitter&) -> Result<json> {
                agent_.discard_received(r);
                spool_.discard(r);
                return json(true);
              });
  on_received("describe_received", false,
              [this](const ReceivedBackup& r, const json&, FrameEmitter&) -> Result<json> {
                return json(agent_.describe_received(r));
              });

  const auto upload = [this](std::string name, auto open) {
    uploads_[std::move(name)] = [this,
                                 open](const json& params) -> Result<std::unique_ptr<ByteSink>> {
      auto received = received_here(params);
      if (!received) return tl::unexpected(received.error());
      return open(*received, params);
    };
  };
  upload("receive_backup", [this](const ReceivedBackup& r, const json&) {
    spool_.discard(r);  // a new attempt: nothing of an earlier one's replay is kept
    return agent_.receive_backup(r);
  });
  upload("receive_incremental",
         [this](const ReceivedBackup& r, const json&) { return agent_.receive_incremental(r); });
  upload("receive_binlog_file", [this](const ReceivedBackup& r, const json& p) {
    return spool_.take_file(r, p.at("index").get<std::size_t>());
  });
}

Result<json> AgentServer::wait_for_exits(const json& params, FrameEmitter& out) {
  std::uint64_t after = params.value("after", json(0)).is_number_unsigned()
                            ? params.at("after").get<std::uint64_t>()
                            : 0;
  const json instance = params.value("instance", json(""));
  std::unique_lock lock(exits_mutex_);
  // A client without a cursor (an operator that just started) follows from now: exits it never
  // knew of would be taken for new deaths.
  if (instance == "")
    return json{{"agentInstance", instance_}, {"last", next_exit_ - 1}, {"exits", json::array()}};
  if (instance != instance_) after = 0;  // a new run of the agent: all it saw is new
  const auto deadline = std::chrono::steady_clock::now() + kExitsWait;
  const auto has_news = [&] {
    return stopping_ || (!exits_.empty() && exits_.back().sequence > after);
  };
  while (!has_news() && std::chrono::steady_clock::now() < deadline && !out.gone()) {
    exits_changed_.wait_for(lock, kHeartbeat);
  }
  json exits = json::array();
  std::uint64_t last = after;
  for (const Exit& exit : exits_) {
    if (exit.sequence <= after) continue;
    exits.push_back({{"instance", exit.exit.instance}, {"requested", exit.exit.requested}});
    last = exit.sequence;
  }
  return json{{"agentInstance", instance_}, {"last", last}, {"exits", exits}};
}

Result<std::shared_ptr<AgentServer::Session>> AgentServer::session(const json& params) {
  const json id = params.value("session", json());
  std::lock_guard lock(sessions_mutex_);
  auto found = id.is_string() ? sessions_.find(id.get<std::string>()) : sessions_.end();
  if (found == sessions_.end()) {
    return fail(ErrorCode::kNotFound,
                "the SQL session has ended (the agent restarted or it was idle)");
  }
  found->second->last_used = std::chrono::steady_clock::now();
  return found->second;
}

void AgentServer::add_sql_calls() {
  calls_["sql_open"] = [this](const json& params, FrameEmitter&) -> Result<json> {
    if (auto mine = check_node(params); !mine) return tl::unexpected(mine.error());
    const json password = params.value("rootPassword", json());
    const json timeout = params.value("timeoutSeconds", json());
    if (!password.is_string() || !timeout.is_number_integer()) {
      return fail(ErrorCode::kInvalid, "sql_open needs rootPassword and timeoutSeconds");
    }
    auto opened = agent_.open_sql(node_, password.get<std::string>(),
                                  std::chrono::seconds(timeout.get<std::int64_t>()));
    if (!opened) return tl::unexpected(opened.error());
    auto id = random_password(32);
    if (!id) return tl::unexpected(id.error());
    std::lock_guard lock(sessions_mutex_);
    const auto now = std::chrono::steady_clock::now();
    std::erase_if(sessions_, [&](const auto& entry) {
      return entry.second.use_count() == 1 && now - entry.second->last_used > kSessionIdle;
    });
    if (sessions_.size() >= kMaxSessions) {
      return fail(ErrorCode::kUnavailable, "the agent holds too many SQL sessions");
    }
    auto held = std::make_shared<Session>();
    held->sql = std::move(*opened);
    held->last_used = now;
    sessions_[*id] = std::move(held);
    return json(*id);
  };
  // A statement on an open session, under its lock (a session is one connection).
  const auto on_session = [this](std::string name, auto body) {
    calls_[std::move(name)] = [this, body](const json& params, FrameEmitter&) -> Result<json> {
      auto held = session(params);
      if (!held) return tl::unexpected(held.error());
      const json text = params.value("text", json());
      if (!text.is_string()) return fail(ErrorCode::kInvalid, "the SQL call needs its text");
      std::lock_guard lock((*held)->mutex);
      return body(*(*held)->sql, text.get<std::string>());
    };
  };
  on_session("sql_query",
             [](SqlSession& sql, const std::string& text) { return as_value(sql.query(text)); });
  on_session("sql_execute",
             [](SqlSession& sql, const std::string& text) { return done(sql.execute(text)); });
  on_session("sql_status",
             [](SqlSession& sql, const std::string& text) { return as_value(sql.status(text)); });
  on_session("sql_quote", [](SqlSession& sql, const std::string& text) -> Result<json> {
    return json(sql.quote(text));
  });
  calls_["sql_close"] = [this](const json& params, FrameEmitter&) -> Result<json> {
    const json id = params.value("session", json());
    std::lock_guard lock(sessions_mutex_);
    if (id.is_string()) sessions_.erase(id.get<std::string>());
    return json(true);
  };
}

}  // namespace mdbop
