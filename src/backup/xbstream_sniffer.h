// XbstreamSniffer: a pass-through stage that reads the small metadata files mariadb-backup
// puts in its xbstream (xtrabackup_galera_info, mariadb_backup_info...) as they flow past,
// so that an artifact's manifest can record the backup's Galera position without unpacking.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>

#include "util/byte_sink.h"

namespace mdbop {

class XbstreamSniffer : public ByteSink {
 public:
  // Captures the files named in `wanted` (paths as in the stream), each up to 64 KiB.
  XbstreamSniffer(ByteSink& next, std::set<std::string> wanted);

  Result<void> write(std::string_view bytes) override;
  Result<void> finish() override;

  // The captured files by path. Complete once finish() succeeded.
  const std::map<std::string, std::string>& files() const { return files_; }

 private:
  // Chunk layout: "XBSTCK01", flags (1), type (1), path length (4, little endian), path;
  // payload chunks ('P') add payload length (8), offset (8), CRC-32 (4), then the payload.
  enum class State { kHeader, kPath, kPayloadHeader, kPayload, kGaveUp };

  void parse(std::string_view bytes);
  std::uint64_t little_endian(size_t offset, size_t width) const;

  ByteSink& next_;
  std::set<std::string> wanted_;
  std::map<std::string, std::string> files_;
  State state_ = State::kHeader;
  std::string field_;  // bytes of the header part being read
  size_t field_size_ = 14;
  char chunk_type_ = 0;
  std::string path_;
  std::uint64_t payload_left_ = 0;
};

}  // namespace mdbop
