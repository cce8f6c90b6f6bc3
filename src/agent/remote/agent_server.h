// AgentServer: one node's agent on the network. It serves the node agent interface
// (agent/node_agent.h) of that node only, over HTTPS with mutual TLS: a client must present a
// certificate of the agents' certificate authority (the installation's: its operator's and its
// agents' identities), and every call names the node, which must be this one.
//
// Every call is a POST of /v1/<call> whose body is frames (frames.h): the parameters, then for
// a stream in its data and an end frame. The response is frames too: heartbeats every second
// while the call runs, the data or events of a stream out, then the result ({"value": ...} or
// {"error": ...}). A client that goes away ends a stream it had asked for.
#pragma once

#include <atomic>
#include <condition_variable>
#include <deque>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "agent/node_agent.h"
#include "agent/remote/binlog_spool.h"
#include "util/tls_files.h"

namespace httplib {
class SSLServer;
class DataSink;
class ContentReader;
}  // namespace httplib

namespace mdbop {

class FrameEmitter;

class AgentServer {
 public:
  // `scratch` is the agent's own directory on the node's volume, for what one call brings for a
  // later one (the binary-log files of a replay into a received backup).
  AgentServer(NodeAgent& agent, NodeId node, const TlsFiles& tls, std::filesystem::path scratch);
  ~AgentServer();
  AgentServer(const AgentServer&) = delete;
  AgentServer& operator=(const AgentServer&) = delete;

  // Binds host:port (port 0: any free one); the port bound.
  Result<int> bind(const std::string& host, int port);
  // Serves until stop(). REQUIRES: bound.
  void serve();
  void stop();
  // The root password of the operator's last look at the node (observe), held in memory only:
  // the pod's readiness probe (probe_server.h) reads the node's status with it. nullopt until
  // the operator has looked.
  std::optional<std::string> last_root_password() const;

 private:
  // A call's work: its parameters in, its result out; a stream out writes to `out` meanwhile.
  using Work =
      std::function<Result<nlohmann::json>(const nlohmann::json& params, FrameEmitter& out)>;
  // A stream in: the sink its data frames go to, opened from the parameters.
  using Upload = std::function<Result<std::unique_ptr<ByteSink>>(const nlohmann::json& params)>;
  struct Session {
    std::unique_ptr<SqlSession> sql;
    std::mutex mutex;
    std::chrono::steady_clock::time_point last_used;
  };
  struct Exit {
    std::uint64_t sequence = 0;
    NodeExit exit;
  };

  struct Call;
  // Reads a call's frames: its parameters, then a stream in into the sink its call opens.
  void read_call(Call& call, const httplib::ContentReader& read_body);
  // Runs the call, with a heartbeat every second while it runs, and sends its result.
  void respond(Call& call, httplib::DataSink& sink);
  void add_calls();
  void add_sql_calls();
  // The calls on a backup received into this node's place (NodeAgent::receive_backup...).
  void add_received_calls();
  // Fails unless params["node"] (or `key`) is this agent's node.
  Result<void> check_node(const nlohmann::json& params, const char* key = "node") const;
  // params["received"], which must name this agent's node.
  Result<ReceivedBackup> received_here(const nlohmann::json& params) const;
  Result<std::shared_ptr<Session>> session(const nlohmann::json& params);
  Result<nlohmann::json> wait_for_exits(const nlohmann::json& params, FrameEmitter& out);

  NodeAgent& agent_;
  NodeId node_;
  BinlogSpool spool_;
  std::unique_ptr<httplib::SSLServer> server_;
  std::map<std::string, Work> calls_;
  std::map<std::string, Upload> uploads_;

  mutable std::mutex password_mutex_;
  std::optional<std::string> last_root_password_;
  std::mutex changing_;  // held by the calls that change the node
  std::mutex sessions_mutex_;
  std::map<std::string, std::shared_ptr<Session>> sessions_;

  // Exits of the node's server, for the operator's long polls; `instance_` names this run of
  // the agent so that a client tells a restarted agent's sequence from the last one's.
  std::mutex exits_mutex_;
  std::condition_variable exits_changed_;
  std::deque<Exit> exits_;
  std::uint64_t next_exit_ = 1;
  std::string instance_;
  std::atomic<bool> stopping_{false};
  std::atomic<bool> serving_{false};  // serve() has begun
  std::atomic<bool> served_{false};   // and returned
};

}  // namespace mdbop
