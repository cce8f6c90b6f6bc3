#include "backup/compression.h"

#include <dirent.h>

#include <string>
#include <tuple>
#include <vector>

#include <gtest/gtest.h>

#include "stream_test_util.h"
#include "temp_dir_test.h"

#include "util/files.h"
#include "util/subprocess.h"
#include "util/terminal_sinks.h"

namespace mdbop {
namespace {

constexpr Compression kCodecs[] = {Compression::kZstd, Compression::kGzip, Compression::kBzip2};

Result<std::string> compress(Compression compression, std::string_view data,
                             Split split = Split::kWhole) {
  StringSink out;
  auto compressor = make_compressor(compression, out);
  if (auto done = pump(*compressor, data, split); !done) return tl::unexpected(done.error());
  return out.data();
}

Result<std::string> decompress(Compression compression, std::string_view data,
                               Split split = Split::kWhole) {
  StringSink out;
  auto decompressor = make_decompressor(compression, out);
  if (auto done = pump(*decompressor, data, split); !done) return tl::unexpected(done.error());
  if (!out.finished()) return fail("the decompressor did not finish its next stage");
  return out.data();
}

std::string truncated_message(Compression compression) {
  return std::string(compression_name(compression)) + " stream is truncated";
}

std::string corrupted_message(Compression compression) {
  return std::string(compression_name(compression)) + " stream is corrupted";
}

Result<SubprocessResult> run(std::vector<std::string> argv) {
  SubprocessOptions options;
  options.argv = std::move(argv);
  return run_process(options);
}

TEST(CompressionNames, ParseAndFormat) {
  for (Compression c :
       {Compression::kNone, Compression::kZstd, Compression::kGzip, Compression::kBzip2}) {
    auto parsed = parse_compression(compression_name(c));
    ASSERT_TRUE(parsed) << parsed.error().what();
    EXPECT_EQ(*parsed, c);
  }
  EXPECT_EQ(compression_suffix(Compression::kNone), "");
  EXPECT_EQ(compression_suffix(Compression::kZstd), ".zst");
  EXPECT_EQ(compression_suffix(Compression::kGzip), ".gz");
  EXPECT_EQ(compression_suffix(Compression::kBzip2), ".bz2");
  auto unknown = parse_compression("lz4");
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().message,
            "unknown compression \"lz4\" (expected none, zstd, gzip or bzip2)");
}

class CompressionRoundTrip
    : public ::testing::TestWithParam<std::tuple<Compression, Split, Split>> {};

TEST_P(CompressionRoundTrip, SurvivesAnyWriteBoundaries) {
  auto [compression, compress_split, decompress_split] = GetParam();
  // Single-byte writes are slow by nature; everything else crosses the 1 MiB buffers.
  bool bytewise = compress_split == Split::kSingleBytes || decompress_split == Split::kSingleBytes;
  std::string data = semi_compressible(bytewise ? (100 << 10) + 7 : (3 << 20) + 123);
  auto compressed = compress(compression, data, compress_split);
  ASSERT_TRUE(compressed) << compressed.error().what();
  if (compression != Compression::kNone) {
    EXPECT_LT(compressed->size(), data.size());
  }
  auto restored = decompress(compression, *compressed, decompress_split);
  ASSERT_TRUE(restored) << restored.error().what();
  EXPECT_TRUE(*restored == data);
}

INSTANTIATE_TEST_SUITE_P(
    All, CompressionRoundTrip,
    ::testing::Combine(
        ::testing::Values(Compression::kNone, Compression::kZstd, Compression::kGzip,
                          Compression::kBzip2),
        ::testing::Values(Split::kWhole, Split::kSingleBytes, Split::kSmall, Split::kLarge),
        ::testing::Values(Split::kWhole, Split::kSingleBytes, Split::kSmall, Split::kLarge)),
    [](const auto& info) {
      return std::string(compression_name(std::get<0>(info.param))) +
             split_name(std::get<1>(info.param)) + "Then" + split_name(std::get<2>(info.param));
    });

class CodecTest : public TempDirTest, public ::testing::WithParamInterface<Compression> {
 protected:
  Compression codec() const { return GetParam(); }
  // The command-line tool of the codec.
  std::string tool() const {
    return codec() == Compression::kZstd ? "zstd" : std::string(compression_name(codec()));
  }
  std::filesystem::path file(const std::string& name) const { return dir_ / name; }
};

TEST_P(CodecTest, EmptyInputRoundTrips) {
  auto compressed = compress(codec(), "");
  ASSERT_TRUE(compressed) << compressed.error().what();
  EXPECT_FALSE(compressed->empty());
  auto restored = decompress(codec(), *compressed);
  ASSERT_TRUE(restored) << restored.error().what();
  EXPECT_EQ(*restored, "");
}

TEST_P(CodecTest, NoInputIsTruncated) {
  auto restored = decompress(codec(), "");
  ASSERT_FALSE(restored);
  EXPECT_EQ(restored.error().message, truncated_message(codec()));
}

TEST_P(CodecTest, RefusesTruncatedInput) {
  std::string data = semi_compressible(2 << 20);
  auto compressed = compress(codec(), data);
  ASSERT_TRUE(compressed) << compressed.error().what();
  for (size_t keep : {size_t{10}, compressed->size() / 2, compressed->size() - 1}) {
    auto restored = decompress(codec(), compressed->substr(0, keep), Split::kSmall);
    ASSERT_FALSE(restored) << "kept " << keep;
    EXPECT_EQ(restored.error().message, truncated_message(codec())) << "kept " << keep;
  }
}

TEST_P(CodecTest, RefusesCorruptedInput) {
  std::string data = semi_compressible(2 << 20);
  auto compressed = compress(codec(), data);
  ASSERT_TRUE(compressed) << compressed.error().what();
  for (size_t at : {compressed->size() / 3, compressed->size() / 2, compressed->size() - 5}) {
    std::string damaged = *compressed;
    damaged[at] = static_cast<char>(damaged[at] ^ 0x5a);
    auto restored = decompress(codec(), damaged, Split::kLarge);
    ASSERT_FALSE(restored) << "flipped byte " << at;
    EXPECT_EQ(restored.error().message.rfind(corrupted_message(codec()), 0), 0u)
        << restored.error().message;
  }
}

TEST_P(CodecTest, RefusesForeignData) {
  auto restored = decompress(codec(), "this is not compressed at all, just text");
  ASSERT_FALSE(restored);
  EXPECT_EQ(restored.error().message.rfind(corrupted_message(codec()), 0), 0u)
      << restored.error().message;
}

TEST_P(CodecTest, ReadsConcatenatedStreams) {
  auto first = compress(codec(), "first part, ");
  auto second = compress(codec(), "second part");
  ASSERT_TRUE(first && second);
  auto restored = decompress(codec(), *first + *second, Split::kSingleBytes);
  ASSERT_TRUE(restored) << restored.error().what();
  EXPECT_EQ(*restored, "first part, second part");
}

TEST_P(CodecTest, CommandLineToolReadsOurOutput) {
  std::string data = semi_compressible((2 << 20) + 11);
  auto compressed = compress(codec(), data, Split::kSmall);
  ASSERT_TRUE(compressed) << compressed.error().what();
  std::string name = "data" + std::string(compression_suffix(codec()));
  ASSERT_TRUE(write_file_atomic(file(name), *compressed));
  auto result = run({tool(), "-d", "-q", "-k", "-f", file(name).string()});
  ASSERT_TRUE(result) << result.error().what();
  ASSERT_TRUE(result->ok()) << result->describe();
  auto restored = read_file(file("data"));
  ASSERT_TRUE(restored) << restored.error().what();
  EXPECT_TRUE(*restored == data);
}

TEST_P(CodecTest, ReadsCommandLineToolOutput) {
  std::string data = semi_compressible((2 << 20) + 11);
  ASSERT_TRUE(write_file_atomic(file("data"), data));
  std::vector<std::string> argv{tool(), "-q", "-k", "-f", file("data").string()};
  if (codec() == Compression::kZstd) argv.insert(argv.begin() + 1, "-T2");
  auto result = run(argv);
  ASSERT_TRUE(result) << result.error().what();
  ASSERT_TRUE(result->ok()) << result->describe();
  auto compressed = read_file(file("data" + std::string(compression_suffix(codec()))));
  ASSERT_TRUE(compressed) << compressed.error().what();
  auto restored = decompress(codec(), *compressed, Split::kSmall);
  ASSERT_TRUE(restored) << restored.error().what();
  EXPECT_TRUE(*restored == data);
}

INSTANTIATE_TEST_SUITE_P(All, CodecTest, ::testing::ValuesIn(kCodecs), [](const auto& info) {
  return std::string(compression_name(info.param));
});

size_t thread_count() {
  size_t count = 0;
  DIR* tasks = opendir("/proc/self/task");
  while (dirent* entry = readdir(tasks)) count += entry->d_name[0] != '.';
  closedir(tasks);
  return count;
}

TEST(ZstdCompressor, CompressesOnWorkerThreads) {
  size_t before = thread_count();
  NullSink out;
  auto compressor = make_compressor(Compression::kZstd, out, 2);
  std::string data = semi_compressible(16 << 20);
  ASSERT_TRUE(compressor->write(data));
  EXPECT_EQ(thread_count(), before + 2);
  ASSERT_TRUE(compressor->finish());
}

TEST(ZstdCompressor, ZeroThreadsCompressesInTheCaller) {
  size_t before = thread_count();
  StringSink out;
  auto compressor = make_compressor(Compression::kZstd, out, 0);
  std::string data = semi_compressible(4 << 20);
  ASSERT_TRUE(pump(*compressor, data, Split::kLarge));
  EXPECT_EQ(thread_count(), before);
  auto restored = decompress(Compression::kZstd, out.data());
  ASSERT_TRUE(restored) << restored.error().what();
  EXPECT_TRUE(*restored == data);
}

}  // namespace
}  // namespace mdbop
