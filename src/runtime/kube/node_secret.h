// The Secret of one node's pod, `<pod>-mdbop-tls`, mounted at /etc/mdbop/tls: the node's
// identity for Galera's traffic (node.crt, node.key) and its MariaDB's nodes' authority
// (ca.crt), the only issuer its peers trust; the agent's server identity (agent.crt, agent.key,
// named by the pod's DNS name, which the operator connects to) and the agents' authority
// (agent-ca.crt), the only issuer of the operator's client certificate it accepts. Keys of the
// authorities never enter a pod.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "api/node_id.h"
#include "util/x509.h"

namespace mdbop {

struct NodeIdentities {
  std::string nodes_authority;   // PEM certificate
  std::string agents_authority;  // PEM certificate
  PemCertificate node;
  PemCertificate agent;
};

// REQUIRES: `mariadb` was stored (it has a uid).
nlohmann::json render_node_secret(const nlohmann::json& mariadb, const NodeId& id,
                                  const NodeIdentities& identities);

// Whether a stored node Secret holds identities these authorities issued, valid now.
bool node_secret_current(const nlohmann::json& secret, const std::string& nodes_authority,
                         const std::string& agents_authority);

}  // namespace mdbop
