// How the checks of spec.verifyAfterBackup show in a Backup's status, and what retention learns
// from them: pure functions over status JSON. A check's outcome lives in the artifact's entry
// of status.artifacts as `verification: {result, verified, at, message}`; the storage knows
// nothing of it, so every new listing of the artifacts carries it over from the previous one.
// A check that could not be done (the storage, the key, the scratch area's space or memory)
// leaves the artifact Unchecked: it says nothing about the artifact, which is checked again
// after a backoff and counts for retention as any artifact.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "backup/artifact_manifest.h"
#include "util/time_text.h"

namespace mdbop {

// {result: Verified|Failed, verified, at, message}: `message` says what was checked, or what
// failed.
nlohmann::json verification_status(bool verified, SysSeconds at, const std::string& message);

// {result: Unchecked, at, message, checks, nextCheckAt}: `message` says why the check could not
// be done; `checks` counts such checks in a row (`previous`: the entry's verification before,
// or null), and the next one is due after a backoff that doubles with it (recheck_backoff);
// after kMaxUncheckedChecks in a row none is due (no nextCheckAt): `mdbop backup verify` then
// checks it by hand.
// A check ended by the operator's stop (kAtOnce) is no check that could not be done: `checks`
// stays, and the next is due at once (when an operator runs again).
enum class Recheck { kAfterBackoff, kAtOnce };
constexpr int kMaxUncheckedChecks = 10;  // about 5 h of backoff
nlohmann::json unchecked_status(SysSeconds at, const std::string& message,
                                const nlohmann::json& previous,
                                Recheck recheck = Recheck::kAfterBackoff);

// 1 min after the first check that could not be done, doubling up to 1 h.
std::chrono::seconds recheck_backoff(int checks);

// The id of an Unchecked artifact in status.artifacts whose nextCheckAt has come (the oldest
// first), if any.
std::optional<std::string> recheck_due(const nlohmann::json& status, SysSeconds now);

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

// The ids in status.artifacts whose check failed (not those left Unchecked).
std::set<std::string> failed_verifications(const nlohmann::json& status);

}  // namespace mdbop
