#include "util/random_password.h"

#include <openssl/rand.h>

#include <array>
#include <climits>
#include <string_view>

namespace mdbop {

namespace {

constexpr std::string_view kAlphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
// Bytes at or above this would favour the first 256 % 62 characters.
constexpr unsigned kUnbiasedLimit = 256 / kAlphabet.size() * kAlphabet.size();

}  // namespace

bool openssl_random_bytes(unsigned char* out, size_t size) {
  return size <= INT_MAX && RAND_bytes(out, static_cast<int>(size)) == 1;
}

Result<std::string> random_password(size_t length, RandomBytes random) {
  std::string password;
  std::array<unsigned char, 64> bytes;
  while (password.size() < length) {
    if (!random(bytes.data(), bytes.size())) {
      return fail("no random bytes for a password (OpenSSL's RAND_bytes failed)");
    }
    for (unsigned char byte : bytes) {
      if (byte < kUnbiasedLimit && password.size() < length) {
        password += kAlphabet[byte % kAlphabet.size()];
      }
    }
  }
  return password;
}

}  // namespace mdbop
