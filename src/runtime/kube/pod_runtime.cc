#include "runtime/kube/pod_runtime.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "kube/authority_secret.h"
#include "runtime/kube/claim_resize.h"
#include "runtime/kube/cluster_services.h"
#include "runtime/kube/disruption_budget.h"
#include "runtime/kube/node_claim.h"
#include "runtime/kube/node_secret.h"
#include "runtime/kube/object_names.h"
#include "util/files.h"
#include "util/json_text.h"

namespace mdbop {
namespace {

using json = nlohmann::json;

const ApiResource kPods{"v1", "pods"};
const ApiResource kClaims{"v1", "persistentvolumeclaims"};
const ApiResource kSecrets{"v1", "secrets"};
const ApiResource kServices{"v1", "services"};
const ApiResource kBudgets{"policy/v1", "poddisruptionbudgets"};
const ApiResource kStorageClasses{"storage.k8s.io/v1", "storageclasses"};

constexpr auto kIdentityValidity = std::chrono::days(3650);

std::string label_selector(const json& labels) {
  std::string selector;
  for (const auto& [key, value] : labels.items()) {
    selector += (selector.empty() ? "" : ",") + key + "=" + value.get<std::string>();
  }
  return selector;
}

NodeRole desired_role(const json& mariadb, const NodeId& id) {
  const std::string primary = text_at(mariadb.value("status", json::object()), "currentPrimary");
  return primary == id.pod() ? NodeRole::kPrimary : NodeRole::kSecondary;
}

// The object `name` of `resource` in `namespace_`: from `cache` (may be null) when it holds it,
// else from the API server, since an object whose label a user removed is not in the cache.
// nullopt when there is none.
Result<std::optional<json>> find_object(const KubeClient& client, const ObjectCache* cache,
                                        const ApiResource& resource, const std::string& namespace_,
                                        const std::string& name) {
  if (cache != nullptr) {
    if (auto cached = cache->find(namespace_, name); cached && *cached) return cached;
  }
  auto object = client.get(api_path(resource, namespace_, name));
  if (object) return std::optional<json>(std::move(*object));
  if (is_not_found(object.error())) return std::optional<json>();
  return tl::unexpected(object.error());
}

}  // namespace

PodRuntime::PodRuntime(std::shared_ptr<const KubeClient> client, PodRuntimeSettings settings,
                       PodRuntimeCaches caches)
    : client_(std::move(client)), settings_(std::move(settings)), caches_(std::move(caches)) {}

std::string PodRuntime::agent_host(const NodeId& id) const {
  return pod_dns_name(id, settings_.cluster_domain);
}

Result<PemCertificate> PodRuntime::agents_authority() {
  std::lock_guard lock(mutex_);
  if (agents_authority_) return *agents_authority_;
  auto made = ensure_authority_secret(*client_, settings_.operator_namespace,
                                      kAgentsAuthoritySecret, "mdbop agents CA", json());
  if (made) agents_authority_ = *made;
  return made;
}

Result<PemCertificate> PodRuntime::nodes_authority(const json& mariadb) {
  const json& metadata = mariadb.at("metadata");
  const std::string uid = text_at(metadata, "uid");
  std::lock_guard lock(mutex_);
  if (auto known = nodes_authorities_.find(uid); known != nodes_authorities_.end()) {
    return known->second;
  }
  const std::string name = text_at(metadata, "name");
  auto made =
      ensure_authority_secret(*client_, text_at(metadata, "namespace"), name + "-mdbop-node-ca",
                              "mdbop nodes CA " + name, owner_reference(mariadb));
  if (made) nodes_authorities_[uid] = *made;
  return made;
}

Result<void> PodRuntime::create_unless_there(const std::string& collection, const json& object) {
  auto created = client_->create(collection, object);
  if (created || created.error().code == ErrorCode::kConflict) return {};
  return tl::unexpected(created.error());
}

Result<void> PodRuntime::ensure_cluster_objects(const json& mariadb, const MariaDBSpec& spec) {
  const json& metadata = mariadb.at("metadata");
  const std::string uid = text_at(metadata, "uid");
  const std::string generation = metadata.value("generation", json(0)).dump();
  const auto now = std::chrono::steady_clock::now();
  {
    // Written again when the spec changed, and every few minutes: a Service a user deleted
    // comes back.
    std::lock_guard lock(mutex_);
    if (auto written = cluster_objects_.find(uid);
        written != cluster_objects_.end() && written->second.generation == generation &&
        now - written->second.at < kClusterObjectsRefresh) {
      return {};
    }
  }
  const std::string namespace_ = text_at(metadata, "namespace");
  const std::string name = text_at(metadata, "name");
  auto services = render_cluster_services(mariadb, spec);
  if (!services) return tl::unexpected(services.error());
  for (const json& service : *services) {
    auto applied =
        client_->patch(api_path(kServices, namespace_, text_at(service["metadata"], "name")),
                       service, PatchType::kApply);
    if (!applied) return tl::unexpected(applied.error());
  }
  const std::string budget_path = api_path(kBudgets, namespace_, name);
  if (auto budget = render_disruption_budget(mariadb, spec)) {
    auto applied = client_->patch(budget_path, *budget, PatchType::kApply);
    if (!applied) return tl::unexpected(applied.error());
  } else if (auto removed = remove_ours(budget_path, uid); !removed) {
    return removed;
  }
  std::lock_guard lock(mutex_);
  cluster_objects_[uid] = {generation, now};
  return {};
}

Result<void> PodRuntime::remove_ours(const std::string& path, const std::string& owner_uid) {
  auto stored = client_->get(path);
  if (!stored) {
    if (is_not_found(stored.error())) return {};
    return tl::unexpected(stored.error());
  }
  const json metadata = stored->value("metadata", json::object());
  bool ours = false;
  for (const json& owner : metadata.value("ownerReferences", json::array())) {
    if (owner.is_object() && text_at(owner, "uid") == owner_uid) ours = true;
  }
  if (!ours) return {};  // someone else's of the same name
  // Only the object read: not one made again meanwhile.
  auto removed = client_->remove(path, {{"kind", "DeleteOptions"},
                                        {"apiVersion", "v1"},
                                        {"preconditions", {{"uid", text_at(metadata, "uid")}}}});
  if (!removed && !is_not_found(removed.error()) && removed.error().code != ErrorCode::kConflict) {
    return tl::unexpected(removed.error());
  }
  return {};
}

Result<void> PodRuntime::ensure_node_secret(const json& mariadb, const NodeId& id) {
  auto nodes = nodes_authority(mariadb);
  if (!nodes) return tl::unexpected(nodes.error());
  auto agents = agents_authority();
  if (!agents) return tl::unexpected(agents.error());
  const std::string path = api_path(kSecrets, id.namespace_, agent_tls_secret_name(id));
  auto stored = client_->get(path);
  if (!stored && !is_not_found(stored.error())) return tl::unexpected(stored.error());
  if (stored && node_secret_current(*stored, nodes->certificate, agents->certificate)) return {};
  NodeIdentities identities{nodes->certificate, agents->certificate, {}, {}};
  auto node = issue_certificate(*nodes, id.pod(), {}, kIdentityValidity);
  if (!node) return tl::unexpected(node.error());
  auto agent =
      issue_certificate(*agents, agent_host(id), {}, kIdentityValidity, CertificateUse::kServer);
  if (!agent) return tl::unexpected(agent.error());
  identities.node = *node;
  identities.agent = *agent;
  // Applied whole: a Secret from an older authority is replaced by this one.
  auto applied =
      client_->patch(path, render_node_secret(mariadb, id, identities), PatchType::kApply);
  if (!applied) return tl::unexpected(applied.error());
  return {};
}

Result<void> PodRuntime::label_role(const json& pod, const NodeId& id, NodeRole role) {
  const std::string wanted = role_label_value(role);
  const json labels = pod.value("metadata", json::object()).value("labels", json::object());
  if (text_at(labels, kRoleLabel) == wanted) return {};
  if (role == NodeRole::kPrimary) {
    json selector = instance_labels(id.mariadb);
    selector[kRoleLabel] = role_label_value(NodeRole::kPrimary);
    auto holders = client_->get(api_path(kPods, id.namespace_) +
                                api_query({{"labelSelector", label_selector(selector)}}));
    if (!holders) return tl::unexpected(holders.error());
    for (const json& holder : holders->value("items", json::array())) {
      const std::string name = text_at(holder.value("metadata", json::object()), "name");
      if (name == id.pod()) continue;
      auto demoted = client_->patch(
          api_path(kPods, id.namespace_, name),
          {{"metadata", {{"labels", {{kRoleLabel, role_label_value(NodeRole::kSecondary)}}}}}},
          PatchType::kMerge);
      if (!demoted && !is_not_found(demoted.error())) return tl::unexpected(demoted.error());
    }
  }
  auto labelled =
      client_->patch(api_path(kPods, id.namespace_, id.pod()),
                     {{"metadata", {{"labels", {{kRoleLabel, wanted}}}}}}, PatchType::kMerge);
  // Gone since it was found (a pod being deleted, by a roll or a user): the next pass makes it
  // again, labelled from the start; no reason to fail this one.
  if (!labelled && !is_not_found(labelled.error())) return tl::unexpected(labelled.error());
  return {};
}

Result<NodePodState> PodRuntime::ensure_node(const json& mariadb, const NodeId& id) {
  const MariaDBSpec spec = mariadb_spec_from(mariadb);
  if (auto cluster = ensure_cluster_objects(mariadb, spec); !cluster) {
    return tl::unexpected(cluster.error());
  }
  const NodeRole role = desired_role(mariadb, id);
  auto pod = find_pod(id);
  if (!pod) return tl::unexpected(pod.error());
  const json rendered = render_node_pod(mariadb, spec, id, role, settings_.environment);
  auto claim = render_node_claim(mariadb, id);
  if (!claim) return tl::unexpected(claim.error());
  NodePodState state;
  if (*pod) {
    if (auto labelled = label_role(**pod, id, role); !labelled) {
      return tl::unexpected(labelled.error());
    }
    if (pod_template_outdated(**pod, rendered)) {
      state.outdated_uid = text_at(object_at(**pod, "metadata"), "uid");
    }
    if (auto resized = resize_claim(mariadb, *claim, id, state); !resized) {
      return tl::unexpected(resized.error());
    }
    return state;
  }
  // A node beyond spec.replicas is being scaled away: looked at, never made again.
  if (id.index >= spec.replicas) return state;
  // A new pod: its Secret (made again when a user deleted it or its authority changed) and
  // its claim (kept from an earlier pod; grown, if it must, once the pod runs) first, since
  // the pod mounts them.
  if (auto secret = ensure_node_secret(mariadb, id); !secret) return tl::unexpected(secret.error());
  if (auto claimed = create_unless_there(api_path(kClaims, id.namespace_), *claim); !claimed) {
    return tl::unexpected(claimed.error());
  }
  if (auto made = create_unless_there(api_path(kPods, id.namespace_), rendered); !made) {
    return tl::unexpected(made.error());
  }
  return state;
}

Result<bool> PodRuntime::class_allows_expansion(const std::string& name) {
  const auto now = std::chrono::steady_clock::now();
  {
    std::lock_guard lock(mutex_);
    if (auto known = class_expansion_.find(name);
        known != class_expansion_.end() && now - known->second.read_at < kStorageClassRefresh) {
      return known->second.allowed;
    }
  }
  auto storage_class = client_->get(api_path(kStorageClasses, "", name));
  if (!storage_class && !is_not_found(storage_class.error())) {
    return tl::unexpected(storage_class.error());
  }
  // A class that is not there allows nothing.
  const json allows =
      storage_class ? storage_class->value("allowVolumeExpansion", json(false)) : json(false);
  const bool allowed = allows.is_boolean() && allows.get<bool>();
  std::lock_guard lock(mutex_);
  class_expansion_[name] = {allowed, now};
  return allowed;
}

Result<void> PodRuntime::resize_claim(const json& mariadb, const json& rendered_claim,
                                      const NodeId& id, NodePodState& state) {
  const std::string wanted = text_at(
      object_at(object_at(object_at(rendered_claim, "spec"), "resources"), "requests"), "storage");
  if (wanted.empty()) return {};
  auto claim = find_claim(id);
  if (!claim) return tl::unexpected(claim.error());
  if (!*claim) return {};
  const json storage = object_at(object_at(mariadb, "spec"), "storage");
  auto flag = [&](const char* field) {
    const json value = storage.value(field, json(true));
    return !value.is_boolean() || value.get<bool>();  // both default to true
  };
  ClaimResize decided = decide_claim_resize(**claim, wanted, flag("resizeInUseVolumes"), {});
  if (decided.needs_class) {
    const std::string name = text_at(object_at(**claim, "spec"), "storageClassName");
    auto allows = class_allows_expansion(name);
    if (!allows) {
      // Only an unreachable API server fails the node's place; anything else (a role without
      // StorageClasses) is said and the cluster runs on.
      if (allows.error().code == ErrorCode::kUnavailable) return tl::unexpected(allows.error());
      state.storage_refused = claim_name(id) + " is not grown: its StorageClass " + name +
                              " cannot be read: " + allows.error().what();
      return {};
    }
    decided = decide_claim_resize(**claim, wanted, flag("resizeInUseVolumes"), *allows);
  }
  if (decided.grow_to) {
    auto grown =
        client_->patch(api_path(kClaims, id.namespace_, claim_name(id)),
                       {{"spec", {{"resources", {{"requests", {{"storage", *decided.grow_to}}}}}}}},
                       PatchType::kMerge);
    if (!grown && grown.error().code == ErrorCode::kUnavailable) {
      return tl::unexpected(grown.error());
    }
    // Gone since it was read (a user deleted it): nothing to say; the next pass sees.
    if (!grown && is_not_found(grown.error())) return {};
    if (grown) {
      spdlog::info("{}/{}: claim {} grown to {}", id.namespace_, id.pod(), claim_name(id),
                   *decided.grow_to);
    } else {
      // The API server's word (a quota, an admission plugin) is the reason.
      decided.refused =
          claim_name(id) + " was not grown to " + *decided.grow_to + ": " + grown.error().what();
      decided.resizing.clear();
    }
  }
  if (flag("waitForVolumeResize")) state.storage_resizing = decided.resizing;
  state.storage_refused = decided.refused;
  return {};
}

Result<std::optional<json>> PodRuntime::find_claim(const NodeId& id) {
  return find_object(*client_, caches_.claims.get(), kClaims, id.namespace_, claim_name(id));
}

Result<void> PodRuntime::replace_pod(const NodeId& id, const std::string& uid) {
  // Only the pod found outdated: not one made again meanwhile (by another operator, say).
  auto removed = client_->remove(
      api_path(kPods, id.namespace_, id.pod()),
      {{"kind", "DeleteOptions"}, {"apiVersion", "v1"}, {"preconditions", {{"uid", uid}}}});
  if (!removed && !is_not_found(removed.error()) && removed.error().code != ErrorCode::kConflict) {
    return tl::unexpected(removed.error());
  }
  return {};
}

Result<std::optional<json>> PodRuntime::find_pod(const NodeId& id) {
  return find_object(*client_, caches_.pods.get(), kPods, id.namespace_, id.pod());
}

Result<std::vector<int>> PodRuntime::node_indices(const std::string& namespace_,
                                                  const std::string& mariadb) {
  const json labels = instance_labels(mariadb);
  Result<std::vector<json>> claims = caches_.claims
                                         ? caches_.claims->list(namespace_)
                                         : fail(ErrorCode::kUnavailable, "no cache of claims");
  if (!claims) {
    auto listed = client_->get(api_path(kClaims, namespace_) +
                               api_query({{"labelSelector", label_selector(labels)}}));
    if (!listed) return tl::unexpected(listed.error());
    const json items = listed->value("items", json::array());
    claims = items.is_array() ? items.get<std::vector<json>>() : std::vector<json>();
  }
  std::vector<int> indices;
  for (const json& claim : *claims) {
    const json metadata = object_at(claim, "metadata");
    // The cache holds every MariaDB's claims.
    if (text_at(object_at(metadata, "labels"), "app.kubernetes.io/instance") != mariadb) continue;
    // A claim being deleted (a node purged) is no node's any more.
    if (metadata.contains("deletionTimestamp")) continue;
    const std::string name = text_at(metadata, "name");
    const std::string prefix = "storage-";
    if (name.rfind(prefix, 0) != 0) continue;
    auto id = node_id_from_pod(namespace_, name.substr(prefix.size()));
    if (id && id->mariadb == mariadb) indices.push_back(id->index);
  }
  std::sort(indices.begin(), indices.end());
  return indices;
}

Result<bool> PodRuntime::remove_node(const NodeId& id, bool purge) {
  bool had_pod = false;
  auto pod = client_->remove(api_path(kPods, id.namespace_, id.pod()));
  if (pod) {
    had_pod = true;
  } else if (!is_not_found(pod.error())) {
    return tl::unexpected(pod.error());
  }
  auto secret = client_->remove(api_path(kSecrets, id.namespace_, agent_tls_secret_name(id)));
  if (!secret && !is_not_found(secret.error())) return tl::unexpected(secret.error());
  if (purge) {
    auto purged = client_->remove(api_path(kClaims, id.namespace_, claim_name(id)));
    if (!purged && !is_not_found(purged.error())) return tl::unexpected(purged.error());
  }
  return had_pod;
}

Result<TlsFiles> PodRuntime::operator_identity(const std::filesystem::path& dir) {
  auto agents = agents_authority();
  if (!agents) return tl::unexpected(agents.error());
  // As long-lived as the agents': it is issued once per operator run.
  auto issued =
      issue_certificate(*agents, "mdbop operator", {}, kIdentityValidity, CertificateUse::kClient);
  if (!issued) return tl::unexpected(issued.error());
  TlsFiles files{(dir / "operator.crt").string(), (dir / "operator.key").string(),
                 (dir / "agents-ca.crt").string()};
  for (const auto& [file, content] : {std::pair{files.certificate, issued->certificate},
                                      std::pair{files.key, issued->private_key},
                                      std::pair{files.authority, agents->certificate}}) {
    if (auto written = write_file_atomic(file, content, 0600); !written) {
      return tl::unexpected(written.error());
    }
  }
  return files;
}

}  // namespace mdbop
