// RemoteNodeAgent: the node agent for nodes that each run under an `mdbop agent` of their own,
// reached over the network (agent_client.h): a process on this machine (NodeAgentProcesses, the
// operator's --node-agents=process) or a pod (PodAgents). Every call about one node goes to
// that node's agent. A derived class says where a node's agent is, bringing it up when it is
// not (reach_agent), and does what belongs to the places rather than to a node (making and
// removing places, backup scratch).
#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "agent/node_agent.h"
#include "agent/remote/agent_client.h"

namespace mdbop {

class RemoteNodeAgent : public NodeAgent {
 public:
  RemoteNodeAgent() = default;
  // Stops following exits; a derived destructor must not need the agents after this.
  ~RemoteNodeAgent() override;
  RemoteNodeAgent(const RemoteNodeAgent&) = delete;
  RemoteNodeAgent& operator=(const RemoteNodeAgent&) = delete;

  NodeSnapshot observe(const NodeId& id, const std::string& root_password) override;
  NodeProcess process(const NodeId& id) override;
  void watch_exits(std::function<void(const NodeExit&)> on_exit) override;
  std::string startup_failure(const NodeId& id) override;
  Result<std::string> read_error_log(const NodeId& id, std::uint64_t from) override;
  Result<std::unique_ptr<SqlSession>> open_sql(const NodeId& id, const std::string& root_password,
                                               std::chrono::seconds timeout) override;

  Result<bool> configure(const NodeId& id, const ClusterConfig& config) override;
  Result<Started> start(const NodeId& id, StartMode mode, NodeAccess access,
                        const std::string& sst_donor) override;
  Result<bool> stop(const NodeId& id, std::chrono::seconds grace) override;

  Result<bool> run_exporter(const NodeId& id, const ExporterCredentials& credentials) override;
  Result<bool> stop_exporter(const NodeId& id) override;

  Result<GaleraPosition> recover_position(const NodeId& id) override;
  Result<bool> write_grastate(const NodeId& id, const GraState& state) override;

  Result<bool> initialize_data(const NodeId& id) override;
  Result<bool> wipe_data(const NodeId& id) override;
  Result<bool> send_data(const NodeId& id, ByteSink& out) override;
  Result<std::unique_ptr<ByteSink>> take_data(const NodeId& id) override;
  Result<bool> set_aside_data(const NodeId& id, const std::string& tag) override;
  Result<bool> return_aside_data(const NodeId& id, const std::string& tag) override;
  Result<bool> discard_aside_data(const NodeId& id, const std::string& tag) override;
  std::string describe_aside(const NodeId& id, const std::string& tag) override;

  Result<BackupSourceFacts> stream_backup(const NodeId& id, const BackupStreamRequest& request,
                                          ByteSink& out,
                                          const std::function<bool()>& should_stop) override;
  Result<std::string> data_lineage(const NodeId& id) override;

  Result<bool> follow_binlog(const NodeId& id, const std::string& root_password,
                             const BinlogFollowRequest& request,
                             const std::function<void(const BinlogEvent&)>& on_event,
                             const std::function<bool()>& should_stop) override;

  Result<std::unique_ptr<ByteSink>> replay_sql(const NodeId& id, const std::string& root_password,
                                               const std::string& database) override;

  // A backup is received and prepared in received.node's place, by its agent, and installed
  // into that node only.
  Result<std::unique_ptr<ByteSink>> receive_backup(const ReceivedBackup& received) override;
  Result<bool> prepare_received(const ReceivedBackup& received,
                                const std::vector<std::string>& options,
                                const std::function<bool()>& should_stop) override;
  Result<std::unique_ptr<ByteSink>> receive_incremental(const ReceivedBackup& received) override;
  Result<bool> apply_received_incremental(const ReceivedBackup& received,
                                          const std::vector<std::string>& options,
                                          const std::function<bool()>& should_stop) override;
  Result<GaleraPosition> recover_received_position(const ReceivedBackup& received) override;
  Result<std::string> replay_binlog_into_received(
      const ReceivedBackup& received,
      const std::function<Result<std::optional<std::string>>()>& next_file,
      const std::function<bool()>& should_stop) override;
  Result<bool> install_received(const NodeId& id, const ReceivedBackup& received) override;
  void discard_received(const ReceivedBackup& received) override;
  std::string describe_received(const ReceivedBackup& received) override;

 protected:
  // Where the node's agent listens, once it serves: its process started, or its pod made,
  // unless there. Fails with kNotFound when the node has no place.
  virtual Result<AgentEndpoint> reach_agent(const NodeId& id) = 0;
  // Whether the node's agent runs: a call that could not reach a running agent is not repeated
  // on a new one.
  virtual bool agent_running(const NodeId& id) = 0;
  // The operator's client identity for every agent.
  virtual Result<TlsFiles> client_identity() = 0;
  // What the node's place shows when its agent cannot be reached. It must never guess a stopped
  // server: a process's machine looks itself; a pod whose container may run says running.
  virtual NodeSnapshot observe_unreached(const NodeId& id, const std::string& root_password) = 0;
  // The process alone, the same way.
  virtual NodeProcess process_unreached(const NodeId& id) = 0;

  // The client of the node's agent (reached unless known).
  Result<std::shared_ptr<AgentClient>> agent_of(const NodeId& id);
  // `call` on the node's agent; when the agent could not be reached and does not run, once
  // more on a new one. Streams are never repeated: their caller does.
  template <class T>
  Result<T> through_agent(const NodeId& id, const std::function<Result<T>(AgentClient&)>& call);
  // Stops using the node's agent (its place is gone): its exits are no longer followed.
  void forget_node(const NodeId& id);

 private:
  // A node's agent and the thread that follows its server's exits.
  struct Agent {
    std::shared_ptr<AgentClient> client;
    std::thread exits;
    std::atomic<bool> stopping{false};
    std::atomic<bool> finished{false};  // the exits thread has returned
  };
  // Where a node's exits were followed to: kept when its agent is forgotten, so that a new
  // client neither repeats exits nor loses those of the same agent run.
  struct ExitCursor {
    std::string agent_instance;  // empty: none yet (follow from now)
    std::uint64_t last = 0;
  };

  // Stops using the node's agent. Its exits thread is told to stop and joined later (never
  // here: this may run inside an exit's delivery, which that thread may be waiting to make).
  void forget_agent(const NodeId& id);
  // Joins the retired exits threads that have returned. REQUIRES: agents_mutex_ held.
  void join_finished_retired();
  void follow_exits(Agent& agent);
  // Logs that a call found the node's agent gone, before it is reached again.
  static void report_agent_gone(const NodeId& id, const Error& why);

  std::mutex agents_mutex_;
  TlsFiles client_tls_;                                   // made on first use
  std::map<std::string, std::unique_ptr<Agent>> agents_;  // by namespace/pod
  std::vector<std::unique_ptr<Agent>> retired_;           // forgotten, exits thread ending
  std::map<std::string, ExitCursor> exit_cursors_;        // by namespace/pod
  std::mutex delivery_mutex_;                             // held while on_exit_ runs
  std::function<void(const NodeExit&)> on_exit_;
};

template <class T>
Result<T> RemoteNodeAgent::through_agent(const NodeId& id,
                                         const std::function<Result<T>(AgentClient&)>& call) {
  for (int attempt = 0;; ++attempt) {
    auto client = agent_of(id);
    if (!client) return tl::unexpected(client.error());
    Result<T> result = call(**client);
    if (result || result.error().code != ErrorCode::kUnavailable || attempt > 0 ||
        agent_running(id)) {
      return result;
    }
    report_agent_gone(id, result.error());
    forget_agent(id);
  }
}

}  // namespace mdbop
