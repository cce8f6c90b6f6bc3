// Checks an artifact without restoring it over anything: reads it whole from its storage,
// checks its size and SHA-256 against the manifest, decrypts and decompresses it (read_artifact,
// as a restore does) and then
//  - physical: unpacks it into a PrepareArea and runs `mariadb-backup --prepare` there, which
//    proves that a server could start on it; the area is removed afterwards, pass or fail;
//  - logical: checks that the SQL begins like a dump (DumpCheck); its completeness is what the
//    size and digest prove.
// Shared by `mdbop backup verify` and the backup reconciler (spec.verifyAfterBackup).
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "backup/artifact_manifest.h"
#include "backup/incremental_chain.h"
#include "backup/prepare_area.h"
#include "backup/progress_sink.h"
#include "storage/backup_storage.h"

namespace mdbop {

// What a check that passed did.
struct VerifyReport {
  std::uint64_t stored_bytes = 0;  // read from the storage: the manifest's size and SHA-256
  std::uint64_t plain_bytes = 0;   // after decryption and decompression
  std::chrono::duration<double> read_time{};     // reading, checking and unpacking, one pass
  std::chrono::duration<double> prepare_time{};  // physical: mariadb-backup --prepare
  std::string dump_first_line;                   // logical
  std::size_t chain_length = 1;  // an incremental artifact: its chain's artifacts, itself included
};

// The error names the artifact and what failed: "artifact X: wrong encryption key",
// "artifact X is corrupted: its N bytes have SHA-256 ...", "artifact X: mariadb-backup
// --prepare exited with 1: ...". Its code is kCorrupt when the artifact is bad (size or
// digest, decryption, decompression, a dump's beginning, a prepare that failed on the data);
// any other code means the check could not be done (the storage, the key, the area's space
// or memory) and says nothing about the artifact. `area` is used for a physical artifact only.
// `should_stop` (polled while reading and preparing) true ends the check early, as a failure
// that is not kCorrupt; the area is removed all the same.
// `chain`: the artifact last, after its chain (backup/incremental_chain.h read_chain; the
// artifact alone when it is full or logical), every one of which is read and checked: an
// incremental is prepared as a restore would, on its full backup with the others applied.
Result<VerifyReport> verify_artifact(const std::vector<ChainLink>& chain,
                                     const std::optional<std::string>& encryption_secret,
                                     PrepareArea& area, const ProgressCallback& progress,
                                     const std::function<bool()>& should_stop = {});

// One line for status and events (the sizes are the artifact's own): "52.4 MB read, size and
// SHA-256 as recorded, decrypted, 337.1 MB decompressed and unpacked in 1.2 s, prepared
// (mariadb-backup --prepare) in 2.0 s".
std::string summarize(const VerifyReport& report, const ArtifactManifest& manifest);

}  // namespace mdbop
