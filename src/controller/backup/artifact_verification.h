// How the checks of spec.verifyAfterBackup show in a Backup's status, and what retention learns
// from them: pure functions over status JSON. A check's outcome lives in the artifact's entry
// of status.artifacts as `verification: {verified, at, message}`; the storage knows nothing of
// it, so every new listing of the artifacts carries it over from the previous one.
#pragma once

#include <functional>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "backup/artifact_manifest.h"
#include "util/time_text.h"

namespace mdbop {

// {verified, at, message}: `message` says what was checked, or what failed.
nlohmann::json verification_status(bool verified, SysSeconds at, const std::string& message);

// status.artifacts for `artifacts` (artifact_status of each, in their order; `location` maps a
// data key to where it is), each with the verification its entry in `previous` (the
// status.artifacts being replaced) had.
nlohmann::json artifacts_status(const std::vector<ArtifactManifest>& artifacts,
                                const std::function<std::string(const std::string&)>& location,
                                const nlohmann::json& previous);

// Sets `verification` on the entry of status.artifacts with entry["id"]; an artifact not listed
// yet is added first, as the newest, with `entry` (its artifact_status).
void record_verification(nlohmann::json& status, const nlohmann::json& entry,
                         const nlohmann::json& verification);

// The ids in status.artifacts whose check failed.
std::set<std::string> failed_verifications(const nlohmann::json& status);

}  // namespace mdbop
