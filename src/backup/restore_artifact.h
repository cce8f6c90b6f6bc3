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

// The error of a read_artifact that failed without blaming the artifact, judged: an mbstream
// exiting 1 on a flipped byte of an artifact neither compressed nor encrypted stops the read
// before the digest is known, so the stored bytes are read once more into the digest alone.
// A digest that differs makes it kCorrupt ("is corrupted", naming the stage's error too);
// otherwise `error` is returned as it is. Not read again: kCorrupt or kUnavailable errors (the
// storage's, a stop), and encrypted artifacts (every byte a stage saw was authenticated).
Error judge_failed_read(const Error& error, BackupStorage& storage,
                        const ArtifactManifest& manifest,
                        const std::function<bool()>& should_stop = {});

}  // namespace mdbop
