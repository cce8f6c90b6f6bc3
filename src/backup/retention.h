// Which artifacts retention deletes: a pure decision over the complete artifacts of one Backup.
#pragma once

#include <set>
#include <string>
#include <vector>

#include "api/backup_spec.h"
#include "backup/artifact_manifest.h"

namespace mdbop {

// Ids of the artifacts beyond the policy: more than keepLast newer ones, or finished longer
// ago than ttl / maxRetention. Never the newest artifact (the last good backup survives any
// policy) and never one in `in_use` (a restore is reading it).
std::vector<std::string> artifacts_beyond_retention(const std::vector<ArtifactManifest>& artifacts,
                                                    const RetentionSpec& policy, SysSeconds now,
                                                    const std::set<std::string>& in_use);

}  // namespace mdbop
