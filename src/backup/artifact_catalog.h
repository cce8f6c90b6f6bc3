// The artifacts a storage holds: every folder with a complete manifest. Folders without one
// (a run cut off midway, a manifest damaged) are not artifacts; they are listed apart so that
// status can say so and cleanup can find them.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "backup/artifact_manifest.h"
#include "storage/backup_storage.h"

namespace mdbop {

struct Catalog {
  std::vector<ArtifactManifest> artifacts;  // newest first
  std::vector<std::string> incomplete;      // artifact folders without a readable manifest
};

// Reads every manifest under the storage's root. `backup` ("<namespace>/<name>") keeps only
// the artifacts that Backup made; empty keeps all.
Result<Catalog> read_catalog(BackupStorage& storage, const std::string& backup);

// The id (and folder) for a new artifact of the Backup named `backup_name`:
// "<backup_name>-<start to the millisecond>", "nightly-20261122T015042.123Z", which sorts like
// the start. If the storage already holds that folder (two runs started in the same
// millisecond, or a same-named Backup of another namespace sharing the storage), "-2", "-3"...
// is appended, so no run writes into another's folder.
Result<std::string> new_artifact_id(BackupStorage& storage, const std::string& backup_name,
                                    std::chrono::system_clock::time_point started);

// The artifact a restore uses: `exact_id` when given, else the newest one finished at or
// before `target` (the newest of all without a target). The error says what was there.
Result<ArtifactManifest> choose_artifact(const std::vector<ArtifactManifest>& artifacts,
                                         const std::optional<SysSeconds>& target,
                                         const std::string& exact_id);

}  // namespace mdbop
