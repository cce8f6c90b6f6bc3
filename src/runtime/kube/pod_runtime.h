// PodRuntime: a MariaDB's nodes as pods, through the API server. For each node it makes the
// claim, the TLS Secret and the pod that runtime/kube renders, and for its MariaDB the Services,
// the disruption budget and the nodes' authority; it reads the pods back and moves the
// primary's role label. Claims are created, never replaced (they hold the data); a pod is
// replaced only when the controller rolls it (replace_pod), since it holds a running server; a
// node Secret no longer issued by the current authorities is replaced when its pod is made
// again.
#pragma once

#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "api/mariadb_spec.h"
#include "api/node_id.h"
#include "kube/kube_client.h"
#include "kube/object_cache.h"
#include "runtime/kube/node_pod.h"
#include "util/tls_files.h"
#include "util/x509.h"

namespace mdbop {

struct PodRuntimeSettings {
  PodEnvironment environment;
  std::string operator_namespace;  // where the agents' authority is kept
  std::string cluster_domain = "cluster.local";
};

// What ensure_node found of the node's pod.
struct NodePodState {
  // The pod's uid when it was made from an older template than its MariaDB's (and is not being
  // deleted): replace_pod renews it. Empty when the pod is current or was just made.
  std::string outdated_uid;
  // The node's claim against spec.storage's size (runtime/kube/claim_resize.h): a resize
  // under way, reported only when spec.storage.waitForVolumeResize; one refused, and why.
  std::string storage_resizing;
  std::string storage_refused;
};

// The pods and claims mdbop made, followed by watches: read there while they are synced, so an
// idle operator's passes cost the API server nothing. Either may be null (read from the API).
struct PodRuntimeCaches {
  std::shared_ptr<const ObjectCache> pods;
  std::shared_ptr<const ObjectCache> claims;
};

// The label selector of what the caches follow: every object mdbop makes for a MariaDB.
inline constexpr char kManagedBySelector[] = "app.kubernetes.io/managed-by=mdbop";

// How often a MariaDB's Services and budget are written again while its spec stays the same.
inline constexpr std::chrono::minutes kClusterObjectsRefresh{5};

// How long whether a StorageClass allows expansion is taken as read.
inline constexpr std::chrono::minutes kStorageClassRefresh{1};

// The agents' authority, kept in this Secret of the operator's namespace.
inline constexpr char kAgentsAuthoritySecret[] = "mdbop-agent-ca";

class PodRuntime {
 public:
  PodRuntime(std::shared_ptr<const KubeClient> client, PodRuntimeSettings settings,
             PodRuntimeCaches caches = {});

  // Makes what the node needs unless it is there, from `mariadb` (validated and stored): its
  // MariaDB's Services and budget (written again when its generation changes, and every few
  // minutes); when the node has no pod, its Secret (issued again when no longer valid), claim
  // and pod, unless the node is beyond spec.replicas (being scaled away); the pod's role label
  // follows status.currentPrimary (the old primary's is changed first).
  Result<NodePodState> ensure_node(const nlohmann::json& mariadb, const NodeId& id);
  // The node's claim as the API server has it; nullopt when there is none.
  Result<std::optional<nlohmann::json>> find_claim(const NodeId& id);
  // Deletes the node's pod if it is still the one of `uid` (its Secret and claim stay): the
  // next ensure_node makes it again.
  Result<void> replace_pod(const NodeId& id, const std::string& uid);
  // The node's pod as the API server has it; nullopt when there is none.
  Result<std::optional<nlohmann::json>> find_pod(const NodeId& id);
  // Indices of the MariaDB's nodes that have a claim, ascending.
  Result<std::vector<int>> node_indices(const std::string& namespace_, const std::string& mariadb);
  // Deletes the node's pod and Secret; with purge its claim too (claims have no owner: the
  // data outlives its MariaDB unless purged).
  Result<bool> remove_node(const NodeId& id, bool purge);
  // The operator's client certificate from the agents' authority, written (0600) into `dir`.
  Result<TlsFiles> operator_identity(const std::filesystem::path& dir);
  // The pod's DNS name, which its agent's certificate names.
  std::string agent_host(const NodeId& id) const;

 private:
  Result<PemCertificate> agents_authority();
  Result<PemCertificate> nodes_authority(const nlohmann::json& mariadb);
  // The MariaDB's Services and budget, once per generation.
  Result<void> ensure_cluster_objects(const nlohmann::json& mariadb, const MariaDBSpec& spec);
  Result<void> ensure_node_secret(const nlohmann::json& mariadb, const NodeId& id);
  // Whether the StorageClass `name` allows expansion (read at most every kStorageClassRefresh).
  Result<bool> class_allows_expansion(const std::string& name);
  // Grows the node's claim to the size `rendered_claim` asks, when its class allows it and
  // spec.storage.resizeInUseVolumes; says what is under way or refused into `state`.
  Result<void> resize_claim(const nlohmann::json& mariadb, const nlohmann::json& rendered_claim,
                            const NodeId& id, NodePodState& state);
  // Deletes the object at `path` when it is owned by `owner_uid` (not another's of the same
  // name), and only the one read.
  Result<void> remove_ours(const std::string& path, const std::string& owner_uid);
  // Creates `object` at `collection` unless an object of its name is there.
  Result<void> create_unless_there(const std::string& collection, const nlohmann::json& object);
  // Sets the pod's role label; a new primary's is set after every other pod's is demoted.
  Result<void> label_role(const nlohmann::json& pod, const NodeId& id, NodeRole role);

  std::shared_ptr<const KubeClient> client_;
  PodRuntimeSettings settings_;
  PodRuntimeCaches caches_;
  std::mutex mutex_;
  std::optional<PemCertificate> agents_authority_;
  std::map<std::string, PemCertificate> nodes_authorities_;  // by MariaDB uid
  struct Written {
    std::string generation;
    std::chrono::steady_clock::time_point at;
  };
  std::map<std::string, Written> cluster_objects_;  // by MariaDB uid
  struct ClassExpansion {
    bool allowed = false;
    std::chrono::steady_clock::time_point read_at;
  };
  // Whether each StorageClass allows expansion, as last read: a refused resize reads it again
  // only after kStorageClassRefresh, not at every pass.
  std::map<std::string, ClassExpansion> class_expansion_;
};

}  // namespace mdbop
