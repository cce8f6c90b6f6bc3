#include "backup/xbstream_sniffer.h"

#include <algorithm>

namespace mdbop {
namespace {

constexpr std::string_view kMagic = "XBSTCK01";
constexpr size_t kChunkHeaderSize = 14;    // magic, flags, type, path length
constexpr size_t kPayloadHeaderSize = 20;  // length, offset, checksum
constexpr size_t kMaxCapture = 64 * 1024;
constexpr size_t kMaxPath = 4096;

}  // namespace

XbstreamSniffer::XbstreamSniffer(ByteSink& next, std::set<std::string> wanted)
    : next_(next), wanted_(std::move(wanted)) {}

Result<void> XbstreamSniffer::write(std::string_view bytes) {
  parse(bytes);
  return next_.write(bytes);
}

Result<void> XbstreamSniffer::finish() { return next_.finish(); }

std::uint64_t XbstreamSniffer::little_endian(size_t offset, size_t width) const {
  std::uint64_t value = 0;
  for (size_t i = 0; i < width; ++i) {
    value |= static_cast<std::uint64_t>(static_cast<unsigned char>(field_[offset + i])) << (8 * i);
  }
  return value;
}

void XbstreamSniffer::parse(std::string_view bytes) {
  while (!bytes.empty() && state_ != State::kGaveUp) {
    if (state_ == State::kPayload) {
      const size_t take = static_cast<size_t>(std::min<std::uint64_t>(payload_left_, bytes.size()));
      if (wanted_.count(path_)) {
        std::string& file = files_[path_];
        file.append(
            bytes.substr(0, std::min(take, kMaxCapture - std::min(kMaxCapture, file.size()))));
      }
      bytes.remove_prefix(take);
      payload_left_ -= take;
      if (payload_left_ == 0) {
        state_ = State::kHeader;
        field_size_ = kChunkHeaderSize;
      }
      continue;
    }
    const size_t take = std::min(field_size_ - field_.size(), bytes.size());
    field_.append(bytes.substr(0, take));
    bytes.remove_prefix(take);
    if (field_.size() < field_size_) return;

    if (state_ == State::kHeader) {
      // An unknown layout (a future format) only ends the sniffing; the bytes still flow.
      if (std::string_view(field_).substr(0, kMagic.size()) != kMagic) {
        state_ = State::kGaveUp;
        return;
      }
      chunk_type_ = field_[9];
      const std::uint64_t path_size = little_endian(10, 4);
      if (path_size == 0 || path_size > kMaxPath) {
        state_ = State::kGaveUp;
        return;
      }
      state_ = State::kPath;
      field_size_ = static_cast<size_t>(path_size);
    } else if (state_ == State::kPath) {
      path_ = field_;
      if (chunk_type_ == 'P') {
        state_ = State::kPayloadHeader;
        field_size_ = kPayloadHeaderSize;
      } else if (chunk_type_ == 'E') {
        state_ = State::kHeader;
        field_size_ = kChunkHeaderSize;
      } else {
        state_ = State::kGaveUp;
        return;
      }
    } else {  // kPayloadHeader
      payload_left_ = little_endian(0, 8);
      state_ = payload_left_ == 0 ? State::kHeader : State::kPayload;
      field_size_ = kChunkHeaderSize;
    }
    field_.clear();
  }
}

}  // namespace mdbop
