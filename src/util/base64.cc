#include "util/base64.h"

#include <openssl/evp.h>

#include <cstdint>

namespace mdbop {

namespace {

// The value of a character of the standard alphabet; -1 for any other.
int sextet(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

}  // namespace

std::string base64_encode(const std::string& bytes) {
  std::string encoded(4 * ((bytes.size() + 2) / 3) + 1, '\0');
  int length = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(encoded.data()),
                               reinterpret_cast<const unsigned char*>(bytes.data()),
                               static_cast<int>(bytes.size()));
  encoded.resize(static_cast<size_t>(length));
  return encoded;
}

// OpenSSL's decoders are looser (EVP_DecodeBlock turns "====" into NUL bytes), hence this one.
Result<std::string> base64_decode(std::string_view text) {
  std::string symbols;
  for (char c : text) {
    if (c != '\r' && c != '\n') symbols += c;
  }
  if (symbols.size() % 4 != 0) return fail("not valid base64");
  std::string decoded;
  decoded.reserve(symbols.size() / 4 * 3);
  for (size_t at = 0; at < symbols.size(); at += 4) {
    uint32_t group = 0;
    size_t count = 0;  // characters of the alphabet in this group: 2, 3 or 4
    for (; count < 4; ++count) {
      const char c = symbols[at + count];
      if (c == '=') {
        // Padding ends the last group, after at least 2 characters, and runs to its end.
        const bool last = at + 4 == symbols.size();
        if (!last || count < 2 || (count == 2 && symbols[at + 3] != '=')) {
          return fail("not valid base64");
        }
        break;
      }
      const int value = sextet(c);
      if (value < 0) return fail("not valid base64");
      group |= static_cast<uint32_t>(value) << (18 - 6 * count);
    }
    decoded += static_cast<char>(group >> 16);
    if (count > 2) decoded += static_cast<char>(group >> 8);
    if (count > 3) decoded += static_cast<char>(group);
  }
  return decoded;
}

}  // namespace mdbop
