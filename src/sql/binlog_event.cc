#include "sql/binlog_event.h"

#include <charconv>
#include <limits>
#include <set>

namespace mdbop {

namespace {

std::uint64_t little_endian(std::string_view bytes, std::size_t offset, std::size_t size) {
  std::uint64_t value = 0;
  for (std::size_t i = 0; i < size; ++i) {
    value |= static_cast<std::uint64_t>(static_cast<unsigned char>(bytes[offset + i])) << (8 * i);
  }
  return value;
}

template <class Number>
bool parse_number(std::string_view text, Number& out) {
  if (text.empty()) return false;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
  }
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), out);
  return error == std::errc() && end == text.data() + text.size();
}

// Flags of a GTID event (its byte after sequence and domain).
constexpr std::uint8_t kGtidStandalone = 0x01;
// Byte offsets in a GTID event's body and a Query event's post-header.
constexpr std::size_t kGtidFlagsOffset = kBinlogHeaderSize + 8 + 4;
constexpr std::size_t kQueryPostHeaderSize = 13;
// A format description event ends with its checksum algorithm (1 byte) and a checksum (4).
constexpr std::size_t kChecksumSize = 4;
constexpr unsigned char kChecksumCrc32 = 1;

}  // namespace

std::string Gtid::text() const {
  return std::to_string(domain_id) + "-" + std::to_string(server_id) + "-" +
         std::to_string(sequence);
}

Result<Gtid> parse_gtid(std::string_view text) {
  auto invalid = [&] {
    return fail(ErrorCode::kInvalid,
                "GTID \"" + std::string(text) + "\" is not domain-server-sequence (as 0-1-42)");
  };
  std::size_t first = text.find('-');
  if (first == std::string_view::npos) return invalid();
  std::size_t second = text.find('-', first + 1);
  if (second == std::string_view::npos) return invalid();
  Gtid gtid;
  if (!parse_number(text.substr(0, first), gtid.domain_id) ||
      !parse_number(text.substr(first + 1, second - first - 1), gtid.server_id) ||
      !parse_number(text.substr(second + 1), gtid.sequence)) {
    return invalid();
  }
  return gtid;
}

Result<std::vector<Gtid>> parse_gtid_position(std::string_view text) {
  std::vector<Gtid> position;
  std::set<std::uint32_t> domains;
  while (!text.empty()) {
    std::size_t comma = text.find(',');
    auto gtid = parse_gtid(text.substr(0, comma));
    if (!gtid) return tl::unexpected(gtid.error());
    if (!domains.insert(gtid->domain_id).second) {
      return fail(ErrorCode::kInvalid,
                  "GTID position names domain " + std::to_string(gtid->domain_id) + " twice");
    }
    position.push_back(*gtid);
    if (comma == std::string_view::npos) break;
    text.remove_prefix(comma + 1);
    if (text.empty()) return fail(ErrorCode::kInvalid, "GTID position ends with a comma");
  }
  return position;
}

std::string gtid_position_text(const std::vector<Gtid>& position) {
  std::string text;
  for (const auto& gtid : position) {
    if (!text.empty()) text += ',';
    text += gtid.text();
  }
  return text;
}

Result<BinlogEvent> parse_binlog_event(std::string raw) {
  if (raw.size() < kBinlogHeaderSize) {
    return fail(ErrorCode::kInvalid, "binary-log event of " + std::to_string(raw.size()) +
                                         " bytes is shorter than its header");
  }
  BinlogEvent event;
  event.timestamp = static_cast<std::uint32_t>(little_endian(raw, 0, 4));
  event.type = static_cast<std::uint8_t>(raw[4]);
  event.server_id = static_cast<std::uint32_t>(little_endian(raw, 5, 4));
  std::uint64_t length = little_endian(raw, 9, 4);
  event.flags = static_cast<std::uint16_t>(little_endian(raw, 17, 2));
  if (length != raw.size()) {
    return fail(ErrorCode::kInvalid, "binary-log event states " + std::to_string(length) +
                                         " bytes but has " + std::to_string(raw.size()));
  }
  if (event.type == binlog_event_type::kGtid) {
    if (raw.size() < kGtidFlagsOffset + 1) {
      return fail(ErrorCode::kInvalid, "GTID event of " + std::to_string(raw.size()) +
                                           " bytes is too short for its GTID");
    }
    event.gtid = Gtid{static_cast<std::uint32_t>(little_endian(raw, kBinlogHeaderSize + 8, 4)),
                      event.server_id, little_endian(raw, kBinlogHeaderSize, 8)};
  }
  event.raw = std::move(raw);
  return event;
}

Result<std::vector<BinlogEvent>> parse_binlog_file(std::string_view bytes) {
  if (bytes.substr(0, kBinlogMagic.size()) != kBinlogMagic) {
    return fail(ErrorCode::kCorrupt, "not a binary log (no binary-log magic)");
  }
  std::vector<BinlogEvent> events;
  std::size_t at = kBinlogMagic.size();
  while (at < bytes.size()) {
    // The event length follows the timestamp, the type and the server id.
    if (at + kBinlogHeaderSize > bytes.size() ||
        little_endian(bytes, at + 9, 4) > bytes.size() - at) {
      return fail(ErrorCode::kCorrupt, "a binary log cut inside an event at byte " +
                                           std::to_string(at) + " of " +
                                           std::to_string(bytes.size()));
    }
    auto event = parse_binlog_event(std::string(bytes.substr(at, little_endian(bytes, at + 9, 4))));
    if (!event) return fail(ErrorCode::kCorrupt, event.error().message);
    at += event->raw.size();
    events.push_back(std::move(*event));
  }
  return events;
}

std::string_view query_event_text(const BinlogEvent& event, std::size_t checksum_size) {
  std::string_view raw = event.raw;
  const std::size_t post = kBinlogHeaderSize;
  if (raw.size() < post + kQueryPostHeaderSize + checksum_size) return {};
  std::size_t database_length = static_cast<unsigned char>(raw[post + 8]);
  std::size_t status_length = little_endian(raw, post + 11, 2);
  // The database name is followed by a NUL byte.
  std::size_t text_begin = post + kQueryPostHeaderSize + status_length + database_length + 1;
  std::size_t text_end = raw.size() - checksum_size;
  if (text_begin > text_end) return {};
  return raw.substr(text_begin, text_end - text_begin);
}

void BinlogTransactionTracker::track(BinlogEvent& event) {
  event.ends_transaction = false;
  switch (event.type) {
    case binlog_event_type::kFormatDescription:
      checksum_size_ =
          event.raw.size() >= kBinlogHeaderSize + kChecksumSize + 1 &&
                  static_cast<unsigned char>(event.raw[event.raw.size() - kChecksumSize - 1]) ==
                      kChecksumCrc32
              ? kChecksumSize
              : 0;
      return;
    case binlog_event_type::kGtid:
      in_transaction_ = true;
      standalone_ =
          (static_cast<unsigned char>(event.raw[kGtidFlagsOffset]) & kGtidStandalone) != 0;
      return;
    case binlog_event_type::kXid:
    case binlog_event_type::kXaPrepare:
      event.ends_transaction = in_transaction_;
      break;
    case binlog_event_type::kQuery: {
      if (!in_transaction_) return;
      std::string_view text = query_event_text(event, checksum_size_);
      event.ends_transaction = standalone_ || text == "COMMIT" || text == "ROLLBACK";
      break;
    }
    default:
      return;
  }
  if (event.ends_transaction) {
    in_transaction_ = false;
    standalone_ = false;
  }
}

}  // namespace mdbop
