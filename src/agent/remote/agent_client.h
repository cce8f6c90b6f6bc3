// AgentClient: the operator's end of one node's agent (agent_server.h), over HTTPS with mutual
// TLS: it presents the installation's client certificate and trusts only agents whose
// certificate the agents' authority issued. Each method is the NodeAgent call of that node
// (agent/node_agent.h) with the same contract; a call the agent cannot be reached for fails
// with kUnavailable, as does one cut off midway.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "agent/node_agent.h"
#include "agent/remote/agent_server.h"
#include "agent/remote/frames.h"

namespace httplib {
class SSLClient;
}  // namespace httplib

namespace mdbop {

struct AgentEndpoint {
  std::string host;
  int port = 0;
};

// Made shared (std::make_shared): the SQL sessions and streams in it opens hold it.
class AgentClient : public std::enable_shared_from_this<AgentClient> {
 public:
  AgentClient(NodeId node, AgentEndpoint endpoint, TlsFiles tls);
  ~AgentClient();
  AgentClient(const AgentClient&) = delete;
  AgentClient& operator=(const AgentClient&) = delete;

  const NodeId& node() const { return node_; }
  const AgentEndpoint& endpoint() const { return endpoint_; }

  Result<NodeAddress> place();
  Result<NodeSnapshot> observe(const std::string& root_password);
  Result<NodeProcess> process();
  Result<std::string> startup_failure();
  Result<std::string> read_error_log(std::uint64_t from);
  Result<std::unique_ptr<SqlSession>> open_sql(const std::string& root_password,
                                               std::chrono::seconds timeout);
  Result<bool> configure(const ClusterConfig& config);
  Result<NodeAgent::Started> start(StartMode mode, NodeAccess access, const std::string& sst_donor);
  Result<bool> stop(std::chrono::seconds grace);
  Result<bool> run_exporter(const ExporterCredentials& credentials);
  Result<bool> stop_exporter();
  Result<GaleraPosition> recover_position();
  Result<bool> write_grastate(const GraState& state);
  Result<bool> initialize_data();
  // Copies `from`'s data into this node (both on the agent's machine).
  Result<bool> copy_data_from(const NodeId& from);
  Result<bool> wipe_data();
  Result<bool> send_data(ByteSink& out);
  Result<std::unique_ptr<ByteSink>> take_data();
  Result<bool> set_aside_data(const std::string& tag);
  Result<bool> return_aside_data(const std::string& tag);
  Result<bool> discard_aside_data(const std::string& tag);
  Result<std::string> describe_aside(const std::string& tag);
  Result<BackupSourceFacts> stream_backup(const BackupStreamRequest& request, ByteSink& out,
                                          const std::function<bool()>& should_stop);
  Result<std::string> data_lineage();
  Result<bool> follow_binlog(const std::string& root_password, const BinlogFollowRequest& request,
                             const std::function<void(const BinlogEvent&)>& on_event,
                             const std::function<bool()>& should_stop);
  Result<std::unique_ptr<ByteSink>> replay_sql(const std::string& root_password,
                                               const std::string& database);
  // A backup received into this node's place: NodeAgent::receive_backup and the calls after it,
  // on `received` (whose node is this one).
  Result<std::unique_ptr<ByteSink>> receive_backup(const ReceivedBackup& received);
  Result<bool> prepare_received(const ReceivedBackup& received,
                                const std::vector<std::string>& options,
                                const std::function<bool()>& should_stop);
  Result<std::unique_ptr<ByteSink>> receive_incremental(const ReceivedBackup& received);
  Result<bool> apply_received_incremental(const ReceivedBackup& received,
                                          const std::vector<std::string>& options,
                                          const std::function<bool()>& should_stop);
  Result<GaleraPosition> recover_received_position(const ReceivedBackup& received);
  // The files are streamed to the agent first, one call each, then replayed by one call.
  Result<std::string> replay_binlog_into_received(
      const ReceivedBackup& received,
      const std::function<Result<std::optional<std::string>>()>& next_file,
      const std::function<bool()>& should_stop);
  Result<bool> install_received(const ReceivedBackup& received);
  Result<bool> discard_received(const ReceivedBackup& received);
  Result<std::string> describe_received(const ReceivedBackup& received);

  // The node's server exits the agent saw after `after` (a sequence of the agent run named
  // `agent_instance`; another run's: all it holds; none, an empty name: no exits, only the
  // cursor to follow from now). Waits up to about 20 s for one.
  struct Exits {
    std::string agent_instance;
    std::uint64_t last = 0;
    std::vector<NodeExit> exits;
  };
  // `should_stop` is asked every second (true: no exits, at once).
  Result<Exits> wait_for_exits(const std::string& agent_instance, std::uint64_t after,
                               const std::function<bool()>& should_stop);

  // One call: `params` out; each data or event frame to `on_frame` (an error from it cuts the
  // call); `should_stop` asked at every frame (true cuts it); the result's value. With
  // `upload`, the request body is streamed: `upload` is called repeatedly to give the next
  // frames (encoded), empty once there are no more.
  Result<nlohmann::json> call(const std::string& name, nlohmann::json params,
                              const std::function<Result<void>(const Frame&)>& on_frame = {},
                              const std::function<bool()>& should_stop = {},
                              const std::function<std::string()>& upload = {});

 private:
  // A kept-alive connection (second: true) or a new one.
  std::pair<std::unique_ptr<httplib::SSLClient>, bool> take_connection();
  std::unique_ptr<httplib::SSLClient> new_connection();
  void give_back(std::unique_ptr<httplib::SSLClient> connection);
  nlohmann::json with_node(nlohmann::json params) const;
  // prepare_received or apply_received_incremental.
  Result<bool> work_on_received(const std::string& name, const ReceivedBackup& received,
                                const std::vector<std::string>& options,
                                const std::function<bool()>& should_stop);

  NodeId node_;
  AgentEndpoint endpoint_;
  TlsFiles tls_;
  std::mutex idle_mutex_;
  std::vector<std::unique_ptr<httplib::SSLClient>> idle_;  // kept-alive connections
};

}  // namespace mdbop
