// ReceivingHere: a RemoteNodeAgent whose nodes' agents are processes of their own on this
// machine (the operator's --node-agents=process), while a backup received for a restore or a
// check is received, prepared, replayed into, checked and installed here, by a LocalAgent in
// the operator's home (the node each ReceivedBackup names is on this machine too).
#pragma once

#include <filesystem>

#include "agent/local/local_agent.h"
#include "agent/remote/remote_node_agent.h"

namespace mdbop {

class ReceivingHere : public RemoteNodeAgent {
 public:
  ReceivingHere(std::filesystem::path home, PortRange ports);

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
  LocalAgent& machine() { return machine_; }

 private:
  LocalAgent machine_;
};

}  // namespace mdbop
