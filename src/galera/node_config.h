// Renders a node's mariadbd option file from the MariaDB spec. Pure code.
#pragma once

#include <string>
#include <vector>

#include "api/mariadb_spec.h"
#include "galera/node_layout.h"

namespace mdbop {

// The base name of every node's binary-log files (log_bin), in its data directory.
inline constexpr const char* kBinaryLogName = "mariadb-bin";
// Galera's library as Debian's galera-4 installs it.
inline constexpr const char* kGaleraLibrary = "/usr/lib/galera/libgalera_smm.so";

struct NodeConfigInput {
  const MariaDBSpec* spec = nullptr;
  NodeLayout self;
  std::vector<NodeLayout> members;  // every node of the cluster, self included
  std::string cluster_name;
  std::string sst_password;  // root's, for wsrep_sst_auth
  std::string my_cnf;        // the resolved myCnf text (inline or from the ConfigMap)
};

struct NodeConfig {
  std::string content;
};

NodeConfig render_node_config(const NodeConfigInput& input);

// Hash of what the spec decides (myCnf, provider options, SST, threads), the same for every
// node: a change rolls through the nodes; the member list and the runtime's ports do not.
std::string rollout_hash(const MariaDBSpec& spec, const std::string& my_cnf);

// The reason mariadbd gave for failing to start, from its error log: an "unknown variable"
// line if any, else the first "[ERROR]" line of the last start attempt (the cause; later
// errors are its consequences), without its timestamp; empty when there is none.
std::string startup_failure_reason(const std::string& error_log_tail);

}  // namespace mdbop
