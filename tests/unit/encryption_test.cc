#include "backup/encryption.h"

#include <string>
#include <tuple>

#include <gtest/gtest.h>

#include "stream_test_util.h"

#include "util/terminal_sinks.h"

namespace mdbop {
namespace {

const std::string kSecret = "0123456789abcdef0123456789abcdef";
constexpr size_t kChunk = size_t{1} << 20;
constexpr size_t kChunkOverhead = 4 + 16;  // word and tag

Result<std::string> encrypt(std::string_view data, Split split = Split::kWhole,
                            const std::string& secret = kSecret) {
  StringSink out;
  auto encryptor = make_encryptor(secret, out);
  if (!encryptor) return tl::unexpected(encryptor.error());
  if (auto done = pump(**encryptor, data, split); !done) return tl::unexpected(done.error());
  return out.data();
}

// The plaintext, or the failure; `passed_on` gets whatever reached the next stage.
Result<std::string> decrypt(std::string_view data, Split split = Split::kWhole,
                            const std::string& secret = kSecret, std::string* passed_on = nullptr) {
  StringSink out;
  auto decryptor = make_decryptor(secret, out);
  if (!decryptor) return tl::unexpected(decryptor.error());
  auto done = pump(**decryptor, data, split);
  if (passed_on != nullptr) *passed_on = out.data();
  if (!done) return tl::unexpected(done.error());
  return out.data();
}

std::string from_hex(std::string_view hex) {
  std::string bytes;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) {
    bytes += static_cast<char>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16));
  }
  return bytes;
}

// Where chunk `index` (word, ciphertext, tag) starts, for every chunk before it full.
size_t chunk_offset(size_t index) {
  return kEncryptionHeaderSize + index * (kChunk + kChunkOverhead);
}

class EncryptionRoundTrip : public ::testing::TestWithParam<std::tuple<size_t, Split>> {};

TEST_P(EncryptionRoundTrip, RestoresThePlaintext) {
  auto [size, split] = GetParam();
  std::string data = semi_compressible(size, size);
  auto sealed = encrypt(data, split);
  ASSERT_TRUE(sealed) << sealed.error().what();
  size_t chunks = size / kChunk + 1;  // full chunks, then the final one (maybe empty)
  EXPECT_EQ(sealed->size(), kEncryptionHeaderSize + size + chunks * kChunkOverhead);
  EXPECT_EQ(sealed->substr(0, 8), "MDBOPAE2");
  auto opened = decrypt(*sealed, split);
  ASSERT_TRUE(opened) << opened.error().what();
  EXPECT_TRUE(*opened == data);
}

INSTANTIATE_TEST_SUITE_P(
    All, EncryptionRoundTrip,
    ::testing::Combine(::testing::Values(size_t{0}, size_t{1}, size_t{1000}, kChunk - 1, kChunk,
                                         kChunk + 1, 3 * kChunk + 5),
                       ::testing::Values(Split::kWhole, Split::kSmall, Split::kLarge)),
    [](const auto& info) {
      return "Size" + std::to_string(std::get<0>(info.param)) + split_name(std::get<1>(info.param));
    });

TEST(Encryption, SingleByteWrites) {
  std::string data = semi_compressible(70000);
  auto sealed = encrypt(data, Split::kSingleBytes);
  ASSERT_TRUE(sealed) << sealed.error().what();
  auto opened = decrypt(*sealed, Split::kSingleBytes);
  ASSERT_TRUE(opened) << opened.error().what();
  EXPECT_TRUE(*opened == data);
}

TEST(Encryption, RefusesShortSecret) {
  StringSink out;
  auto encryptor = make_encryptor("fifteen bytes!!", out);
  ASSERT_FALSE(encryptor);
  EXPECT_EQ(encryptor.error().message, "encryption key must be at least 16 bytes, got 15");
  EXPECT_FALSE(make_decryptor("short", out));
  EXPECT_TRUE(make_encryptor("sixteen bytes!!!", out));
}

TEST(Encryption, WrongKeyIsReportedBeforeAnyData) {
  auto sealed = encrypt(semi_compressible(3 * kChunk));
  ASSERT_TRUE(sealed);
  std::string passed_on;
  auto opened = decrypt(*sealed, Split::kSmall, kSecret + "x", &passed_on);
  ASSERT_FALSE(opened);
  EXPECT_EQ(opened.error().message, "wrong encryption key");
  EXPECT_TRUE(passed_on.empty());
}

TEST(Encryption, DamagedHeader) {
  auto sealed = encrypt("payload");
  ASSERT_TRUE(sealed);
  for (size_t at : {size_t{3}, size_t{8}, size_t{30}}) {
    std::string damaged = *sealed;
    damaged[at] = static_cast<char>(damaged[at] ^ 1);
    auto opened = decrypt(damaged);
    ASSERT_FALSE(opened);
    // A damaged salt or key check cannot be told from a wrong key (see encryption.h).
    EXPECT_EQ(opened.error().message,
              at < 8 ? "not mdbop encrypted data (bad magic)" : "wrong encryption key");
  }
}

TEST(Encryption, FlippedByteInAnyChunkIsCorruption) {
  std::string data = semi_compressible(2 * kChunk + 100);
  auto sealed = encrypt(data);
  ASSERT_TRUE(sealed);
  for (size_t chunk : {0, 1, 2}) {
    // The word's length bits (too long for a chunk but the final one), the ciphertext's
    // first and last bytes, and the tag.
    size_t start = chunk_offset(chunk);
    size_t length = chunk < 2 ? kChunk : 100;
    for (size_t at : {start + 3, start + 4, start + 4 + length - 1, start + 4 + length + 7}) {
      std::string damaged = *sealed;
      damaged[at] = static_cast<char>(damaged[at] ^ 0x04);
      std::string passed_on;
      auto opened = decrypt(damaged, Split::kSmall, kSecret, &passed_on);
      ASSERT_FALSE(opened) << "flipped byte " << at;
      std::string expected =
          at == start + 3 && chunk < 2
              ? "encrypted data is corrupted (bad length at chunk " + std::to_string(chunk) + ")"
              : "encrypted data is corrupted (authentication failed at chunk " +
                    std::to_string(chunk) + ")";
      EXPECT_EQ(opened.error().message, expected) << "flipped byte " << at;
      // Only authenticated chunks were passed on.
      EXPECT_EQ(passed_on.size(), chunk * kChunk);
    }
  }
}

TEST(Encryption, FinalFlagIsAuthenticated) {
  auto sealed = encrypt(semi_compressible(kChunk + 10));
  ASSERT_TRUE(sealed);
  std::string damaged = *sealed;
  // Marks chunk 0 final: its authentication must fail rather than end the stream early.
  damaged[chunk_offset(0)] = static_cast<char>(damaged[chunk_offset(0)] ^ 0x80);
  auto opened = decrypt(damaged);
  ASSERT_FALSE(opened);
  EXPECT_EQ(opened.error().message,
            "encrypted data is corrupted (authentication failed at chunk 0)");
}

TEST(Encryption, ReorderedChunksAreCorruption) {
  auto sealed = encrypt(semi_compressible(3 * kChunk + 10));
  ASSERT_TRUE(sealed);
  size_t chunk_size = kChunk + kChunkOverhead;
  std::string reordered =
      sealed->substr(0, chunk_offset(0)) + sealed->substr(chunk_offset(1), chunk_size) +
      sealed->substr(chunk_offset(0), chunk_size) + sealed->substr(chunk_offset(2));
  ASSERT_EQ(reordered.size(), sealed->size());
  auto opened = decrypt(reordered);
  ASSERT_FALSE(opened);
  EXPECT_EQ(opened.error().message,
            "encrypted data is corrupted (authentication failed at chunk 0)");
}

TEST(Encryption, TruncationIsDetected) {
  auto sealed = encrypt(semi_compressible(3 * kChunk + 10));
  ASSERT_TRUE(sealed);
  // Nothing, inside the header, at the header's end, at chunk boundaries, inside a chunk,
  // and one byte short of the end.
  for (size_t keep : {size_t{0}, size_t{20}, chunk_offset(0), chunk_offset(1), chunk_offset(3),
                      chunk_offset(2) + 1000, sealed->size() - 1}) {
    auto opened = decrypt(sealed->substr(0, keep), Split::kLarge);
    ASSERT_FALSE(opened) << "kept " << keep;
    EXPECT_EQ(opened.error().message, "encrypted data is truncated") << "kept " << keep;
  }
}

TEST(Encryption, DataAfterTheFinalChunkIsCorruption) {
  auto sealed = encrypt("payload");
  ASSERT_TRUE(sealed);
  auto opened = decrypt(*sealed + "x");
  ASSERT_FALSE(opened);
  EXPECT_EQ(opened.error().message, "encrypted data is corrupted (data after the final chunk)");
}

TEST(Encryption, ForeignDataIsRefusedAtOnce) {
  StringSink out;
  auto decryptor = make_decryptor(kSecret, out);
  ASSERT_TRUE(decryptor);
  auto written = (*decryptor)->write("MDBX");
  ASSERT_FALSE(written);
  EXPECT_EQ(written.error().message, "not mdbop encrypted data (bad magic)");
}

// Made by mdbop before scrypt (format version 1, HKDF) with kSecret: artifacts written then
// stay readable.
TEST(Encryption, ReadsVersion1Artifacts) {
  const std::string artifact = from_hex(
      "4d44424f50414531e526f2593955dce7b5f31cb2b68ca3bed37678c5c68b31575558a18d22cf96c4"
      "80000031c3ded94b51ba0c6402197eab798f1aa706d6f87110ac08c2f4243963762c310f1c513301"
      "154ecb454979da9d6d23dfd606e52a5b44208643d07059d2205c7dea70");
  const std::string plaintext = "written by mdbop before scrypt (format MDBOPAE1)\n";
  for (Split split : {Split::kWhole, Split::kSingleBytes}) {
    auto opened = decrypt(artifact, split);
    ASSERT_TRUE(opened) << opened.error().what();
    EXPECT_EQ(*opened, plaintext);
  }
  auto wrong = decrypt(artifact, Split::kWhole, kSecret + "x");
  ASSERT_FALSE(wrong);
  EXPECT_EQ(wrong.error().message, "wrong encryption key");
}

TEST(Encryption, HeaderStoresScryptParameters) {
  auto sealed = encrypt("payload");
  ASSERT_TRUE(sealed);
  EXPECT_EQ(sealed->substr(40, 3), std::string("\x0e\x08\x01", 3));  // N = 2^14, r = 8, p = 1
}

TEST(Encryption, AlteredScryptParametersReadAsWrongKey) {
  auto sealed = encrypt("payload");
  ASSERT_TRUE(sealed);
  for (size_t at : {size_t{40}, size_t{41}, size_t{42}}) {
    std::string damaged = *sealed;
    damaged[at] = static_cast<char>(damaged[at] + 1);
    auto opened = decrypt(damaged);
    ASSERT_FALSE(opened) << "byte " << at;
    EXPECT_EQ(opened.error().message, "wrong encryption key") << "byte " << at;
  }
}

TEST(Encryption, HostileScryptParametersAreRefusedUnread) {
  auto sealed = encrypt("payload");
  ASSERT_TRUE(sealed);
  // N = 2^40; r = 255 (2 GiB at N = 2^16); p = 255 with N = 2^14, r = 8 (4 GiB of work);
  // and zeros, which scrypt cannot take.
  for (std::string params :
       {std::string("\x28\x08\x01"), std::string("\x10\xff\x01"), std::string("\x0e\x08\xff"),
        std::string("\x00\x08\x01", 3), std::string("\x0e\x00\x01", 3)}) {
    std::string hostile = sealed->substr(0, 40) + params + sealed->substr(43);
    auto opened = decrypt(hostile);
    ASSERT_FALSE(opened);
    EXPECT_NE(opened.error().message.find("scrypt parameters"), std::string::npos)
        << opened.error().message;
  }
}

TEST(Encryption, SameDataEncryptsDifferently) {
  std::string data = semi_compressible(5000);
  auto first = encrypt(data);
  auto second = encrypt(data);
  ASSERT_TRUE(first && second);
  EXPECT_NE(first->substr(8, 16), second->substr(8, 16));  // the salts
  EXPECT_NE(first->substr(kEncryptionHeaderSize), second->substr(kEncryptionHeaderSize));
}

TEST(Encryption, CiphertextHidesThePlaintext) {
  const std::string marker = "mdbop known plaintext marker";
  std::string data;
  while (data.size() < 3 * kChunk) data += marker;
  auto sealed = encrypt(data);
  ASSERT_TRUE(sealed);
  EXPECT_EQ(sealed->find(marker), std::string::npos);
  EXPECT_EQ(sealed->find(marker.substr(0, 8)), std::string::npos);
}

}  // namespace
}  // namespace mdbop
