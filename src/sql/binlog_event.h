// Binary-log events as MariaDB writes them: the common header read from the raw bytes, the
// GTID of GTID events, and where a transaction ends. Pure: no connection, no file.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "util/result.h"

namespace mdbop {

// A MariaDB GTID, domain-server-sequence.
struct Gtid {
  std::uint32_t domain_id = 0;
  std::uint32_t server_id = 0;
  std::uint64_t sequence = 0;

  std::string text() const;  // "0-1-42"
  friend bool operator==(const Gtid&, const Gtid&) = default;
};

// "0-1-42" (digits only, each part within its type). kInvalid otherwise.
Result<Gtid> parse_gtid(std::string_view text);
// A GTID position: one GTID per domain, comma-separated ("0-1-42,1000-1-3"); kInvalid when a
// part is malformed or two name the same domain. An empty text is an empty position.
Result<std::vector<Gtid>> parse_gtid_position(std::string_view text);
std::string gtid_position_text(const std::vector<Gtid>& position);

// Event types this code acts on (MariaDB's numbering, mariadb_rpl.h's enum).
namespace binlog_event_type {
inline constexpr std::uint8_t kQuery = 2;
inline constexpr std::uint8_t kRotate = 4;
inline constexpr std::uint8_t kFormatDescription = 15;
inline constexpr std::uint8_t kXid = 16;
inline constexpr std::uint8_t kHeartbeat = 27;
inline constexpr std::uint8_t kXaPrepare = 38;
inline constexpr std::uint8_t kGtid = 162;
}  // namespace binlog_event_type

// The four bytes every binary-log file starts with.
inline constexpr std::string_view kBinlogMagic{"\xfe\x62\x69\x6e", 4};
// The common header: timestamp 4, type 1, server id 4, event length 4, next position 4, flags 2.
inline constexpr std::size_t kBinlogHeaderSize = 19;
// LOG_EVENT_ARTIFICIAL_F: made up by the sending server (the rotate that names the file a
// stream starts in), never in a binlog file.
inline constexpr std::uint16_t kArtificialEventFlag = 0x20;

struct BinlogEvent {
  std::uint8_t type = 0;
  std::uint32_t timestamp = 0;  // Unix seconds; for a transaction's last event, its commit time
  std::uint32_t server_id = 0;
  std::uint16_t flags = 0;
  std::string raw;                // exactly the event as it sits in a binlog file
  std::optional<Gtid> gtid;       // GTID events only
  bool ends_transaction = false;  // set by BinlogTransactionTracker
};

// Reads the header (and a GTID event's GTID) of one event's bytes. kInvalid when the bytes are
// shorter than the header or than the length the header states.
Result<BinlogEvent> parse_binlog_event(std::string raw);

// The events of a binary-log file's bytes (the magic, then events), in order. kCorrupt when the
// bytes do not begin with the magic or end inside an event.
Result<std::vector<BinlogEvent>> parse_binlog_file(std::string_view bytes);

// Says which events end a transaction, following a stream in order. A transaction begins at a
// GTID event and ends with:
//  - an XID event (a transactional engine's commit);
//  - a Query event "COMMIT" or "ROLLBACK" (a non-transactional engine's group);
//  - an XA_PREPARE event (the prepared half of an XA transaction, a group of its own);
//  - the first Query event after a GTID event flagged standalone (DDL, or a statement that is a
//    group by itself, "XA COMMIT" among them).
// It reads the checksum setting from the format description events, so that a Query event's
// text is read without its checksum.
class BinlogTransactionTracker {
 public:
  // Sets event.ends_transaction; true while a transaction is open after the event.
  void track(BinlogEvent& event);
  bool in_transaction() const { return in_transaction_; }

 private:
  bool in_transaction_ = false;
  bool standalone_ = false;
  std::size_t checksum_size_ = 0;
};

// The SQL text of a Query event (without the checksum of `checksum_size` bytes); empty when the
// event is too short to hold one.
std::string_view query_event_text(const BinlogEvent& event, std::size_t checksum_size);

}  // namespace mdbop
