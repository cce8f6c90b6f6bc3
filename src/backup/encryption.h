// Client-side encryption stages of the backup pipeline: AES-256-GCM in authenticated chunks,
// so a backup leaves mdbop encrypted and a restore passes on only bytes that were verified.
//
// Key material is a Secret's value taken as raw bytes, at least 16 of them, stretched with
// scrypt, so that a memorable phrase is costly to guess from a stolen artifact (random bytes
// such as 32 from `openssl rand -base64 32` remain the better key).
//
// Stored format, version 2 (all integers big-endian):
//
//   header, 43 bytes:
//     "MDBOPAE2"   8 bytes: magic; the trailing 2 is the format version
//     salt        16 bytes: random, fresh for every artifact
//     key check   16 bytes: bytes 32..47 of the scrypt output below
//     log2 N       1 byte:  scrypt's cost N = 2^this (written: 14)
//     r            1 byte:  scrypt's block size (written: 8)
//     p            1 byte:  scrypt's parallelism (written: 1)
//   chunks, numbered from 0, each:
//     word         4 bytes: bit 31 set on the final chunk, bits 0..30 the plaintext length
//                           (at most 1 MiB)
//     ciphertext   that many bytes
//     tag         16 bytes: the GCM tag
//
// scrypt(secret, salt, N, r, p) yields 48 bytes: 0..31 are the AES-256-GCM key, 32..47 the key
// check, so a wrong key is recognised from the header before any data is decrypted. The
// parameters are read from the header (so they can grow) but refused above 128*N*r*p = 64 MiB,
// so a hostile header cannot make a reader spend unbounded memory or time; altered ones give
// another key check and read as a wrong key. Chunk i is sealed with nonce = 4 zero bytes
// followed by i as 8 bytes (the key is new per artifact, so no nonce repeats under a key) and
// with its word as associated data. A reordered, altered or extra chunk fails authentication;
// a missing final chunk means truncation. The encryptor fills every chunk before the final one
// to 1 MiB; the final chunk holds the rest, possibly nothing. A damaged salt or key check
// cannot be told from a wrong key and is reported as one.
//
// Version 1 (written before scrypt, still read): a 40-byte header of "MDBOPAE1", salt and key
// check, no parameters; the 48 bytes come from HKDF-SHA256(key = secret, salt = salt,
// info = "mdbop MDBOPAE1 aes-256-gcm"). Its chunks are as above.
#pragma once

#include <cstddef>
#include <memory>
#include <string>

#include "util/byte_sink.h"
#include "util/result.h"

namespace mdbop {

// The header of what make_encryptor writes; a version 1 header is shorter (40 bytes).
inline constexpr size_t kEncryptionHeaderSize = 43;
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

}  // namespace mdbop
