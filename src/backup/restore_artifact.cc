#include "backup/restore_artifact.h"

#include "backup/compression.h"
#include "backup/digest_sink.h"
#include "backup/encryption.h"
#include "backup/progress_sink.h"
#include "util/terminal_sinks.h"

namespace mdbop {
namespace {

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

Result<void> digest_mismatch(const ArtifactManifest& m, const DigestSink& digest) {
  if (digest.bytes() == m.stored_bytes && digest.hex_sha256() == m.sha256) return {};
  return fail(ErrorCode::kCorrupt, "artifact " + m.id + " is corrupted: its " +
                                       std::to_string(digest.bytes()) + " bytes have SHA-256 " +
                                       digest.hex_sha256() + ", the manifest says " +
                                       std::to_string(m.stored_bytes) + " bytes with " + m.sha256);
}

// Reads the stored bytes into nothing but the digest: kCorrupt when size or SHA-256 differ.
Result<void> stored_digest_matches(BackupStorage& storage, const ArtifactManifest& m,
                                   const std::function<bool()>& should_stop) {
  NullSink nothing;
  DigestSink digest(nothing);
  UnlessStopped stoppable(digest, should_stop);
  if (auto read = storage.read(m.data_key, stoppable); !read) {
    const ErrorCode code = is_not_found(read.error()) ? ErrorCode::kCorrupt : read.error().code;
    return fail(code, "artifact " + m.id + ": " + read.error().message);
  }
  if (auto finished = stoppable.finish(); !finished) return finished;
  return digest_mismatch(m, digest);
}

}  // namespace

Error judge_failed_read(const Error& error, BackupStorage& storage, const ArtifactManifest& m,
                        const std::function<bool()>& should_stop) {
  if (error.code == ErrorCode::kCorrupt || error.code == ErrorCode::kUnavailable ||
      m.encryption != "none" || (should_stop && should_stop())) {
    return error;
  }
  if (auto intact = stored_digest_matches(storage, m, should_stop);
      !intact && intact.error().code == ErrorCode::kCorrupt) {
    return Error{intact.error().message + " (" + error.message + ")", {}, ErrorCode::kCorrupt};
  }
  return error;
}

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
  DigestSink digest(decryptor ? *decryptor : *decompressor);
  ProgressSink counted(digest, progress);
  UnlessStopped stoppable(counted, should_stop);
  // A stage that fails stops the read at once: reading the rest of a large artifact only to
  // report the same failure would keep a restore waiting for nothing.
  if (auto read = storage.read(m.data_key, stoppable); !read) {
    // A stage's failure keeps its code (kCorrupt for damage it found); a data object that is
    // gone leaves the artifact incomplete; any other failure to read says nothing about it.
    const ErrorCode code = is_not_found(read.error()) ? ErrorCode::kCorrupt : read.error().code;
    return fail(code, what + ": " + read.error().message);
  }
  // The digest is known here even when a stage's finish fails: damage (a truncated artifact)
  // is then reported as the damage it is, and a failure on intact bytes as itself.
  auto finished = counted.finish();
  if (auto intact = digest_mismatch(m, digest); !intact) return intact;
  if (!finished) return fail(finished.error().code, what + ": " + finished.error().message);
  if (plain.bytes() != m.source_bytes) {
    return fail(ErrorCode::kCorrupt,
                what + " is corrupted: it decompresses to " + std::to_string(plain.bytes()) +
                    " bytes, the manifest says " + std::to_string(m.source_bytes));
  }
  return {};
}

}  // namespace mdbop
