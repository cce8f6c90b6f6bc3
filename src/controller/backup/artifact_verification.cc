#include "controller/backup/artifact_verification.h"

#include <algorithm>

namespace mdbop {

using json = nlohmann::json;

json verification_status(bool verified, SysSeconds at, const std::string& message) {
  return {{"result", verified ? "Verified" : "Failed"},
          {"verified", verified},
          {"at", format_rfc3339(at)},
          {"message", message}};
}

std::chrono::seconds recheck_backoff(int checks) {
  const int doublings = std::clamp(checks - 1, 0, 6);
  return std::min<std::chrono::seconds>(std::chrono::minutes(1) * (1 << doublings),
                                        std::chrono::hours(1));
}

json unchecked_status(SysSeconds at, const std::string& message, const json& previous,
                      Recheck recheck) {
  const bool again = previous.is_object() && previous.value("result", "") == "Unchecked";
  const int before = again ? previous.value("checks", 0) : 0;
  if (recheck == Recheck::kAtOnce) {
    return {{"result", "Unchecked"},
            {"at", format_rfc3339(at)},
            {"message", message},
            {"checks", before},
            {"nextCheckAt", format_rfc3339(at)}};
  }
  json unchecked = {{"result", "Unchecked"},
                    {"at", format_rfc3339(at)},
                    {"message", message},
                    {"checks", before + 1}};
  // A cause that outlasts every check (a scratch disk too small, an archived storage class)
  // would otherwise read the artifact again every hour for good.
  if (before + 1 < kMaxUncheckedChecks) {
    unchecked["nextCheckAt"] = format_rfc3339(at + recheck_backoff(before + 1));
  }
  return unchecked;
}

std::optional<std::string> recheck_due(const json& status, SysSeconds now) {
  const json artifacts = status.value("artifacts", json::array());
  // Listed newest first.
  for (auto entry = artifacts.rbegin(); entry != artifacts.rend(); ++entry) {
    const json verification = entry->value("verification", json::object());
    if (verification.value("result", "") != "Unchecked") continue;
    const auto next = parse_rfc3339_seconds(verification.value("nextCheckAt", ""));
    if (next && *next <= now) return entry->value("id", "");
  }
  return std::nullopt;
}

json artifacts_status(const std::vector<ArtifactManifest>& artifacts,
                      const std::function<std::string(const std::string&)>& location,
                      const json& previous) {
  json listed = json::array();
  for (const ArtifactManifest& m : artifacts) {
    json entry = artifact_status(m, location(m.data_key));
    if (previous.is_array()) {
      for (const json& before : previous) {
        if (before.value("id", "") == m.id && before.contains("verification")) {
          entry["verification"] = before["verification"];
        }
      }
    }
    listed.push_back(std::move(entry));
  }
  return listed;
}

void record_verification(json& status, const json& entry, const json& verification) {
  json& artifacts = status["artifacts"];
  if (!artifacts.is_array()) artifacts = json::array();
  for (json& listed : artifacts) {
    if (listed.value("id", "") == entry.value("id", "")) {
      listed["verification"] = verification;
      return;
    }
  }
  json added = entry;
  added["verification"] = verification;
  artifacts.insert(artifacts.begin(), std::move(added));
}

std::set<std::string> failed_verifications(const json& status) {
  std::set<std::string> failed;
  for (const json& entry : status.value("artifacts", json::array())) {
    const json verification = entry.value("verification", json::object());
    if (verification.contains("verified") && !verification.value("verified", true)) {
      failed.insert(entry.value("id", ""));
    }
  }
  return failed;
}

}  // namespace mdbop
