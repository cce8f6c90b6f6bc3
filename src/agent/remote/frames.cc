#include "agent/remote/frames.h"

#include <fmt/format.h>

namespace mdbop {

namespace {

bool known_kind(char kind) {
  switch (static_cast<FrameKind>(kind)) {
    case FrameKind::kParameters:
    case FrameKind::kData:
    case FrameKind::kEnd:
    case FrameKind::kEvent:
    case FrameKind::kHeartbeat:
    case FrameKind::kResult:
      return true;
  }
  return false;
}

}  // namespace

std::string encode_frame(FrameKind kind, std::string_view payload) {
  const auto length = static_cast<std::uint32_t>(payload.size());
  std::string frame;
  frame.reserve(5 + payload.size());
  frame.push_back(static_cast<char>(kind));
  for (int shift = 24; shift >= 0; shift -= 8) {
    frame.push_back(static_cast<char>((length >> shift) & 0xff));
  }
  frame.append(payload);
  return frame;
}

Result<std::optional<Frame>> FrameReader::next() {
  const std::size_t available = buffer_.size() - consumed_;
  if (available < 5) return std::nullopt;
  const char* header = buffer_.data() + consumed_;
  if (!known_kind(header[0])) {
    return fail(ErrorCode::kCorrupt,
                fmt::format("the agent protocol's frame kind {:#04x} is unknown",
                            static_cast<unsigned char>(header[0])));
  }
  std::uint32_t length = 0;
  for (int i = 1; i <= 4; ++i) length = (length << 8) | static_cast<unsigned char>(header[i]);
  if (length > kMaxFramePayload) {
    return fail(ErrorCode::kCorrupt,
                fmt::format("an agent protocol frame of {} bytes is over the {} allowed", length,
                            kMaxFramePayload));
  }
  if (available - 5 < length) return std::nullopt;
  Frame frame{static_cast<FrameKind>(header[0]), buffer_.substr(consumed_ + 5, length)};
  consumed_ += 5 + length;
  // Keep memory to about one frame: drop what was returned once it is most of the buffer.
  if (consumed_ > buffer_.size() / 2) {
    buffer_.erase(0, consumed_);
    consumed_ = 0;
  }
  return frame;
}

}  // namespace mdbop
