#include "controller/backup/backup_target.h"

#include <algorithm>
#include <string>
#include <vector>

namespace mdbop {

namespace {

// A node the status shows Synced in the Primary component: one to read a backup or the binary
// log from.
bool synced_in_primary(const nlohmann::json& node) {
  return node.value("state", "") == "Synced" && node.value("clusterStatus", "") == "Primary";
}

}  // namespace

Result<std::string> choose_backup_pod(const nlohmann::json& status, const BackupTargetSpec& target,
                                      const std::string& preferred) {
  const std::string primary = status.value("currentPrimary", "");
  std::vector<std::string> synced;
  std::string states;
  for (const nlohmann::json& node : status.value("nodes", nlohmann::json::array())) {
    const std::string pod = node.value("pod", "");
    const std::string state = node.value("state", "");
    states += (states.empty() ? "" : ", ") + pod + " " + state;
    if (synced_in_primary(node)) synced.push_back(pod);
  }
  if (states.empty()) states = "no nodes observed yet";
  auto is_synced = [&](const std::string& pod) {
    return std::find(synced.begin(), synced.end(), pod) != synced.end();
  };
  if (target.mode == BackupTargetSpec::Mode::kPod) {
    if (is_synced(target.pod)) return target.pod;
    return fail(target.pod + " is not Synced in the Primary component (" + states + ")");
  }
  if (!preferred.empty() && is_synced(preferred) &&
      (target.mode == BackupTargetSpec::Mode::kPreferReplica || preferred != primary)) {
    return preferred;
  }
  for (const std::string& pod : synced) {
    if (pod != primary) return pod;
  }
  if (target.mode == BackupTargetSpec::Mode::kPreferReplica && is_synced(primary)) return primary;
  return fail(std::string("no ") +
              (target.mode == BackupTargetSpec::Mode::kReplica ? "Synced replica" : "Synced node") +
              " to back up from (" + states + ")");
}

std::vector<std::string> archive_source_pods(const nlohmann::json& status,
                                             const std::string& tried_last) {
  const std::string primary = status.value("currentPrimary", "");
  std::vector<std::string> replicas;
  std::vector<std::string> later;
  for (const nlohmann::json& node : status.value("nodes", nlohmann::json::array())) {
    const std::string pod = node.value("pod", "");
    if (!synced_in_primary(node)) continue;
    (pod == primary || pod == tried_last ? later : replicas).push_back(pod);
  }
  // The primary before the node that just failed, when they differ.
  std::stable_sort(later.begin(), later.end(), [&](const std::string& a, const std::string& b) {
    return a != tried_last && b == tried_last;
  });
  replicas.insert(replicas.end(), later.begin(), later.end());
  return replicas;
}

}  // namespace mdbop
