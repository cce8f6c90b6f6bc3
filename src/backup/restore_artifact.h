// Reads an artifact back: storage -> SHA-256 -> decryption -> decompression -> `sink`, then
// checks the stored size and digest, and the decompressed size, against the manifest. The sink
// sees only authenticated plaintext (the decryption checks every chunk), but the digest is known
// only at the end: a sink that touches a live target must first be preceded by a verifying read
// into a NullSink. A stage that fails (a chunk that does not authenticate, a broken zstd frame,
// an mbstream that gives up) stops the read at once with its own error; a stream that is whole
// but differs from its manifest is reported as "is corrupted".
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "backup/artifact_manifest.h"
#include "backup/take_backup.h"
#include "storage/backup_storage.h"

namespace mdbop {

// Calls sink.finish() at the end of the data. Errors name what failed: "wrong encryption
// key", "artifact ... is corrupted: SHA-256 ... differs from its manifest", ...; their code is
// kCorrupt when the artifact is at fault, the storage's or the sink's own code otherwise.
// `should_stop` (checked as the bytes come) true ends the read early, as a failure.
Result<void> read_artifact(BackupStorage& storage, const ArtifactManifest& manifest,
                           const std::optional<std::string>& encryption_secret, ByteSink& sink,
                           const ProgressCallback& progress,
                           const std::function<bool()>& should_stop = {});

// Reads the artifact's stored bytes into nothing but the digest: kCorrupt when their size or
// SHA-256 differ from the manifest. A check uses it to judge a stage that failed on its own
// terms (an mbstream exiting 1), whose bytes read_artifact stopped reading.
Result<void> check_stored_digest(BackupStorage& storage, const ArtifactManifest& manifest,
                                 const std::function<bool()>& should_stop = {});

}  // namespace mdbop
