#include "agent/remote/frames.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace mdbop {
namespace {

// Every complete frame the reader gives, failing the test on an error.
std::vector<Frame> drain(FrameReader& reader) {
  std::vector<Frame> frames;
  for (;;) {
    auto next = reader.next();
    EXPECT_TRUE(next) << next.error().message;
    if (!next || !*next) return frames;
    frames.push_back(std::move(**next));
  }
}

std::string header(char kind, std::uint32_t length) {
  std::string bytes(1, kind);
  for (int shift = 24; shift >= 0; shift -= 8) {
    bytes.push_back(static_cast<char>((length >> shift) & 0xff));
  }
  return bytes;
}

// Several frames of every kind, with empty, binary and large payloads.
std::vector<Frame> sample_frames() {
  std::string binary;
  for (int i = 0; i < 256; ++i) binary.push_back(static_cast<char>(i));
  std::string large(70000, 'x');
  for (std::size_t i = 0; i < large.size(); i += 97) large[i] = static_cast<char>(i);
  return {
      {FrameKind::kParameters, R"({"node":{"index":0}})"},
      {FrameKind::kHeartbeat, ""},
      {FrameKind::kData, binary},
      {FrameKind::kData, ""},
      {FrameKind::kEvent, std::string("\1") + binary},
      {FrameKind::kData, large},
      {FrameKind::kEnd, ""},
      {FrameKind::kResult, R"({"value":true})"},
  };
}

std::string encode_all(const std::vector<Frame>& frames) {
  std::string bytes;
  for (const Frame& frame : frames) bytes += encode_frame(frame.kind, frame.payload);
  return bytes;
}

void expect_same(const std::vector<Frame>& got, const std::vector<Frame>& want) {
  ASSERT_EQ(got.size(), want.size());
  for (std::size_t i = 0; i < want.size(); ++i) {
    EXPECT_EQ(got[i].kind, want[i].kind) << "frame " << i;
    EXPECT_EQ(got[i].payload, want[i].payload) << "frame " << i;
  }
}

TEST(AgentFrames, EncodingIsKindThenBigEndianLengthThenPayload) {
  EXPECT_EQ(encode_frame(FrameKind::kData, "abc"), std::string("D\0\0\0\3abc", 8));
  EXPECT_EQ(encode_frame(FrameKind::kHeartbeat, ""), std::string("H\0\0\0\0", 5));
  const std::string big(0x010203, 'z');
  const std::string frame = encode_frame(FrameKind::kResult, big);
  EXPECT_EQ(frame.substr(0, 5), std::string("R\0\1\2\3", 5));
  EXPECT_EQ(frame.size(), 5 + big.size());
}

TEST(AgentFrames, RoundTripAllAtOnce) {
  const std::vector<Frame> frames = sample_frames();
  FrameReader reader;
  reader.feed(encode_all(frames));
  expect_same(drain(reader), frames);
  EXPECT_FALSE(reader.has_partial_frame());
  auto after = reader.next();
  ASSERT_TRUE(after);
  EXPECT_FALSE(*after);
}

TEST(AgentFrames, RoundTripByteByByte) {
  const std::vector<Frame> frames = sample_frames();
  const std::string bytes = encode_all(frames);
  FrameReader reader;
  std::vector<Frame> got;
  for (char byte : bytes) {
    reader.feed(std::string_view(&byte, 1));
    for (Frame& frame : drain(reader)) got.push_back(std::move(frame));
  }
  expect_same(got, frames);
  EXPECT_FALSE(reader.has_partial_frame());
}

TEST(AgentFrames, RoundTripInUnevenPieces) {
  const std::vector<Frame> frames = sample_frames();
  const std::string bytes = encode_all(frames);
  FrameReader reader;
  std::vector<Frame> got;
  std::size_t at = 0;
  for (std::size_t piece = 1; at < bytes.size(); piece = piece * 3 + 1) {
    reader.feed(std::string_view(bytes).substr(at, piece));
    at += piece;
    for (Frame& frame : drain(reader)) got.push_back(std::move(frame));
  }
  expect_same(got, frames);
  EXPECT_FALSE(reader.has_partial_frame());
}

TEST(AgentFrames, PartialFrameYieldsNothingUntilComplete) {
  const std::string frame = encode_frame(FrameKind::kData, "0123456789");
  for (std::size_t cut = 1; cut < frame.size(); ++cut) {
    FrameReader reader;
    reader.feed(frame.substr(0, cut));
    auto next = reader.next();
    ASSERT_TRUE(next) << next.error().message;
    EXPECT_FALSE(*next) << "cut at " << cut;
    EXPECT_TRUE(reader.has_partial_frame()) << "cut at " << cut;
    reader.feed(frame.substr(cut));
    auto whole = reader.next();
    ASSERT_TRUE(whole);
    ASSERT_TRUE(*whole);
    EXPECT_EQ((*whole)->payload, "0123456789");
    EXPECT_FALSE(reader.has_partial_frame());
  }
}

TEST(AgentFrames, PartialFrameAfterCompleteOnes) {
  FrameReader reader;
  reader.feed(encode_frame(FrameKind::kHeartbeat, "") + encode_frame(FrameKind::kData, "ab") +
              encode_frame(FrameKind::kResult, "{}").substr(0, 6));
  auto frames = drain(reader);
  ASSERT_EQ(frames.size(), 2u);
  EXPECT_EQ(frames[1].payload, "ab");
  EXPECT_TRUE(reader.has_partial_frame());
}

TEST(AgentFrames, NothingFedIsNoPartialFrame) {
  FrameReader reader;
  EXPECT_FALSE(reader.has_partial_frame());
  auto next = reader.next();
  ASSERT_TRUE(next);
  EXPECT_FALSE(*next);
}

TEST(AgentFrames, EmptyPayloadFrames) {
  FrameReader reader;
  reader.feed(encode_frame(FrameKind::kEnd, "") + encode_frame(FrameKind::kData, "") +
              encode_frame(FrameKind::kHeartbeat, ""));
  auto frames = drain(reader);
  ASSERT_EQ(frames.size(), 3u);
  EXPECT_EQ(frames[0].kind, FrameKind::kEnd);
  EXPECT_EQ(frames[1].kind, FrameKind::kData);
  EXPECT_EQ(frames[2].kind, FrameKind::kHeartbeat);
  for (const Frame& frame : frames) EXPECT_TRUE(frame.payload.empty());
  EXPECT_FALSE(reader.has_partial_frame());
}

TEST(AgentFrames, UnknownKindIsCorrupt) {
  for (char kind : {'\0', 'X', 'p', 'd', '\xff'}) {
    FrameReader reader;
    reader.feed(header(kind, 2) + "ab");
    auto next = reader.next();
    ASSERT_FALSE(next) << "kind " << static_cast<int>(kind);
    EXPECT_EQ(next.error().code, ErrorCode::kCorrupt);
  }
}

TEST(AgentFrames, UnknownKindAfterAGoodFrameIsCorrupt) {
  FrameReader reader;
  reader.feed(encode_frame(FrameKind::kData, "ok") + header('Z', 0));
  auto first = reader.next();
  ASSERT_TRUE(first);
  ASSERT_TRUE(*first);
  EXPECT_EQ((*first)->payload, "ok");
  auto second = reader.next();
  ASSERT_FALSE(second);
  EXPECT_EQ(second.error().code, ErrorCode::kCorrupt);
}

TEST(AgentFrames, LengthOverTheLimitIsCorruptFromItsHeaderAlone) {
  // Only the 5 header bytes are fed: the reader must refuse without waiting for (or making
  // room for) the gigabyte announced.
  for (std::uint32_t length : {kMaxFramePayload + 1, 0xffffffffu}) {
    FrameReader reader;
    reader.feed(header('D', length));
    auto next = reader.next();
    ASSERT_FALSE(next) << length;
    EXPECT_EQ(next.error().code, ErrorCode::kCorrupt);
  }
}

TEST(AgentFrames, LengthAtTheLimitIsAwaited) {
  FrameReader reader;
  reader.feed(header('E', kMaxFramePayload) + "abc");
  auto next = reader.next();
  ASSERT_TRUE(next) << next.error().message;
  EXPECT_FALSE(*next);
  EXPECT_TRUE(reader.has_partial_frame());
}

TEST(AgentFrames, ManyFramesKeepWorkingAsTheBufferIsCompacted) {
  FrameReader reader;
  std::size_t seen = 0;
  for (int round = 0; round < 200; ++round) {
    const std::string payload(static_cast<std::size_t>(round * 13 % 500), static_cast<char>(round));
    const std::string frame = encode_frame(FrameKind::kData, payload);
    // Split each frame across two feeds, the second carrying the start of nothing else.
    reader.feed(frame.substr(0, frame.size() / 2));
    EXPECT_TRUE(drain(reader).empty()) << "round " << round;
    reader.feed(frame.substr(frame.size() / 2));
    auto frames = drain(reader);
    ASSERT_EQ(frames.size(), 1u);
    EXPECT_EQ(frames[0].payload, payload);
    ++seen;
  }
  EXPECT_EQ(seen, 200u);
  EXPECT_FALSE(reader.has_partial_frame());
}

}  // namespace
}  // namespace mdbop
