// The typed view of a validated MariaDB object that controllers work from.
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "util/result.h"

namespace mdbop {

struct SecretKeyRef {
  std::string name;
  std::string key;
  bool generate = false;
};

struct ConfigMapKeyRef {
  std::string name;
  std::string key;
};

struct GaleraRecoverySpec {
  bool enabled = true;
  int min_cluster_size = 1;  // resolved to a node count (percentages are rounded up)
  std::chrono::seconds cluster_healthy_timeout{30};
  std::chrono::seconds cluster_bootstrap_timeout{600};
  std::chrono::seconds pod_recovery_timeout{300};
  std::chrono::seconds pod_sync_timeout{300};
  std::string force_cluster_bootstrap_in_pod;  // pod name, empty when not set
};

// spec.metrics, as far as this machine honours it: a mysqld_exporter beside every node,
// scraping it as a least-privilege account.
struct MetricsSpec {
  bool enabled = false;
  std::string username;   // the exporter's MariaDB account (default <mariadb>-metrics)
  SecretKeyRef password;  // its password (default <mariadb>-metrics-password, generated)
};

struct MariaDBSpec {
  int replicas = 1;
  int port = 3306;  // kept for the record; the local runtime allocates real ports
  bool galera_enabled = false;
  int primary_pod_index = 0;
  bool auto_failover = true;
  std::string sst_method = "mariabackup";  // mariabackup | rsync | mysqldump
  int replica_threads = 1;
  std::map<std::string, std::string> provider_options;
  std::string gcache_size;  // empty: mdbop's default
  GaleraRecoverySpec recovery;
  std::string my_cnf;  // inline myCnf
  std::optional<ConfigMapKeyRef> my_cnf_config_map;
  bool root_empty_password = false;  // spec.rootEmptyPassword: root has no password at all
  SecretKeyRef root_password{"", "password", false};  // name empty only with root_empty_password
  std::string storage_size;
  // ReplicasFirstPrimaryLast | RollingUpdate | OnDelete | Never
  std::string update_strategy = "RollingUpdate";
  MetricsSpec metrics;
  // spec.pointInTimeRecoveryRef.name: the PointInTimeRecovery its binary logs are archived
  // by; empty: not archived.
  std::string point_in_time_recovery;
};

// REQUIRES: `mariadb` passed validate_and_default().
MariaDBSpec mariadb_spec_from(const nlohmann::json& mariadb);
// spec.galera.primary.podIndex within the replicas (validated with Galera only, a standalone
// server's may be any): the node a new cluster is seeded from and a restore installed into.
int primary_pod_index_within_replicas(const MariaDBSpec& spec);

}  // namespace mdbop
