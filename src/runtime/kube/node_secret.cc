#include "runtime/kube/node_secret.h"

#include "runtime/kube/object_names.h"
#include "util/base64.h"
#include "util/json_text.h"

namespace mdbop {

using json = nlohmann::json;

json render_node_secret(const json& mariadb, const NodeId& id, const NodeIdentities& identities) {
  json labels = instance_labels(id.mariadb);
  labels[kPodIndexLabel] = std::to_string(id.index);
  return {{"apiVersion", "v1"},
          {"kind", "Secret"},
          {"metadata",
           {{"name", agent_tls_secret_name(id)},
            {"namespace", id.namespace_},
            {"labels", labels},
            {"ownerReferences", json::array({owner_reference(mariadb)})}}},
          {"type", "Opaque"},
          {"data",
           {{"ca.crt", base64_encode(identities.nodes_authority)},
            {"node.crt", base64_encode(identities.node.certificate)},
            {"node.key", base64_encode(identities.node.private_key)},
            {"agent-ca.crt", base64_encode(identities.agents_authority)},
            {"agent.crt", base64_encode(identities.agent.certificate)},
            {"agent.key", base64_encode(identities.agent.private_key)}}}};
}

bool node_secret_current(const json& secret, const std::string& nodes_authority,
                         const std::string& agents_authority) {
  const json data = secret.value("data", json::object());
  auto node = base64_decode(text_at(data, "node.crt"));
  auto agent = base64_decode(text_at(data, "agent.crt"));
  auto node_key = base64_decode(text_at(data, "node.key"));
  auto agent_key = base64_decode(text_at(data, "agent.key"));
  auto nodes_ca = base64_decode(text_at(data, "ca.crt"));
  auto agents_ca = base64_decode(text_at(data, "agent-ca.crt"));
  if (!node || !agent || !node_key || !agent_key || !nodes_ca || !agents_ca) return false;
  return !node_key->empty() && !agent_key->empty() && *nodes_ca == nodes_authority &&
         *agents_ca == agents_authority && certificate_signed_by(*node, nodes_authority) &&
         certificate_signed_by(*agent, agents_authority);
}

}  // namespace mdbop
