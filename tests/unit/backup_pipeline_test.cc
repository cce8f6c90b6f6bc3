// The stages chained as a backup and a restore chain them, on a realistic amount of data.
// Timing is measured by the benchmarks, not here.
#include <gtest/gtest.h>

#include "backup/compression.h"
#include "backup/digest_sink.h"
#include "backup/encryption.h"
#include "stream_test_util.h"
#include "util/terminal_sinks.h"

namespace mdbop {
namespace {

TEST(BackupPipeline, RoundTrips64MiB) {
  const std::string secret = "backup pipeline test secret, 32b";
  std::string data = semi_compressible(64 << 20);
  NullSink nowhere;
  DigestSink original(nowhere);
  ASSERT_TRUE(pump(original, data, Split::kWhole));

  // mariadb-backup's stdout -> zstd -> encryption -> digest -> storage.
  StringSink stored;
  DigestSink stored_digest(stored);
  auto encryptor = make_encryptor(secret, stored_digest);
  ASSERT_TRUE(encryptor) << encryptor.error().what();
  auto compressor = make_compressor(Compression::kZstd, **encryptor);
  auto backed_up = pump(*compressor, data, Split::kLarge);
  ASSERT_TRUE(backed_up) << backed_up.error().what();
  EXPECT_LT(stored.data().size(), data.size());
  EXPECT_EQ(stored_digest.bytes(), stored.data().size());

  // storage -> digest -> decryption -> zstd -> the restored files.
  DigestSink restored(nowhere);
  auto decompressor = make_decompressor(Compression::kZstd, restored);
  auto decryptor = make_decryptor(secret, *decompressor);
  ASSERT_TRUE(decryptor) << decryptor.error().what();
  DigestSink read_back(**decryptor);
  auto restored_ok = pump(read_back, stored.data(), Split::kLarge);
  ASSERT_TRUE(restored_ok) << restored_ok.error().what();
  EXPECT_EQ(read_back.hex_sha256(), stored_digest.hex_sha256());
  EXPECT_EQ(restored.bytes(), data.size());
  EXPECT_EQ(restored.hex_sha256(), original.hex_sha256());
}

}  // namespace
}  // namespace mdbop
