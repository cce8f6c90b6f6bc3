#include "api/printable.h"

#include <cstdint>
#include <cstdio>

namespace mdbop {
namespace {

// The code point of the UTF-8 sequence starting at text[i] and its length; nullopt for a byte
// that does not start a well-formed sequence (overlong forms, surrogates and values past
// U+10FFFF included).
struct Decoded {
  char32_t code_point;
  size_t length;
};
std::optional<Decoded> decode_at(std::string_view text, size_t i) {
  const auto byte = [&](size_t k) { return static_cast<unsigned char>(text[i + k]); };
  const unsigned char lead = byte(0);
  if (lead < 0x80) return Decoded{lead, 1};
  size_t length = 0;
  char32_t value = 0;
  char32_t smallest = 0;
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2, value = lead & 0x1F, smallest = 0x80;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3, value = lead & 0x0F, smallest = 0x800;
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4, value = lead & 0x07, smallest = 0x10000;
  } else {
    return std::nullopt;
  }
  if (i + length > text.size()) return std::nullopt;
  for (size_t k = 1; k < length; ++k) {
    if ((byte(k) & 0xC0) != 0x80) return std::nullopt;
    value = (value << 6) | (byte(k) & 0x3F);
  }
  if (value < smallest || value > 0x10FFFF || (value >= 0xD800 && value <= 0xDFFF)) {
    return std::nullopt;
  }
  return Decoded{value, length};
}

bool is_control(char32_t c) { return c < 0x20 || (c >= 0x7F && c <= 0x9F); }

std::string hex(unsigned value, int digits) {
  char buffer[16];
  std::snprintf(buffer, sizeof buffer, "%0*X", digits, value);
  return buffer;
}

}  // namespace

std::optional<UnprintableAt> find_unprintable(std::string_view text) {
  TextPosition at{1, 1};
  for (size_t i = 0; i < text.size();) {
    const auto decoded = decode_at(text, i);
    if (!decoded) {
      return UnprintableAt{at,
                           "invalid UTF-8 byte 0x" + hex(static_cast<unsigned char>(text[i]), 2)};
    }
    const char32_t c = decoded->code_point;
    if (is_control(c) && c != '\t' && c != '\n' && c != '\r' && c != 0x85) {
      return UnprintableAt{at, "control character U+" + hex(c, 4)};
    }
    if (c == '\n') {
      at = {at.line + 1, 1};
    } else {
      ++at.column;
    }
    i += decoded->length;
  }
  return std::nullopt;
}

std::string printable(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size();) {
    const auto decoded = decode_at(text, i);
    if (!decoded) {
      out += "\\x" + hex(static_cast<unsigned char>(text[i]), 2);
      ++i;
      continue;
    }
    const char32_t c = decoded->code_point;
    if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c < 0x20 || c == 0x7F) {
      out += "\\x" + hex(c, 2);
    } else if (is_control(c)) {
      out += "\\u" + hex(c, 4);
    } else {
      out.append(text.substr(i, decoded->length));
    }
    i += decoded->length;
  }
  return out;
}

}  // namespace mdbop
