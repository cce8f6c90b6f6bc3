// Passwords mdbop generates (a MariaDB's root password when its Secret asks for one).
#pragma once

#include <cstddef>
#include <string>

#include "util/result.h"

namespace mdbop {

// Fills `out` with `size` random bytes; false when randomness is not available.
using RandomBytes = bool (*)(unsigned char* out, size_t size);

// OpenSSL's RAND_bytes.
bool openssl_random_bytes(unsigned char* out, size_t size);

// `length` characters of [A-Za-z0-9], each equally likely: a byte is used only below the
// largest multiple of 62 (so no character is favoured), others are drawn again. Fails when
// `random` does, never returning a weak password.
Result<std::string> random_password(size_t length, RandomBytes random = openssl_random_bytes);

}  // namespace mdbop
