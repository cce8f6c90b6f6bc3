// Client-side encryption stages of the backup pipeline: AES-256-GCM in authenticated chunks,
// so a backup leaves mdbop encrypted and a restore passes on only bytes that were verified.
//
// Key material is a Secret's value taken as raw bytes, at least 16 of them. It is expanded with
// HKDF, not stretched like a password: use random bytes (32 from `openssl rand -base64 32` are
// plenty), not a memorable phrase.
//
// Stored format, version 1 (all integers big-endian):
//
//   header, 40 bytes:
//     "MDBOPAE1"   8 bytes: magic; the trailing 1 is the format version
//     salt        16 bytes: random, fresh for every artifact
//     key check   16 bytes: bytes 32..47 of the HKDF output below
//   chunks, numbered from 0, each:
//     word         4 bytes: bit 31 set on the final chunk, bits 0..30 the plaintext length
//                           (at most 1 MiB)
//     ciphertext   that many bytes
//     tag         16 bytes: the GCM tag
//
// HKDF-SHA256(key = secret, salt = salt, info = "mdbop MDBOPAE1 aes-256-gcm") yields 48
// bytes: 0..31 are the AES-256-GCM key, 32..47 the key check, so a wrong key is recognised from
// the header before any data is decrypted. Chunk i is sealed with nonce = 4 zero bytes followed
// by i as 8 bytes (the key is new per artifact, so no nonce repeats under a key) and with its
// word as associated data. A reordered, altered or extra chunk fails authentication; a missing
// final chunk means truncation. The encryptor fills every chunk before the final one to 1 MiB;
// the final chunk holds the rest, possibly nothing. A damaged salt or key check cannot be told
// from a wrong key and is reported as one.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include "util/byte_sink.h"
#include "util/result.h"

namespace mdbop {

inline constexpr size_t kEncryptionHeaderSize = 40;
inline constexpr size_t kMinEncryptionSecretSize = 16;

// A stage that encrypts what it is given and writes the result to `next`, which it borrows.
// Fails when the secret is shorter than kMinEncryptionSecretSize.
Result<std::unique_ptr<ByteSink>> make_encryptor(const std::string& secret, ByteSink& next);

// A stage that decrypts what it is given (cut anywhere) and writes to `next`, which it borrows,
// only plaintext whose chunk authenticated. Its write() and finish() fail with
// "wrong encryption key", "encrypted data is corrupted (authentication failed at chunk N)"
// (or another reason in the parentheses), "encrypted data is truncated", or
// "not mdbop encrypted data (bad magic)".
Result<std::unique_ptr<ByteSink>> make_decryptor(const std::string& secret, ByteSink& next);

// Checks the secret against the first kEncryptionHeaderSize bytes of an encrypted artifact
// (more are ignored), without decrypting anything: a cheap check before a long restore.
// Fails as the decryptor would.
Result<void> check_encryption_key(const std::string& secret, std::string_view header);

}  // namespace mdbop
