// Replays archived binary-log files into a prepared backup's data directory, for a restore to a
// moment (NodeAgent::replay_binlog_into_received): a mariadbd of its own runs on the data,
// reachable only by its socket in `scratch`, without Galera, grant checks or the event
// scheduler, with the nodes' binary-log name, so that its binary log records the replayed
// transactions under their own GTIDs (wsrep_gtid_mode off) and a cluster bootstrapped on the
// data continues from them. Each batch of files goes through `mariadb-binlog
// --verify-binlog-checksum FILES | mariadb`, one client session for the whole replay.
#pragma once

#include <filesystem>
#include <functional>
#include <optional>
#include <string>

#include "galera/grastate.h"
#include "runtime/local/node_user.h"
#include "util/result.h"

namespace mdbop {

struct ReceivedBinlogReplay {
  std::filesystem::path data;  // the prepared data directory
  // A directory of the replay's own, created and removed by it; short enough for a socket.
  std::filesystem::path scratch;
  NodeUser user;  // the server runs as the nodes do
};

// The position the prepared data holds: `mariadbd --wsrep-recover` on it reads InnoDB's record of
// the last Galera transaction committed in it, and with wsrep_gtid_mode its GTID. Runs as the
// node user, without network, writing nothing but InnoDB's own files; `scratch` is removed after.
Result<GaleraPosition> recover_received_position(const ReceivedBinlogReplay& replay);

// Returns @@gtid_binlog_pos after the last file. kCorrupt when mariadb-binlog or the server
// refuses a batch (naming its files' places in the order); kUnavailable when `should_stop` said
// so; another code when the server cannot run. The server is stopped and `scratch` removed in
// every case.
Result<std::string> replay_received_binlog(
    const ReceivedBinlogReplay& replay,
    const std::function<Result<std::optional<std::string>>()>& next_file,
    const std::function<bool()>& should_stop);

}  // namespace mdbop
