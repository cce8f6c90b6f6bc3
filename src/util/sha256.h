// SHA-256 and HMAC-SHA256 (OpenSSL), for content hashes and request signing.
#pragma once

#include <string>
#include <string_view>

namespace mdbop {

// The digest as 32 raw bytes.
std::string sha256(std::string_view bytes);
// The digest as 64 lower-case hex digits.
std::string sha256_hex(std::string_view bytes);
// HMAC-SHA256 of `message` under `key`, as 32 raw bytes.
std::string hmac_sha256(std::string_view key, std::string_view message);
// Lower-case hex of raw bytes.
std::string hex_encode(std::string_view bytes);

}  // namespace mdbop
