// Which node a backup is taken from: a pure choice over the MariaDB's status.nodes.
#pragma once

#include <nlohmann/json.hpp>

#include "api/backup_spec.h"
#include "util/result.h"

namespace mdbop {

// The pod name to back up. Only a Synced node in the Primary component qualifies. Replica:
// any such node but status.currentPrimary; PreferReplica: a replica when there is one, else
// the primary; a named pod: that pod. The error says why none qualifies.
Result<std::string> choose_backup_pod(const nlohmann::json& mariadb_status,
                                      const BackupTargetSpec& target);

}  // namespace mdbop
