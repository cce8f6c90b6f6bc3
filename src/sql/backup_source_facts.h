// What a server said about the data of a backup streamed out of it, read before the stream
// started: its version and the position the data is at; and the lineage of the node's data
// (physical; backup/incremental_chain.h), the same before and after the stream.
#pragma once

#include <string>

namespace mdbop {

struct BackupSourceFacts {
  std::string server_version;
  std::string galera_position;  // uuid:seqno
  std::string gtid;
  std::string lineage;
};

}  // namespace mdbop
