#include "sql/binlog_stream.h"

#include <errmsg.h>
#include <mysql.h>
#include <mysqld_error.h>
// mariadb_rpl.h needs mysql.h before it.
#include <mariadb_rpl.h>

#include <memory>
#include <string>

namespace mdbop {

namespace {

struct RplCloser {
  void operator()(MARIADB_RPL* rpl) const { mariadb_rpl_close(rpl); }
};
struct EventFreer {
  void operator()(MARIADB_RPL_EVENT* event) const { mariadb_free_rpl_event(event); }
};

// Classifies a failure by the server's or the client library's error number.
tl::unexpected<Error> stream_error(unsigned int number, const std::string& message,
                                   const char* during) {
  ErrorCode code = ErrorCode::kUnknown;
  if (number == ER_MASTER_FATAL_ERROR_READING_BINLOG) {
    code = ErrorCode::kNotFound;  // purged, or not in the binary log
  } else if (number >= CR_MIN_ERROR && number <= CR_MAX_ERROR) {
    code = ErrorCode::kUnavailable;  // the client's own: connecting, lost, timed out
  }
  return fail(code, std::string(during) + ": " + message + " (" + std::to_string(number) + ")");
}

tl::unexpected<Error> handle_error(st_mysql* handle, const char* during) {
  return stream_error(mysql_errno(handle), mysql_error(handle), during);
}

}  // namespace

Result<bool> follow_binlog(const SqlEndpoint& endpoint, const BinlogFollowRequest& request,
                           const std::function<void(const BinlogEvent&)>& on_event,
                           const std::function<bool()>& should_stop) {
  if (request.from.empty()) {
    return fail(ErrorCode::kInvalid, "binary-log stream: no GTID position to start from");
  }
  if (request.heartbeat <= std::chrono::milliseconds(0) || request.heartbeat >= endpoint.timeout) {
    return fail(ErrorCode::kInvalid, "binary-log stream: the heartbeat (" +
                                         std::to_string(request.heartbeat.count()) +
                                         " ms) must be positive and under the read timeout (" +
                                         std::to_string(endpoint.timeout.count()) + " s)");
  }
  auto connection = SqlConnection::connect(endpoint);
  if (!connection) {
    return fail(ErrorCode::kUnavailable, "binary-log stream: " + connection.error().message);
  }
  st_mysql* handle = connection->native_handle();
  const auto heartbeat_ns =
      std::chrono::duration_cast<std::chrono::nanoseconds>(request.heartbeat).count();
  // The position is our own text (parsed GTIDs), quoted all the same. Strict mode makes the
  // server refuse a start it cannot serve instead of skipping ahead; capability 4 (GTID) lets it
  // start from a GTID; keeping the server's checksums keeps every event as it is in its file.
  const std::string setup =
      "SET @slave_connect_state=" + connection->quote(gtid_position_text(request.from)) +
      ", @slave_gtid_strict_mode=1, @mariadb_slave_capability=4"
      ", @master_binlog_checksum=@@global.binlog_checksum"
      ", @master_heartbeat_period=" +
      std::to_string(heartbeat_ns);
  if (mysql_real_query(handle, setup.data(), setup.size()) != 0) {
    return handle_error(handle, "binary-log stream setup");
  }

  std::unique_ptr<MARIADB_RPL, RplCloser> rpl(mariadb_rpl_init(handle));
  if (!rpl) return handle_error(handle, "binary-log stream init");
  unsigned int server_id = request.follower_server_id;
  unsigned long start = 4;  // the file is the server's choice: it finds the GTID
  unsigned int flags = 0;   // blocking: wait for new events
  mariadb_rpl_optionsv(rpl.get(), MARIADB_RPL_SERVER_ID, server_id);
  mariadb_rpl_optionsv(rpl.get(), MARIADB_RPL_FILENAME, "", static_cast<size_t>(0));
  mariadb_rpl_optionsv(rpl.get(), MARIADB_RPL_START, start);
  mariadb_rpl_optionsv(rpl.get(), MARIADB_RPL_FLAGS, flags);
  if (mariadb_rpl_open(rpl.get()) != 0) return handle_error(handle, "binary-log stream open");

  BinlogTransactionTracker tracker;
  while (true) {
    std::unique_ptr<MARIADB_RPL_EVENT, EventFreer> fetched(mariadb_rpl_fetch(rpl.get(), nullptr));
    if (!fetched) {
      if (mysql_errno(handle) != 0) return handle_error(handle, "binary-log stream");
      if (mariadb_rpl_errno(rpl.get()) != 0) {
        return stream_error(mariadb_rpl_errno(rpl.get()), mariadb_rpl_error(rpl.get()),
                            "binary-log stream");
      }
      return fail(ErrorCode::kUnavailable, "binary-log stream: the server ended the stream");
    }
    // raw_data is the network packet: the OK byte, then the event as the binlog file has it.
    const std::size_t length = fetched->event_length;
    if (fetched->raw_data_size < length) {
      return fail(ErrorCode::kUnknown, "binary-log stream: an event of " + std::to_string(length) +
                                           " bytes came in a packet of " +
                                           std::to_string(fetched->raw_data_size));
    }
    const char* bytes = reinterpret_cast<const char*>(fetched->raw_data);
    auto event = parse_binlog_event(std::string(bytes + fetched->raw_data_size - length, length));
    if (!event) return fail(ErrorCode::kUnknown, "binary-log stream: " + event.error().message);
    fetched.reset();
    if (event->type != binlog_event_type::kHeartbeat &&
        (event->flags & kArtificialEventFlag) == 0) {
      tracker.track(*event);
      on_event(*event);
    }
    if (should_stop()) return true;
  }
}

}  // namespace mdbop
