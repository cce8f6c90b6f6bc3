#include "backup/restore_artifact.h"

#include "backup/compression.h"
#include "backup/digest_sink.h"
#include "backup/encryption.h"
#include "backup/progress_sink.h"

namespace mdbop {

Result<void> read_artifact(BackupStorage& storage, const ArtifactManifest& m,
                           const std::optional<std::string>& encryption_secret, ByteSink& sink,
                           const ProgressCallback& progress) {
  const std::string what = "artifact " + m.id;
  auto compression = parse_compression(m.compression);
  if (!compression) return fail(what + ": " + compression.error().message);
  auto decompressor = make_decompressor(*compression, sink);
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
  if (auto read = storage.read(m.data_key, counted); !read) {
    return fail(what + ": " + read.error().message);
  }
  if (auto finished = counted.finish(); !finished) {
    return fail(what + ": " + finished.error().message);
  }
  if (digest.bytes() != m.stored_bytes || digest.hex_sha256() != m.sha256) {
    return fail(what + " is corrupted: its " + std::to_string(digest.bytes()) +
                " bytes have SHA-256 " + digest.hex_sha256() + ", the manifest says " +
                std::to_string(m.stored_bytes) + " bytes with " + m.sha256);
  }
  return {};
}

}  // namespace mdbop
