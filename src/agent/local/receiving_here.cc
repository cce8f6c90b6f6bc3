#include "agent/local/receiving_here.h"

namespace mdbop {

ReceivingHere::ReceivingHere(std::filesystem::path home, PortRange ports)
    : machine_(std::move(home), ports) {}

Result<std::unique_ptr<ByteSink>> ReceivingHere::receive_backup(const ReceivedBackup& received) {
  return machine_.receive_backup(received);
}

Result<bool> ReceivingHere::prepare_received(const ReceivedBackup& received,
                                             const std::vector<std::string>& options,
                                             const std::function<bool()>& should_stop) {
  return machine_.prepare_received(received, options, should_stop);
}

Result<std::unique_ptr<ByteSink>> ReceivingHere::receive_incremental(
    const ReceivedBackup& received) {
  return machine_.receive_incremental(received);
}

Result<bool> ReceivingHere::apply_received_incremental(const ReceivedBackup& received,
                                                       const std::vector<std::string>& options,
                                                       const std::function<bool()>& should_stop) {
  return machine_.apply_received_incremental(received, options, should_stop);
}

Result<GaleraPosition> ReceivingHere::recover_received_position(const ReceivedBackup& received) {
  return machine_.recover_received_position(received);
}

Result<std::string> ReceivingHere::replay_binlog_into_received(
    const ReceivedBackup& received,
    const std::function<Result<std::optional<std::string>>()>& next_file,
    const std::function<bool()>& should_stop) {
  return machine_.replay_binlog_into_received(received, next_file, should_stop);
}

Result<bool> ReceivingHere::install_received(const NodeId& id, const ReceivedBackup& received) {
  return machine_.install_received(id, received);
}

void ReceivingHere::discard_received(const ReceivedBackup& received) {
  machine_.discard_received(received);
}

std::string ReceivingHere::describe_received(const ReceivedBackup& received) {
  return machine_.describe_received(received);
}

}  // namespace mdbop
