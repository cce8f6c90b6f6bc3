// NodeAgentProcesses: the node agent for nodes that each run under their own `mdbop agent`
// process on this machine (the operator's --node-agents=process), the way each pod of a
// Kubernetes cluster runs one. Everything a node does goes to its agent over the network
// (agent/remote/agent_client.h), whose process is started when the node is placed and again
// whenever it is found dead; what is the machine's rather than a node's (places, backups
// received for a restore or a check, backup scratch) stays with a LocalAgent here.
#pragma once

#include <atomic>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <thread>

#include "agent/local/local_agent.h"
#include "agent/remote/agent_client.h"
#include "runtime/local/local_runtime.h"

namespace mdbop {

class NodeAgentProcesses : public NodeAgent {
 public:
  // `program`: the mdbop binary the agents run.
  NodeAgentProcesses(std::filesystem::path home, PortRange ports, std::string program);
  ~NodeAgentProcesses() override;

  Result<NodeAddress> place(const NodeId& id) override;
  std::vector<int> placed_indices(const std::string& namespace_,
                                  const std::string& mariadb) override;
  Result<bool> remove(const NodeId& id, bool purge) override;

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
  Result<bool> copy_data(const NodeId& from, const NodeId& to) override;
  Result<bool> wipe_data(const NodeId& id) override;
  Result<bool> set_aside_data(const NodeId& id, const std::string& tag) override;
  Result<bool> return_aside_data(const NodeId& id, const std::string& tag) override;
  Result<bool> discard_aside_data(const NodeId& id, const std::string& tag) override;
  std::string describe_aside(const NodeId& id, const std::string& tag) override;

  Result<BackupSourceFacts> stream_backup(const NodeId& id, const BackupStreamRequest& request,
                                          ByteSink& out,
                                          const std::function<bool()>& should_stop) override;
  Result<std::string> data_lineage(const NodeId& id) override;
  void clean_backup_run(const std::string& namespace_, const std::string& run) override;

  Result<bool> follow_binlog(const NodeId& id, const std::string& root_password,
                             const BinlogFollowRequest& request,
                             const std::function<void(const BinlogEvent&)>& on_event,
                             const std::function<bool()>& should_stop) override;

  Result<std::unique_ptr<ByteSink>> replay_sql(const NodeId& id, const std::string& root_password,
                                               const std::string& database) override;
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

  // The client of the node's agent, whose process is started unless it runs.
  Result<std::shared_ptr<AgentClient>> agent_of(const NodeId& id);
  // `call` on the node's agent; when the agent could not be reached and its process is found
  // dead, once more on a new one. Streams are never repeated: their caller does.
  template <class T>
  Result<T> through_agent(const NodeId& id, const std::function<Result<T>(AgentClient&)>& call);
  // Stops using the node's agent. Its exits thread is told to stop and joined later (never
  // here: this may run inside an exit's delivery, which that thread may be waiting to make).
  void forget_agent(const NodeId& id);
  // Joins the retired exits threads that have returned. REQUIRES: agents_mutex_ held.
  void join_finished_retired();
  void follow_exits(Agent& agent);

  std::string program_;
  LocalRuntime runtime_;
  LocalAgent machine_;
  TlsFiles client_tls_;
  std::mutex agents_mutex_;
  std::map<std::string, std::unique_ptr<Agent>> agents_;  // by namespace/pod
  std::vector<std::unique_ptr<Agent>> retired_;           // forgotten, exits thread ending
  std::map<std::string, ExitCursor> exit_cursors_;        // by namespace/pod
  std::mutex delivery_mutex_;                             // held while on_exit_ runs
  std::function<void(const NodeExit&)> on_exit_;
};

}  // namespace mdbop
