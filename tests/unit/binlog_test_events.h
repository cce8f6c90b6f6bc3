// Binary-log events built byte by byte as MariaDB 10.11 writes them (CRC32 checksums unless
// asked otherwise; the checksum bytes are not a real CRC, which nothing here checks), for the
// tests of the event parser and the segmenter.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "sql/binlog_event.h"

namespace mdbop::binlog_test {

inline void put_le(std::string& out, std::uint64_t value, int size) {
  for (int i = 0; i < size; ++i) out.push_back(static_cast<char>((value >> (8 * i)) & 0xff));
}

// The header, `body`, and 4 checksum bytes when `checksum`.
inline std::string event_bytes(std::uint8_t type, std::uint32_t server_id, std::uint32_t timestamp,
                               const std::string& body, bool checksum = true,
                               std::uint16_t flags = 0) {
  std::string raw;
  std::size_t length = kBinlogHeaderSize + body.size() + (checksum ? 4 : 0);
  put_le(raw, timestamp, 4);
  raw.push_back(static_cast<char>(type));
  put_le(raw, server_id, 4);
  put_le(raw, length, 4);
  put_le(raw, 0, 4);  // next position: unused here
  put_le(raw, flags, 2);
  raw += body;
  if (checksum) raw += std::string("\x01\x02\x03\x04", 4);
  return raw;
}

// A format description: version 4, a server version, and the checksum algorithm byte.
inline std::string format_description(bool checksum = true) {
  std::string body;
  put_le(body, 4, 2);
  std::string version = "10.11.19-MariaDB";
  version.resize(50, '\0');
  body += version;
  put_le(body, 0, 4);
  body.push_back(static_cast<char>(kBinlogHeaderSize));
  body += std::string(40, '\x08');  // post-header lengths
  body.push_back(checksum ? '\x01' : '\x00');
  return event_bytes(binlog_event_type::kFormatDescription, 1, 1, body, checksum);
}

inline std::string gtid_event(std::uint32_t server_id, std::uint32_t domain, std::uint64_t sequence,
                              std::uint32_t timestamp, bool standalone, bool checksum = true) {
  std::string body;
  put_le(body, sequence, 8);
  put_le(body, domain, 4);
  body.push_back(static_cast<char>(standalone ? 0x01 | 0x20 : 0x08));
  body += std::string(6, '\0');
  return event_bytes(binlog_event_type::kGtid, server_id, timestamp, body, checksum);
}

inline std::string query_event(std::uint32_t server_id, std::uint32_t timestamp,
                               const std::string& text, bool checksum = true) {
  std::string body;
  put_le(body, 99, 4);  // thread id
  put_le(body, 0, 4);   // execution time
  std::string database = "shop";
  body.push_back(static_cast<char>(database.size()));
  put_le(body, 0, 2);  // error code
  std::string status = std::string("\x00\x00\x00\x00\x00", 5);
  put_le(body, status.size(), 2);
  body += status + database + '\0' + text;
  return event_bytes(binlog_event_type::kQuery, server_id, timestamp, body, checksum);
}

// A row event (WRITE_ROWS_EVENT_V1) carrying `payload` bytes.
inline std::string rows_event(std::uint32_t server_id, std::uint32_t timestamp,
                              std::size_t payload = 20) {
  return event_bytes(23, server_id, timestamp, std::string(payload, 'r'));
}

inline std::string xid_event(std::uint32_t server_id, std::uint32_t timestamp) {
  std::string body;
  put_le(body, 12345, 8);
  return event_bytes(binlog_event_type::kXid, server_id, timestamp, body);
}

// One row transaction of `domain`, its events stamped `time`.
inline std::string row_transaction(std::uint64_t sequence, std::uint32_t time,
                                   std::uint32_t domain = 0) {
  return gtid_event(1, domain, sequence, time, false) + query_event(1, time, "BEGIN") +
         rows_event(1, time) + xid_event(1, time);
}

// A segment as the segmenter writes it: the magic, a format description, then transactions
// (sequence, commit time) of domain 0.
inline std::string segment_of(
    const std::vector<std::pair<std::uint64_t, std::uint32_t>>& transactions) {
  std::string bytes = std::string(kBinlogMagic) + format_description();
  for (auto [sequence, time] : transactions) bytes += row_transaction(sequence, time);
  return bytes;
}

}  // namespace mdbop::binlog_test
