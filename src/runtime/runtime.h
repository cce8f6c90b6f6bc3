// Runtime: where nodes run. Controllers drive nodes only through this interface, so the
// same Galera logic serves the local process runtime and, later, Kubernetes.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "galera/grastate.h"
#include "runtime/node_id.h"
#include "sql/connection.h"
#include "util/result.h"

namespace mdbop {

struct NodePorts {
  int sql = 0;
  int galera = 0;  // group communication
  int ist = 0;
  int sst = 0;
};

// The node's TLS identity for node-to-node traffic (Galera replication, IST, SST): its
// certificate and key, and the installation's CA, the only issuer its peers are trusted by.
struct NodeTlsFiles {
  std::string certificate;
  std::string key;
  std::string authority;
};

// Where a node's pieces live. Stable for the life of the node once allocated.
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

// How a starting node can be reached.
enum class NodeAccess {
  kNetwork,                  // its SQL port and socket, with the grant tables (normal)
  kSocketOnly,               // its socket only (while root has no password yet)
  kSocketOnlyWithoutGrants,  // socket only, grant tables off: restored data whose root
                             // password is not ours, until it is set
};

class Runtime {
 public:
  virtual ~Runtime() = default;

  // Allocates ports and directories on first use; returns the same layout afterwards.
  virtual Result<NodeLayout> ensure_layout(const NodeId& id) = 0;
  virtual std::optional<NodeLayout> find_layout(const NodeId& id) = 0;
  // Indices of nodes of this MariaDB that have a layout, ascending.
  virtual std::vector<int> node_indices(const std::string& namespace_,
                                        const std::string& mariadb) = 0;

  // The pid of the node's mariadbd when it is running (adopted or started by us).
  virtual std::optional<pid_t> running_pid(const NodeId& id) = 0;

  virtual bool data_present(const NodeId& id) = 0;
  virtual bool sst_in_progress(const NodeId& id) = 0;
  virtual Result<GraState> read_grastate(const NodeId& id) = 0;
  virtual Result<bool> write_grastate(const NodeId& id, const GraState& state) = 0;

  virtual Result<bool> initialize_data(const NodeId& id) = 0;  // an empty system database
  // REQUIRES: both stopped. Copies everything but grastate.dat, gvwstate.dat and the gcache.
  virtual Result<bool> copy_data(const NodeId& from, const NodeId& to) = 0;
  virtual Result<bool> wipe_data(const NodeId& id) = 0;
  // REQUIRES: stopped. Makes a copy of `directory` (a prepared backup) the node's data.
  virtual Result<bool> install_data(const NodeId& id, const std::string& directory) = 0;
  // REQUIRES: stopped. Moves the node's data aside under `tag` (kept if already there from an
  // interrupted attempt) and leaves an empty data directory; discard_aside_data removes it.
  virtual Result<bool> set_aside_data(const NodeId& id, const std::string& tag) = 0;
  virtual Result<bool> discard_aside_data(const NodeId& id, const std::string& tag) = 0;
  // REQUIRES: stopped. Puts data set aside under `tag` back in place (a restore given up);
  // false when there was none.
  virtual Result<bool> return_aside_data(const NodeId& id, const std::string& tag) = 0;
  // Where set_aside_data keeps it, for messages.
  virtual std::string aside_data_location(const NodeId& id, const std::string& tag) = 0;

  virtual Result<bool> write_config(const NodeId& id, const std::string& content) = 0;
  // Runs `mariadbd --wsrep-recover` on the stopped node and returns its position.
  virtual Result<GaleraPosition> recover_position(const NodeId& id) = 0;
  // Replaces any of the stopped node's ports that something else has bound meanwhile (an
  // outgoing connection may take any port of the ephemeral range). True when one changed;
  // the caller then renders the configuration again.
  virtual Result<bool> reclaim_ports(const NodeId& id) = 0;
  // Starts the node (bootstrapping a new Primary component with new_cluster), reachable as
  // `access` says. A joiner takes its state transfer from the member named `sst_donor` only
  // (empty: any Synced member, as Galera chooses). Leftovers of its previous process (an
  // orphaned SST script holding the SST port, say) are killed first.
  virtual Result<pid_t> start(const NodeId& id, bool new_cluster, NodeAccess access,
                              const std::string& sst_donor) = 0;
  // SIGTERM, wait up to `grace`, then SIGKILL. True when it had been running.
  virtual Result<bool> stop(const NodeId& id, std::chrono::seconds grace) = 0;
  // Removes the node's layout; with purge also its data.
  virtual Result<bool> remove(const NodeId& id, bool purge) = 0;

  virtual std::string error_log_tail(const NodeId& id, size_t max_bytes) = 0;
  virtual SqlEndpoint sql_endpoint(const NodeId& id, const std::string& root_password) = 0;
};

}  // namespace mdbop
