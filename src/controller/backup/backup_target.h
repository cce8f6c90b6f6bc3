// Which node a backup is taken from: a pure choice over the MariaDB's status.nodes.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "api/backup_spec.h"
#include "util/result.h"

namespace mdbop {

// The pod name to back up. Only a Synced node in the Primary component qualifies. Replica:
// any such node but status.currentPrimary; PreferReplica: a replica when there is one, else
// the primary; a named pod: that pod. `preferred` (an incremental backup's chain's node) is
// chosen when it qualifies under a Replica or PreferReplica target. The error says why none
// qualifies.
Result<std::string> choose_backup_pod(const nlohmann::json& mariadb_status,
                                      const BackupTargetSpec& target,
                                      const std::string& preferred = "");

// The nodes the binary log may be archived from, in the order to try them: every Synced node in
// the Primary component, the replicas before status.currentPrimary (as PreferReplica), and
// `tried_last` (the node that just failed) after all the others.
std::vector<std::string> archive_source_pods(const nlohmann::json& mariadb_status,
                                             const std::string& tried_last);

}  // namespace mdbop
