// What a MariaDB becomes on Kubernetes, by name: each node a pod `<name>-<index>` with its
// claim `storage-<name>-<index>`; the Services `<name>` (every Synced node), `<name>-primary`,
// `<name>-secondary` and the headless `<name>-internal` that gives each pod its DNS name; the
// PodDisruptionBudget `<name>`. The anchor operator uses these names, so dashboards and scripts
// written for it find the same objects. Labels select them; the owner reference ties each to
// its MariaDB so that the garbage collector removes them with it.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "api/node_id.h"
#include "util/result.h"

namespace mdbop {

// A node's role in the Services: the primary takes the writes (`<name>-primary`), the others
// serve `<name>-secondary`. Kept as a label on the pod, moved on failover.
enum class NodeRole { kPrimary, kSecondary };

inline constexpr char kRoleLabel[] = "k8s.mariadb.com/role";
inline constexpr char kPodIndexLabel[] = "apps.kubernetes.io/pod-index";

std::string claim_name(const NodeId& id);                        // storage-<pod>
std::string headless_service_name(const std::string& mariadb);   // <name>-internal
std::string primary_service_name(const std::string& mariadb);    // <name>-primary
std::string secondary_service_name(const std::string& mariadb);  // <name>-secondary
std::string agent_tls_secret_name(const NodeId& id);             // <pod>-mdbop-tls
// <pod>.<name>-internal.<namespace>.svc.<cluster domain>: how peers reach the node.
std::string pod_dns_name(const NodeId& id, const std::string& cluster_domain);

// The labels every object of the MariaDB carries and its Services select on.
nlohmann::json instance_labels(const std::string& mariadb);
// A node's pod: the instance labels, its index and its role.
nlohmann::json node_labels(const NodeId& id, NodeRole role);
std::string role_label_value(NodeRole role);

// The controller owner reference to `mariadb` (a stored object: it has a uid).
nlohmann::json owner_reference(const nlohmann::json& mariadb);

// The member `key` of `parent` when it is an object (an empty one when absent or null); an
// error naming `path` when it is something else. Templates the schema takes as any object
// (spec.service, a volumeClaimTemplate) are read through it, never trusted.
Result<nlohmann::json> object_member(const nlohmann::json& parent, const char* key,
                                     const std::string& path);

}  // namespace mdbop
