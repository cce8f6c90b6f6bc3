// A node's identity: the MariaDB it belongs to and its index; its pod name is
// "<mariadb>-<index>", as on Kubernetes.
#pragma once

#include <optional>
#include <string>

namespace mdbop {

struct NodeId {
  std::string namespace_;
  std::string mariadb;
  int index = 0;
  std::string pod() const { return mariadb + "-" + std::to_string(index); }
  // "<namespace>/<pod>": unique in an installation.
  std::string qualified_pod() const { return namespace_ + "/" + pod(); }
};

// "galera-2" -> {namespace_, "galera", 2}; nullopt unless `pod` is <name>-<decimal index>.
std::optional<NodeId> node_id_from_pod(const std::string& namespace_, const std::string& pod);

}  // namespace mdbop
