// Where a node listens and keeps its files: what its option file names. Plain data, filled by
// the runtime that placed the node and read by the configuration renderer.
#pragma once

#include <string>

#include "api/node_id.h"

namespace mdbop {

struct NodePorts {
  int sql = 0;
  int galera = 0;  // group communication
  int ist = 0;
  int sst = 0;
  int metrics = 0;  // the node's metrics exporter; 0 in a layout saved before nodes had one
  int agent = 0;    // the node's own `mdbop agent`, when nodes run under one; 0 until then

  bool operator==(const NodePorts&) const = default;
};

// The node's TLS identity for node-to-node traffic (Galera replication, IST, SST): its
// certificate and key, and the installation's CA, the only issuer its peers are trusted by.
struct NodeTlsFiles {
  std::string certificate;
  std::string key;
  std::string authority;
};

// Stable for the life of the node once allocated.
struct NodeLayout {
  NodeId id;
  std::string address = "127.0.0.1";
  NodePorts ports;
  std::string data_dir;
  std::string config_file;
  std::string socket;
  std::string error_log;
  std::string pid_file;
  // secure_file_priv: the one directory SELECT ... INTO OUTFILE and LOAD DATA may touch.
  std::string files_dir;
  NodeTlsFiles tls;
};

}  // namespace mdbop
