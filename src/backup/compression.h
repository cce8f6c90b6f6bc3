// Compression stages of the backup pipeline: zstd (libzstd), gzip (zlib) and bzip2 (libbz2)
// as ByteSinks, so a backup is compressed and a restore decompressed as the bytes flow.
#pragma once

#include <memory>
#include <string_view>

#include "util/byte_sink.h"
#include "util/result.h"

namespace mdbop {

enum class Compression { kNone, kZstd, kGzip, kBzip2 };

// zstd worker threads when the caller does not choose: as `zstd -T2`.
inline constexpr int kDefaultCompressionThreads = 2;

// "none", "zstd", "gzip", "bzip2".
Result<Compression> parse_compression(std::string_view name);
std::string_view compression_name(Compression compression);
// What a compressed object's name ends with: "", ".zst", ".gz", ".bz2".
std::string_view compression_suffix(Compression compression);

// A stage that compresses what it is given and writes the result to `next`, which it borrows:
// `next` must outlive it. kNone passes the bytes on untouched.
//  - zstd: level 3 with a content checksum, as `zstd` writes them, on `threads` worker threads
//    (ZSTD_c_nbWorkers, as `zstd -T<threads>`; 0 compresses in the caller's thread). If
//    libzstd cannot run that many workers, write() and finish() fail rather than silently
//    compress on one thread.
//  - gzip: level 6, the `gzip` default; single-threaded, `threads` is ignored.
//  - bzip2: 900k blocks, the `bzip2` default; single-threaded, `threads` is ignored.
// The output is what the command-line tools read (`zstd -dc`, `gzip -dc`, `bzip2 -dc`).
std::unique_ptr<ByteSink> make_compressor(Compression compression, ByteSink& next,
                                          int threads = kDefaultCompressionThreads);

// A stage that decompresses what it is given (cut anywhere) and writes the result to `next`,
// which it borrows. Reads what the command-line tools write, including concatenated
// frames/members/streams. Corrupt input fails write() or finish() with "<name> stream is
// corrupted: <detail>"; input that ends inside a frame, or no input at all, fails finish()
// with "<name> stream is truncated".
std::unique_ptr<ByteSink> make_decompressor(Compression compression, ByteSink& next);

}  // namespace mdbop
