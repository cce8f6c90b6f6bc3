#include "api/mariadb_spec.h"

#include <algorithm>
#include <string>

#include "api/duration.h"
#include "api/json_lookup.h"

namespace mdbop {
namespace {

// Whole seconds, rounded up so that a short non-zero duration ("300ms") never becomes 0.
void set_seconds(const json& recovery, const char* key, std::chrono::seconds& out) {
  if (!recovery.contains(key)) return;
  const auto nanos = parse_go_duration(recovery[key].get<std::string>());
  if (nanos) out = std::chrono::ceil<std::chrono::seconds>(*nanos);
}

int resolve_min_cluster_size(const json& value, int replicas) {
  if (value.is_number_integer()) return value.get<int>();
  std::string percent = value.get<std::string>();
  percent.pop_back();  // the '%'
  const long long scaled = (std::stoll(percent) * replicas + 99) / 100;
  return static_cast<int>(std::max(1LL, scaled));
}

GaleraRecoverySpec recovery_from(const json& recovery, int replicas) {
  GaleraRecoverySpec r;
  r.enabled = recovery.value("enabled", true);
  if (recovery.contains("minClusterSize")) {
    r.min_cluster_size = resolve_min_cluster_size(recovery["minClusterSize"], replicas);
  }
  set_seconds(recovery, "clusterHealthyTimeout", r.cluster_healthy_timeout);
  set_seconds(recovery, "clusterBootstrapTimeout", r.cluster_bootstrap_timeout);
  set_seconds(recovery, "podRecoveryTimeout", r.pod_recovery_timeout);
  set_seconds(recovery, "podSyncTimeout", r.pod_sync_timeout);
  r.force_cluster_bootstrap_in_pod = recovery.value("forceClusterBootstrapInPod", "");
  return r;
}

// The declared data size: storage.size, else the request of a volume claim template.
std::string storage_size_from(const json& spec) {
  const json& storage = member(spec, "storage");
  if (storage.contains("size")) return storage["size"];
  for (const json* vct :
       {&member(storage, "volumeClaimTemplate"), &member(spec, "volumeClaimTemplate")}) {
    const json& request = member(member(member(*vct, "resources"), "requests"), "storage");
    if (request.is_string()) return request;
  }
  return "";
}

MetricsSpec metrics_from(const json& metrics) {
  MetricsSpec m;
  m.enabled = metrics.value("enabled", false);
  m.username = metrics.value("username", "");
  const json& ref = member(metrics, "passwordSecretKeyRef");
  m.password = SecretKeyRef{ref.value("name", ""), ref.value("key", "password"),
                            ref.value("generate", false)};
  return m;
}

}  // namespace

int primary_pod_index_within_replicas(const MariaDBSpec& spec) {
  return std::clamp(spec.primary_pod_index, 0, std::max(spec.replicas - 1, 0));
}

MariaDBSpec mariadb_spec_from(const json& mariadb) {
  const json& spec = member(mariadb, "spec");
  MariaDBSpec s;
  s.replicas = spec.value("replicas", 1);
  s.port = spec.value("port", 3306);

  const json& galera = member(spec, "galera");
  s.galera_enabled = galera.value("enabled", false);
  const json& primary = member(galera, "primary");
  s.primary_pod_index = primary.value("podIndex", 0);
  s.auto_failover = primary.value("autoFailover", primary.value("automaticFailover", true));
  s.sst_method = galera.value("sst", "mariabackup");
  s.replica_threads = galera.value("replicaThreads", 1);
  for (const auto& [key, value] : member(galera, "providerOptions").items()) {
    s.provider_options[key] = value.get<std::string>();
  }
  if (const auto it = s.provider_options.find("gcache.size"); it != s.provider_options.end()) {
    s.gcache_size = it->second;
  }
  s.recovery = recovery_from(member(galera, "recovery"), s.replicas);

  s.my_cnf = spec.value("myCnf", "");
  if (spec.contains("myCnfConfigMapKeyRef")) {
    const json& ref = spec["myCnfConfigMapKeyRef"];
    s.my_cnf_config_map = ConfigMapKeyRef{ref.value("name", ""), ref.value("key", "")};
  }
  s.root_empty_password = spec.value("rootEmptyPassword", false);
  if (spec.contains("rootPasswordSecretKeyRef")) {
    const json& ref = spec["rootPasswordSecretKeyRef"];
    s.root_password = SecretKeyRef{ref.value("name", ""), ref.value("key", "password"),
                                   ref.value("generate", false)};
  }
  s.storage_size = storage_size_from(spec);
  s.update_strategy = member(spec, "updateStrategy").value("type", "RollingUpdate");
  s.metrics = metrics_from(member(spec, "metrics"));
  s.point_in_time_recovery = member(spec, "pointInTimeRecoveryRef").value("name", "");
  return s;
}

}  // namespace mdbop
