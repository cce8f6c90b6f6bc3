// A backup streamed out of a node on this machine: mariadb-backup or mariadb-dump run against
// its socket, with credentials in an option file of a private scratch directory (never argv).
#pragma once

#include <filesystem>
#include <functional>
#include <string>

#include "agent/node_agent.h"

namespace mdbop {

struct LocalBackupPlace {
  std::string pod;
  std::string socket;
  std::string data_dir;
  std::filesystem::path work_dir;      // private scratch, removed before and after
  std::filesystem::path lineage_lock;  // data_lineage's lock, outside the data directory
};

Result<BackupSourceFacts> stream_local_backup(const LocalBackupPlace& place,
                                              const BackupStreamRequest& request, ByteSink& out,
                                              const std::function<bool()>& should_stop);

}  // namespace mdbop
