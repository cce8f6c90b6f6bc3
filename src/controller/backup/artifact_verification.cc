#include "controller/backup/artifact_verification.h"

namespace mdbop {

using json = nlohmann::json;

json verification_status(bool verified, SysSeconds at, const std::string& message) {
  return {{"verified", verified}, {"at", format_rfc3339(at)}, {"message", message}};
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
