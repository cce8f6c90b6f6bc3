#include "backup/compression.h"

#include <bzlib.h>
#include <zstd.h>
#include <zstd_errors.h>
#define ZLIB_CONST  // next_in is const: zlib only reads the caller's bytes
#include <zlib.h>

#include <algorithm>
#include <new>

#include <fmt/format.h>

namespace mdbop {

namespace {

// Big enough that each hand-off to the next stage carries real work.
constexpr size_t kBufferSize = size_t{1} << 20;
// zlib and libbz2 count input in unsigned int; longer writes are fed in pieces this size.
constexpr size_t kMaxPiece = size_t{1} << 30;

// What every stage has: the borrowed next stage and one output buffer it fills and hands on.
class Stage : public ByteSink {
 protected:
  explicit Stage(ByteSink& next)
      : next_(next), buffer_(std::make_unique_for_overwrite<char[]>(kBufferSize)) {}

  // Passes on the first `length` bytes of the buffer.
  Result<void> emit(size_t length) {
    if (length == 0) return {};
    return next_.write(std::string_view(buffer_.get(), length));
  }

  ByteSink& next_;
  std::unique_ptr<char[]> buffer_;
};

class PassThrough : public ByteSink {
 public:
  explicit PassThrough(ByteSink& next) : next_(next) {}
  Result<void> write(std::string_view bytes) override { return next_.write(bytes); }
  Result<void> finish() override { return next_.finish(); }

 private:
  ByteSink& next_;
};

struct ZstdCCtxFree {
  void operator()(ZSTD_CCtx* ctx) const { ZSTD_freeCCtx(ctx); }
};
struct ZstdDCtxFree {
  void operator()(ZSTD_DCtx* ctx) const { ZSTD_freeDCtx(ctx); }
};

class ZstdCompressor : public Stage {
 public:
  ZstdCompressor(ByteSink& next, int threads) : Stage(next), ctx_(ZSTD_createCCtx()) {
    if (!ctx_) throw std::bad_alloc();
    ZSTD_CCtx_setParameter(ctx_.get(), ZSTD_c_compressionLevel, 3);
    // A content checksum, as the zstd tool writes: damage inside a frame is then caught.
    ZSTD_CCtx_setParameter(ctx_.get(), ZSTD_c_checksumFlag, 1);
    size_t status = ZSTD_CCtx_setParameter(ctx_.get(), ZSTD_c_nbWorkers, threads);
    if (ZSTD_isError(status)) {
      setup_error_ = fmt::format("zstd cannot compress on {} worker threads: {}", threads,
                                 ZSTD_getErrorName(status));
    }
  }

  Result<void> write(std::string_view bytes) override {
    if (!setup_error_.empty()) return fail(setup_error_);
    ZSTD_inBuffer in{bytes.data(), bytes.size(), 0};
    while (in.pos < in.size) {
      auto remaining = step(in, ZSTD_e_continue);
      if (!remaining) return tl::unexpected(remaining.error());
    }
    return {};
  }

  Result<void> finish() override {
    if (!setup_error_.empty()) return fail(setup_error_);
    ZSTD_inBuffer in{nullptr, 0, 0};
    for (;;) {
      auto remaining = step(in, ZSTD_e_end);
      if (!remaining) return tl::unexpected(remaining.error());
      if (*remaining == 0) break;
    }
    return next_.finish();
  }

 private:
  // One call into libzstd with an empty output buffer; passes on what it produced and
  // returns libzstd's count of bytes still to flush.
  Result<size_t> step(ZSTD_inBuffer& in, ZSTD_EndDirective mode) {
    ZSTD_outBuffer out{buffer_.get(), kBufferSize, 0};
    size_t remaining = ZSTD_compressStream2(ctx_.get(), &out, &in, mode);
    if (ZSTD_isError(remaining)) {
      return fail(fmt::format("zstd compression failed: {}", ZSTD_getErrorName(remaining)));
    }
    if (auto sent = emit(out.pos); !sent) return tl::unexpected(sent.error());
    return remaining;
  }

  std::unique_ptr<ZSTD_CCtx, ZstdCCtxFree> ctx_;
  std::string setup_error_;
};

class ZstdDecompressor : public Stage {
 public:
  explicit ZstdDecompressor(ByteSink& next) : Stage(next), ctx_(ZSTD_createDCtx()) {
    if (!ctx_) throw std::bad_alloc();
  }

  Result<void> write(std::string_view bytes) override {
    ZSTD_inBuffer in{bytes.data(), bytes.size(), 0};
    bool drain = false;
    while (in.pos < in.size || drain) {
      ZSTD_outBuffer out{buffer_.get(), kBufferSize, 0};
      size_t hint = ZSTD_decompressStream(ctx_.get(), &out, &in);
      if (ZSTD_isError(hint)) {
        // No memory for the frame's window says nothing about the frame.
        if (ZSTD_getErrorCode(hint) == ZSTD_error_memory_allocation) {
          return fail(ErrorCode::kUnavailable, "zstd: out of memory decompressing");
        }
        return fail(ErrorCode::kCorrupt,
                    fmt::format("zstd stream is corrupted: {}", ZSTD_getErrorName(hint)));
      }
      // 0: a frame ended and is fully flushed; a following frame may still come.
      frame_complete_ = hint == 0;
      // A full buffer may leave decoded bytes inside libzstd: call again to drain them.
      drain = out.pos == out.size && !frame_complete_;
      if (auto sent = emit(out.pos); !sent) return sent;
    }
    return {};
  }

  Result<void> finish() override {
    if (!frame_complete_) return fail(ErrorCode::kCorrupt, "zstd stream is truncated");
    return next_.finish();
  }

 private:
  std::unique_ptr<ZSTD_DCtx, ZstdDCtxFree> ctx_;
  bool frame_complete_ = false;  // false before any input: an empty stream is a lost one
};

class GzipCompressor : public Stage {
 public:
  explicit GzipCompressor(ByteSink& next) : Stage(next) {
    // 15 + 16: a 32 KiB window with a gzip header and trailer instead of zlib's.
    if (deflateInit2(&stream_, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
      throw std::bad_alloc();
    }
  }
  ~GzipCompressor() override { deflateEnd(&stream_); }

  Result<void> write(std::string_view bytes) override {
    while (!bytes.empty()) {
      size_t piece = std::min(bytes.size(), kMaxPiece);
      stream_.next_in = reinterpret_cast<const Bytef*>(bytes.data());
      stream_.avail_in = static_cast<uInt>(piece);
      bytes.remove_prefix(piece);
      // deflate() takes all the input once it is left room in the output.
      do {
        if (auto status = step(Z_NO_FLUSH); !status) return tl::unexpected(status.error());
      } while (stream_.avail_out == 0);
    }
    return {};
  }

  Result<void> finish() override {
    for (;;) {
      auto status = step(Z_FINISH);
      if (!status) return tl::unexpected(status.error());
      if (*status == Z_STREAM_END) break;
    }
    return next_.finish();
  }

 private:
  Result<int> step(int flush) {
    stream_.next_out = reinterpret_cast<Bytef*>(buffer_.get());
    stream_.avail_out = static_cast<uInt>(kBufferSize);
    int status = deflate(&stream_, flush);
    if (status == Z_STREAM_ERROR) return fail("gzip compression failed");
    if (auto sent = emit(kBufferSize - stream_.avail_out); !sent) {
      return tl::unexpected(sent.error());
    }
    return status;
  }

  z_stream stream_{};
};

class GzipDecompressor : public Stage {
 public:
  explicit GzipDecompressor(ByteSink& next) : Stage(next) {
    if (inflateInit2(&stream_, 15 + 16) != Z_OK) throw std::bad_alloc();
  }
  ~GzipDecompressor() override { inflateEnd(&stream_); }

  Result<void> write(std::string_view bytes) override {
    while (!bytes.empty()) {
      size_t piece = std::min(bytes.size(), kMaxPiece);
      stream_.next_in = reinterpret_cast<const Bytef*>(bytes.data());
      stream_.avail_in = static_cast<uInt>(piece);
      bytes.remove_prefix(piece);
      if (auto status = inflate_piece(); !status) return status;
    }
    return {};
  }

  Result<void> finish() override {
    if (!member_complete_) return fail(ErrorCode::kCorrupt, "gzip stream is truncated");
    return next_.finish();
  }

 private:
  Result<void> inflate_piece() {
    for (;;) {
      // More bytes after a member's end are the next member, as `gzip -dc` reads them.
      if (member_complete_) {
        inflateReset(&stream_);
        member_complete_ = false;
      }
      stream_.next_out = reinterpret_cast<Bytef*>(buffer_.get());
      stream_.avail_out = static_cast<uInt>(kBufferSize);
      int status = inflate(&stream_, Z_NO_FLUSH);
      if (status == Z_MEM_ERROR) return fail(ErrorCode::kUnavailable, "gzip: out of memory");
      if (status != Z_OK && status != Z_STREAM_END && status != Z_BUF_ERROR) {
        return fail(ErrorCode::kCorrupt,
                    fmt::format("gzip stream is corrupted: {}",
                                stream_.msg != nullptr ? stream_.msg : zError(status)));
      }
      if (auto sent = emit(kBufferSize - stream_.avail_out); !sent) return sent;
      member_complete_ = status == Z_STREAM_END;
      // Z_BUF_ERROR: no progress was possible, so the input is used up.
      if (stream_.avail_in == 0 && (stream_.avail_out != 0 || member_complete_)) return {};
    }
  }

  z_stream stream_{};
  bool member_complete_ = false;
};

class Bzip2Compressor : public Stage {
 public:
  explicit Bzip2Compressor(ByteSink& next) : Stage(next) {
    if (BZ2_bzCompressInit(&stream_, 9, 0, 0) != BZ_OK) throw std::bad_alloc();
  }
  ~Bzip2Compressor() override { BZ2_bzCompressEnd(&stream_); }

  Result<void> write(std::string_view bytes) override {
    while (!bytes.empty()) {
      size_t piece = std::min(bytes.size(), kMaxPiece);
      // libbz2 only reads through next_in; its API just lacks the const.
      stream_.next_in = const_cast<char*>(bytes.data());
      stream_.avail_in = static_cast<unsigned int>(piece);
      bytes.remove_prefix(piece);
      while (stream_.avail_in > 0) {
        if (auto status = step(BZ_RUN); !status) return tl::unexpected(status.error());
      }
    }
    return {};
  }

  Result<void> finish() override {
    for (;;) {
      auto status = step(BZ_FINISH);
      if (!status) return tl::unexpected(status.error());
      if (*status == BZ_STREAM_END) break;
    }
    return next_.finish();
  }

 private:
  Result<int> step(int action) {
    stream_.next_out = buffer_.get();
    stream_.avail_out = static_cast<unsigned int>(kBufferSize);
    int status = BZ2_bzCompress(&stream_, action);
    if (status != BZ_RUN_OK && status != BZ_FINISH_OK && status != BZ_STREAM_END) {
      return fail(fmt::format("bzip2 compression failed (error {})", status));
    }
    if (auto sent = emit(kBufferSize - stream_.avail_out); !sent) {
      return tl::unexpected(sent.error());
    }
    return status;
  }

  bz_stream stream_{};
};

class Bzip2Decompressor : public Stage {
 public:
  explicit Bzip2Decompressor(ByteSink& next) : Stage(next) {
    if (BZ2_bzDecompressInit(&stream_, 0, 0) != BZ_OK) throw std::bad_alloc();
  }
  ~Bzip2Decompressor() override { BZ2_bzDecompressEnd(&stream_); }

  Result<void> write(std::string_view bytes) override {
    while (!bytes.empty()) {
      size_t piece = std::min(bytes.size(), kMaxPiece);
      stream_.next_in = const_cast<char*>(bytes.data());
      stream_.avail_in = static_cast<unsigned int>(piece);
      bytes.remove_prefix(piece);
      if (auto status = decompress_piece(); !status) return status;
    }
    return {};
  }

  Result<void> finish() override {
    if (!stream_complete_) return fail(ErrorCode::kCorrupt, "bzip2 stream is truncated");
    return next_.finish();
  }

 private:
  Result<void> decompress_piece() {
    for (;;) {
      // More bytes after a stream's end are the next stream (as pbzip2 writes them).
      if (stream_complete_) {
        BZ2_bzDecompressEnd(&stream_);
        if (BZ2_bzDecompressInit(&stream_, 0, 0) != BZ_OK) throw std::bad_alloc();
        stream_complete_ = false;
      }
      stream_.next_out = buffer_.get();
      stream_.avail_out = static_cast<unsigned int>(kBufferSize);
      int status = BZ2_bzDecompress(&stream_);
      if (status == BZ_DATA_ERROR_MAGIC)
        return fail(ErrorCode::kCorrupt, "bzip2 stream is corrupted: bad magic");
      if (status == BZ_DATA_ERROR)
        return fail(ErrorCode::kCorrupt, "bzip2 stream is corrupted: data error");
      if (status != BZ_OK && status != BZ_STREAM_END) {
        return fail(fmt::format("bzip2 decompression failed (error {})", status));
      }
      if (auto sent = emit(kBufferSize - stream_.avail_out); !sent) return sent;
      stream_complete_ = status == BZ_STREAM_END;
      // BZ_OK with room left in the output: libbz2 wants more input.
      if (stream_.avail_in == 0 && (stream_.avail_out != 0 || stream_complete_)) return {};
    }
  }

  bz_stream stream_{};
  bool stream_complete_ = false;
};

}  // namespace

Result<Compression> parse_compression(std::string_view name) {
  for (Compression c :
       {Compression::kNone, Compression::kZstd, Compression::kGzip, Compression::kBzip2}) {
    if (name == compression_name(c)) return c;
  }
  return fail(fmt::format("unknown compression \"{}\" (expected none, zstd, gzip or bzip2)", name));
}

std::string_view compression_name(Compression compression) {
  switch (compression) {
    case Compression::kNone:
      return "none";
    case Compression::kZstd:
      return "zstd";
    case Compression::kGzip:
      return "gzip";
    case Compression::kBzip2:
      return "bzip2";
  }
  return "none";
}

std::string_view compression_suffix(Compression compression) {
  switch (compression) {
    case Compression::kNone:
      return "";
    case Compression::kZstd:
      return ".zst";
    case Compression::kGzip:
      return ".gz";
    case Compression::kBzip2:
      return ".bz2";
  }
  return "";
}

std::unique_ptr<ByteSink> make_compressor(Compression compression, ByteSink& next, int threads) {
  switch (compression) {
    case Compression::kNone:
      break;
    case Compression::kZstd:
      return std::make_unique<ZstdCompressor>(next, threads);
    case Compression::kGzip:
      return std::make_unique<GzipCompressor>(next);
    case Compression::kBzip2:
      return std::make_unique<Bzip2Compressor>(next);
  }
  return std::make_unique<PassThrough>(next);
}

std::unique_ptr<ByteSink> make_decompressor(Compression compression, ByteSink& next) {
  switch (compression) {
    case Compression::kNone:
      break;
    case Compression::kZstd:
      return std::make_unique<ZstdDecompressor>(next);
    case Compression::kGzip:
      return std::make_unique<GzipDecompressor>(next);
    case Compression::kBzip2:
      return std::make_unique<Bzip2Decompressor>(next);
  }
  return std::make_unique<PassThrough>(next);
}

}  // namespace mdbop
