// BinlogSpool: the binary-log files of a replay into a received backup, as an agent holds them on
// its node's volume between the calls that bring them in (one stream each) and the call that
// replays them (NodeAgent::replay_binlog_into_received, whose files the operator pulls one at a
// time while the replay runs: over the network they come first, so that no stream waits on a
// replay).
#pragma once

#include <cstddef>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "agent/node_agent.h"
#include "util/byte_sink.h"
#include "util/result.h"

namespace mdbop {

class BinlogSpool {
 public:
  explicit BinlogSpool(std::filesystem::path dir) : dir_(std::move(dir)) {}

  // A sink for file `index` of the replay into `received` (readable by the agent's user alone);
  // the file counts once the sink is finished.
  Result<std::unique_ptr<ByteSink>> take_file(const ReceivedBackup& received, std::size_t index);
  // The files 0..count-1 of `received` in order, each removed once read; one missing fails with
  // kNotFound.
  std::function<Result<std::optional<std::string>>()> files(const ReceivedBackup& received,
                                                            std::size_t count);
  // Removes every file of `received`.
  void discard(const ReceivedBackup& received);
  // Removes every file of every replay.
  void discard_all();

 private:
  std::filesystem::path dir_of(const ReceivedBackup& received) const;

  std::filesystem::path dir_;
};

}  // namespace mdbop
