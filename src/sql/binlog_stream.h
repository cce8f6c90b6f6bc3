// follow_binlog: a server's binary log from a GTID position on, event by event, over MariaDB's
// replication protocol (libmariadb's mariadb_rpl_*), as a replica in GTID strict mode reads
// it. It waits for new events until asked to stop; it never ends by itself.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <vector>

#include "sql/binlog_event.h"
#include "sql/connection.h"
#include "util/result.h"

namespace mdbop {

struct BinlogFollowRequest {
  // The last GTID already had, per domain: the stream begins after it.
  std::vector<Gtid> from;
  // The replica server id the stream presents. No node may use it, and no other stream on the
  // same server: the server ends an older stream when a new one presents its id.
  std::uint32_t follower_server_id = 0;
  // The server sends a heartbeat after this long without events: the longest wait before
  // should_stop is asked. REQUIRES: shorter than the endpoint's read timeout, which is how long
  // a silent server is waited for before the stream counts as lost.
  std::chrono::milliseconds heartbeat{250};
};

// Connects to `endpoint` and calls `on_event` for every event the server sends after
// `request.from`, in binary-log order, with ends_transaction set (BinlogTransactionTracker);
// heartbeats and the server's artificial events are not passed on. `should_stop` is asked
// after every event and at every heartbeat; true ends the stream, which returns true.
// Otherwise it fails with:
//  - kNotFound: the server cannot serve the position (its binary logs holding it were purged,
//    or the GTID is not in its binary log: beyond its end, or a diverged history). The same
//    server will answer the same way: another node may serve it, or it is a gap.
//  - kUnavailable: the connection failed or was lost (the server died or went silent past the
//    read timeout); the next event may be read from another node.
//  - kInvalid: the request is wrong (no position, the heartbeat not under the read timeout).
//  - kUnknown: anything else the server refused.
Result<bool> follow_binlog(const SqlEndpoint& endpoint, const BinlogFollowRequest& request,
                           const std::function<void(const BinlogEvent&)>& on_event,
                           const std::function<bool()>& should_stop);

}  // namespace mdbop
