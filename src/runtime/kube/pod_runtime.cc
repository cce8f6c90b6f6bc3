#include "runtime/kube/pod_runtime.h"

#include <algorithm>

#include "kube/authority_secret.h"
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

}  // namespace

PodRuntime::PodRuntime(std::shared_ptr<const KubeClient> client, PodRuntimeSettings settings)
    : client_(std::move(client)), settings_(std::move(settings)) {}

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
  {
    std::lock_guard lock(mutex_);
    if (auto written = cluster_objects_.find(uid);
        written != cluster_objects_.end() && written->second == generation) {
      return {};
    }
  }
  const std::string namespace_ = text_at(metadata, "namespace");
  const std::string name = text_at(metadata, "name");
  for (const json& service : render_cluster_services(mariadb, spec)) {
    auto applied =
        client_->patch(api_path(kServices, namespace_, text_at(service["metadata"], "name")),
                       service, PatchType::kApply);
    if (!applied) return tl::unexpected(applied.error());
  }
  const std::string budget_path = api_path(kBudgets, namespace_, name);
  if (auto budget = render_disruption_budget(mariadb, spec)) {
    auto applied = client_->patch(budget_path, *budget, PatchType::kApply);
    if (!applied) return tl::unexpected(applied.error());
  } else if (auto removed = client_->remove(budget_path);
             !removed && !is_not_found(removed.error())) {
    return tl::unexpected(removed.error());
  }
  std::lock_guard lock(mutex_);
  cluster_objects_[uid] = generation;
  return {};
}

Result<void> PodRuntime::ensure_node_secret(const json& mariadb, const NodeId& id) {
  {
    std::lock_guard lock(mutex_);
    if (secrets_ensured_.contains(id.qualified_pod())) return {};
  }
  auto nodes = nodes_authority(mariadb);
  if (!nodes) return tl::unexpected(nodes.error());
  auto agents = agents_authority();
  if (!agents) return tl::unexpected(agents.error());
  const std::string path = api_path(kSecrets, id.namespace_, agent_tls_secret_name(id));
  auto stored = client_->get(path);
  if (!stored && !is_not_found(stored.error())) return tl::unexpected(stored.error());
  if (!stored || !node_secret_current(*stored, nodes->certificate, agents->certificate)) {
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
  }
  std::lock_guard lock(mutex_);
  secrets_ensured_[id.qualified_pod()] = true;
  return {};
}

Result<void> PodRuntime::label_role(const json& pod, const NodeId& id, NodeRole role) {
  const std::string wanted = role_label_value(role);
  const json labels = pod["metadata"].value("labels", json::object());
  if (text_at(labels, kRoleLabel) == wanted) return {};
  if (role == NodeRole::kPrimary) {
    json selector = instance_labels(id.mariadb);
    selector[kRoleLabel] = role_label_value(NodeRole::kPrimary);
    auto holders = client_->get(api_path(kPods, id.namespace_) +
                                api_query({{"labelSelector", label_selector(selector)}}));
    if (!holders) return tl::unexpected(holders.error());
    for (const json& holder : holders->value("items", json::array())) {
      const std::string name = text_at(holder["metadata"], "name");
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
  if (!labelled) return tl::unexpected(labelled.error());
  return {};
}

Result<void> PodRuntime::ensure_node(const json& mariadb, const NodeId& id) {
  const MariaDBSpec spec = mariadb_spec_from(mariadb);
  if (auto cluster = ensure_cluster_objects(mariadb, spec); !cluster) return cluster;
  if (auto secret = ensure_node_secret(mariadb, id); !secret) return secret;
  if (auto claimed =
          create_unless_there(api_path(kClaims, id.namespace_), render_node_claim(mariadb, id));
      !claimed) {
    return claimed;
  }
  const NodeRole role = desired_role(mariadb, id);
  auto pod = find_pod(id);
  if (!pod) return tl::unexpected(pod.error());
  if (!*pod) {
    return create_unless_there(api_path(kPods, id.namespace_),
                               render_node_pod(mariadb, spec, id, role, settings_.environment));
  }
  return label_role(**pod, id, role);
}

Result<std::optional<json>> PodRuntime::find_pod(const NodeId& id) {
  auto pod = client_->get(api_path(kPods, id.namespace_, id.pod()));
  if (pod) return std::optional<json>(*pod);
  if (is_not_found(pod.error())) return std::optional<json>();
  return tl::unexpected(pod.error());
}

Result<std::vector<int>> PodRuntime::node_indices(const std::string& namespace_,
                                                  const std::string& mariadb) {
  auto claims =
      client_->get(api_path(kClaims, namespace_) +
                   api_query({{"labelSelector", label_selector(instance_labels(mariadb))}}));
  if (!claims) return tl::unexpected(claims.error());
  std::vector<int> indices;
  for (const json& claim : claims->value("items", json::array())) {
    const std::string name = text_at(claim.value("metadata", json::object()), "name");
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
  const std::string claim = api_path(kClaims, id.namespace_, claim_name(id));
  auto released = purge ? client_->remove(claim)
                        : client_->patch(claim, {{"metadata", {{"ownerReferences", nullptr}}}},
                                         PatchType::kMerge);
  if (!released && !is_not_found(released.error())) return tl::unexpected(released.error());
  std::lock_guard lock(mutex_);
  secrets_ensured_.erase(id.qualified_pod());
  return had_pod;
}

Result<TlsFiles> PodRuntime::operator_identity(const std::filesystem::path& dir) {
  auto agents = agents_authority();
  if (!agents) return tl::unexpected(agents.error());
  auto issued = issue_certificate(*agents, "mdbop operator", {}, std::chrono::days(365),
                                  CertificateUse::kClient);
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
