// The framing of every body between the operator and a node's agent (agent_server.h): a
// sequence of frames, each a kind byte, a 4-byte big-endian length and that many bytes. One
// framing serves calls (a parameters frame in, heartbeats then a result frame out), streams out
// (data or binary-log events before the result) and streams in (data frames, then an end frame),
// so that a silent peer is told from a slow call by the heartbeats, and a cut stream from a
// finished one by its last frame.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "util/result.h"

namespace mdbop {

enum class FrameKind : char {
  kParameters = 'P',  // in: the call's JSON parameters, the first frame of every request
  kData = 'D',        // bytes of a stream, in or out
  kEnd = 'F',         // in: the stream is complete (without it, it was cut)
  kEvent = 'E',       // out: one binary-log event (a flag byte, then the event's bytes)
  kHeartbeat = 'H',   // out: the call is still running
  kResult = 'R',      // out: the call's JSON result, the last frame of every response
};

struct Frame {
  FrameKind kind = FrameKind::kData;
  std::string payload;
};

// The largest payload a reader accepts: a binary-log event can be as large as the server's
// max_allowed_packet (at most 1 GiB); anything larger is a broken or hostile peer.
inline constexpr std::uint32_t kMaxFramePayload = (1u << 30) + 4096;

std::string encode_frame(FrameKind kind, std::string_view payload);

// Splits the bytes of a body into frames as they arrive. It holds at most one frame's bytes.
class FrameReader {
 public:
  void feed(std::string_view bytes) { buffer_.append(bytes); }
  // The next complete frame, nullopt until one is; kCorrupt for an unknown kind or a length
  // over kMaxFramePayload (the stream cannot be read further).
  Result<std::optional<Frame>> next();
  // Bytes fed but not yet returned in a frame (a body that ends with some was cut).
  bool has_partial_frame() const { return consumed_ < buffer_.size(); }

 private:
  std::string buffer_;
  std::size_t consumed_ = 0;
};

}  // namespace mdbop
