// Inputs and write patterns for the tests of streaming stages (util/byte_sink.h).
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <random>
#include <string>
#include <string_view>

#include "util/byte_sink.h"

namespace mdbop {

// How a test cuts its input into write() calls: stages must not care.
enum class Split { kWhole, kSingleBytes, kSmall, kLarge };

inline const char* split_name(Split split) {
  switch (split) {
    case Split::kWhole:
      return "Whole";
    case Split::kSingleBytes:
      return "SingleBytes";
    case Split::kSmall:
      return "Small";
    case Split::kLarge:
      return "Large";
  }
  return "?";
}

// Writes `data` to `sink` in pieces cut as `split` says (random sizes, repeatable by seed),
// then finishes it. Returns the first failure.
inline Result<void> pump(ByteSink& sink, std::string_view data, Split split, uint32_t seed = 1) {
  std::mt19937 random(seed);
  auto piece_size = [&]() -> size_t {
    switch (split) {
      case Split::kWhole:
        return data.size();
      case Split::kSingleBytes:
        return 1;
      case Split::kSmall:
        return std::uniform_int_distribution<size_t>(1, 4099)(random);
      case Split::kLarge:
        return std::uniform_int_distribution<size_t>(1, 3 << 20)(random);
    }
    return data.size();
  };
  while (!data.empty()) {
    size_t size = std::min(piece_size(), data.size());
    if (auto written = sink.write(data.substr(0, size)); !written) return written;
    data.remove_prefix(size);
  }
  return sink.finish();
}

// Bytes that compress about as well as database pages: a third random, the rest repeats
// drawn from a small vocabulary.
inline std::string semi_compressible(size_t size, uint64_t seed = 42) {
  std::mt19937_64 random(seed);
  uint64_t vocabulary[64];
  for (auto& word : vocabulary) word = random();
  std::string data(size, '\0');
  for (size_t at = 0; at < size; at += 8) {
    uint64_t pick = random();
    uint64_t word = pick % 3 == 0 ? pick : vocabulary[(pick >> 8) % 64];
    std::memcpy(data.data() + at, &word, std::min<size_t>(8, size - at));
  }
  return data;
}

}  // namespace mdbop
