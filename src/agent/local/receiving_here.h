// ReceivingHere: a RemoteNodeAgent whose nodes' agents run elsewhere (processes of their own,
// pods) while a backup received for a restore or a check is received, prepared, replayed into
// and checked on this machine, by a LocalAgent in the operator's home. install_received copies
// the prepared data into the node: here when the node is on this machine; a subclass whose
// nodes are on other machines streams it into the node's agent instead.
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
