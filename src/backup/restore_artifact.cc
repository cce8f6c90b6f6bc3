#include "backup/restore_artifact.h"

#include "backup/compression.h"
#include "backup/digest_sink.h"
#include "backup/encryption.h"
#include "backup/progress_sink.h"

namespace mdbop {
namespace {

// Passes the stored bytes on until a later stage fails, and swallows the rest, so that the
// digest still sees every byte: a stage that failed on a damaged byte (a chunk that does not
// authenticate, a broken zstd frame, an mbstream that gives up) is then reported as the damage
// it is, and a failure on intact bytes as itself.
class UntilFailed : public ByteSink {
 public:
  explicit UntilFailed(ByteSink& next) : next_(next) {}
  Result<void> write(std::string_view bytes) override {
    if (!failure_) {
      if (auto written = next_.write(bytes); !written) failure_ = written.error();
    }
    return {};
  }
  Result<void> finish() override {
    if (!failure_) {
      if (auto finished = next_.finish(); !finished) failure_ = finished.error();
    }
    return {};
  }
  const std::optional<Error>& failure() const { return failure_; }

 private:
  ByteSink& next_;
  std::optional<Error> failure_;
};

// Ends the read from the storage (before any stage sees the bytes) once `should_stop` says so.
class UnlessStopped : public ByteSink {
 public:
  UnlessStopped(ByteSink& next, const std::function<bool()>& should_stop)
      : next_(next), should_stop_(should_stop) {}
  Result<void> write(std::string_view bytes) override {
    if (should_stop_ && should_stop_()) return fail("stopped: mdbop is shutting down");
    return next_.write(bytes);
  }
  Result<void> finish() override { return next_.finish(); }

 private:
  ByteSink& next_;
  const std::function<bool()>& should_stop_;
};

}  // namespace

Result<void> read_artifact(BackupStorage& storage, const ArtifactManifest& m,
                           const std::optional<std::string>& encryption_secret, ByteSink& sink,
                           const ProgressCallback& progress,
                           const std::function<bool()>& should_stop) {
  const std::string what = "artifact " + m.id;
  auto compression = parse_compression(m.compression);
  if (!compression) return fail(what + ": " + compression.error().message);
  // Counts what the decompression gives: as many bytes as the backup tool produced.
  const ProgressCallback no_report;
  ProgressSink plain(sink, no_report);
  auto decompressor = make_decompressor(*compression, plain);
  std::unique_ptr<ByteSink> decryptor;
  if (m.encryption != "none") {
    if (!encryption_secret) {
      return fail(what + " is encrypted: give the key with encryption.keySecretKeyRef");
    }
    auto made = make_decryptor(*encryption_secret, *decompressor);
    if (!made) return fail(what + ": " + made.error().message);
    decryptor = std::move(*made);
  }
  UntilFailed stages(decryptor ? *decryptor : *decompressor);
  DigestSink digest(stages);
  ProgressSink counted(digest, progress);
  UnlessStopped stoppable(counted, should_stop);
  if (auto read = storage.read(m.data_key, stoppable); !read) {
    // A data object that is gone leaves the artifact incomplete; any other failure to read
    // it says nothing about it.
    const ErrorCode code = is_not_found(read.error()) ? ErrorCode::kCorrupt : read.error().code;
    return fail(code, what + ": " + read.error().message);
  }
  if (auto finished = counted.finish(); !finished) {
    return fail(finished.error().code, what + ": " + finished.error().message);
  }
  if (digest.bytes() != m.stored_bytes || digest.hex_sha256() != m.sha256) {
    return fail(ErrorCode::kCorrupt, what + " is corrupted: its " + std::to_string(digest.bytes()) +
                                         " bytes have SHA-256 " + digest.hex_sha256() +
                                         ", the manifest says " + std::to_string(m.stored_bytes) +
                                         " bytes with " + m.sha256);
  }
  // Its code says whose failure it was: the data's (kCorrupt) or the stage's own.
  if (stages.failure())
    return fail(stages.failure()->code, what + ": " + stages.failure()->message);
  if (plain.bytes() != m.source_bytes) {
    return fail(ErrorCode::kCorrupt,
                what + " is corrupted: it decompresses to " + std::to_string(plain.bytes()) +
                    " bytes, the manifest says " + std::to_string(m.source_bytes));
  }
  return {};
}

}  // namespace mdbop
