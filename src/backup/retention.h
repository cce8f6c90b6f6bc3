// Which artifacts retention deletes: a pure decision over the complete artifacts of one Backup.
#pragma once

#include <set>
#include <string>
#include <vector>

#include "api/backup_spec.h"
#include "backup/artifact_manifest.h"

namespace mdbop {

// Ids of the artifacts beyond the policy: with keepLast newer good ones, or finished longer ago
// than ttl / maxRetention. Never one in `in_use` (a restore is reading it), never the newest
// artifact, and never the newest good one (the last good backup survives any policy).
//
// An artifact in `failed_verification` (its check after the backup failed) is not good: it is
// kept and shown, but never counts among the keepLast, so a series of bad artifacts cannot
// push the last good ones out. It goes by age like any other, and by keepLast once keepLast
// good artifacts are newer than it. An artifact never checked counts as good.
std::vector<std::string> artifacts_beyond_retention(
    const std::vector<ArtifactManifest>& artifacts, const RetentionSpec& policy, SysSeconds now,
    const std::set<std::string>& in_use, const std::set<std::string>& failed_verification);

}  // namespace mdbop
