#include "api/mariadb_spec.h"

#include <gtest/gtest.h>

#include <string>

#include "api/duration.h"
#include "api/manifest.h"

namespace mdbop {
namespace {

using std::chrono::seconds;

MariaDBSpec spec_of(const std::string& spec_yaml, const std::string& name = "galera") {
  auto docs = decode_yaml_documents(
      "apiVersion: k8s.mariadb.com/v1alpha1\nkind: MariaDB\n"
      "metadata: {name: " +
      name + "}\nspec:\n" + spec_yaml);
  EXPECT_TRUE(docs) << docs.error().what();
  auto object = validate_and_default(docs->at(0));
  if (!object) {
    for (const auto& i : object.error()) ADD_FAILURE() << i.field << ": " << i.message;
    return {};
  }
  return mariadb_spec_from(*object);
}

TEST(MariaDBSpecFrom, MinimalGaleraClusterUsesTheDefaults) {
  const MariaDBSpec s = spec_of("  replicas: 3\n  galera: {enabled: true}\n");
  EXPECT_EQ(s.replicas, 3);
  EXPECT_EQ(s.port, 3306);
  EXPECT_TRUE(s.galera_enabled);
  EXPECT_EQ(s.primary_pod_index, 0);
  EXPECT_TRUE(s.auto_failover);
  EXPECT_EQ(s.sst_method, "mariabackup");
  EXPECT_EQ(s.replica_threads, 1);
  EXPECT_TRUE(s.provider_options.empty());
  EXPECT_EQ(s.gcache_size, "");
  EXPECT_TRUE(s.recovery.enabled);
  EXPECT_EQ(s.recovery.min_cluster_size, 1);
  EXPECT_EQ(s.recovery.cluster_healthy_timeout, seconds(30));
  EXPECT_EQ(s.recovery.cluster_bootstrap_timeout, seconds(600));
  EXPECT_EQ(s.recovery.pod_recovery_timeout, seconds(300));
  EXPECT_EQ(s.recovery.pod_sync_timeout, seconds(300));
  EXPECT_EQ(s.recovery.force_cluster_bootstrap_in_pod, "");
  EXPECT_FALSE(s.root_empty_password);
  EXPECT_EQ(s.root_password.name, "galera-root");
  EXPECT_EQ(s.root_password.key, "password");
  EXPECT_TRUE(s.root_password.generate);
  EXPECT_FALSE(s.my_cnf_config_map);
  EXPECT_EQ(s.storage_size, "");
  EXPECT_EQ(s.update_strategy, "RollingUpdate");
}

TEST(MariaDBSpecFrom, StandaloneServer) {
  const MariaDBSpec s = spec_of("  port: 3307\n  updateStrategy: {type: OnDelete}\n");
  EXPECT_EQ(s.replicas, 1);
  EXPECT_EQ(s.port, 3307);
  EXPECT_FALSE(s.galera_enabled);
  EXPECT_EQ(s.update_strategy, "OnDelete");
}

TEST(MariaDBSpecFrom, GaleraSettings) {
  const MariaDBSpec s = spec_of(
      "  replicas: 5\n  galera:\n    enabled: true\n    sst: rsync\n    replicaThreads: 8\n"
      "    primary: {podIndex: 4, automaticFailover: false}\n"
      "    recovery:\n      minClusterSize: 2\n      forceClusterBootstrapInPod: galera-3\n"
      "    providerOptions: {gcache.size: 2G, pc.weight: 3}\n");
  EXPECT_EQ(s.sst_method, "rsync");
  EXPECT_EQ(s.replica_threads, 8);
  EXPECT_EQ(s.primary_pod_index, 4);
  EXPECT_FALSE(s.auto_failover);
  EXPECT_EQ(s.recovery.min_cluster_size, 2);
  EXPECT_EQ(s.recovery.force_cluster_bootstrap_in_pod, "galera-3");
  EXPECT_EQ(s.provider_options.at("gcache.size"), "2G");
  EXPECT_EQ(s.provider_options.at("pc.weight"), "3");
  EXPECT_EQ(s.gcache_size, "2G");
}

TEST(MariaDBSpecFrom, MinClusterSizePercentagesRoundUp) {
  const auto min_size = [](int replicas, const std::string& pct) {
    return spec_of("  replicas: " + std::to_string(replicas) +
                   "\n  replicasAllowEvenNumber: true\n  galera:\n    enabled: true\n"
                   "    recovery: {minClusterSize: \"" +
                   pct + "\"}\n")
        .recovery.min_cluster_size;
  };
  EXPECT_EQ(min_size(3, "50%"), 2);
  EXPECT_EQ(min_size(3, "34%"), 2);
  EXPECT_EQ(min_size(3, "33%"), 1);
  EXPECT_EQ(min_size(3, "1%"), 1);
  EXPECT_EQ(min_size(5, "100%"), 5);
  EXPECT_EQ(min_size(4, "50%"), 2);
  EXPECT_EQ(min_size(1, "1%"), 1);
}

TEST(MariaDBSpecFrom, DurationsBecomeWholeSecondsRoundedUp) {
  const MariaDBSpec s = spec_of(
      "  replicas: 3\n  galera:\n    enabled: true\n    recovery:\n"
      "      clusterHealthyTimeout: 300ms\n      clusterBootstrapTimeout: 1h30m\n"
      "      podRecoveryTimeout: 1.5s\n      podSyncTimeout: 0s\n");
  EXPECT_EQ(s.recovery.cluster_healthy_timeout, seconds(1));
  EXPECT_EQ(s.recovery.cluster_bootstrap_timeout, seconds(5400));
  EXPECT_EQ(s.recovery.pod_recovery_timeout, seconds(2));
  EXPECT_EQ(s.recovery.pod_sync_timeout, seconds(0));
}

TEST(MariaDBSpecFrom, DisabledRecovery) {
  const MariaDBSpec s = spec_of(
      "  replicas: 3\n  galera:\n    enabled: true\n"
      "    recovery: {enabled: false}\n");
  EXPECT_FALSE(s.recovery.enabled);
}

TEST(MariaDBSpecFrom, ConfigurationSources) {
  MariaDBSpec s = spec_of("  myCnf: |\n    [mariadb]\n    max_connections=100\n");
  EXPECT_EQ(s.my_cnf, "[mariadb]\nmax_connections=100\n");
  EXPECT_FALSE(s.my_cnf_config_map);
  s = spec_of("  myCnfConfigMapKeyRef: {name: cnf, key: my.cnf}\n");
  EXPECT_EQ(s.my_cnf, "");
  ASSERT_TRUE(s.my_cnf_config_map);
  EXPECT_EQ(s.my_cnf_config_map->name, "cnf");
  EXPECT_EQ(s.my_cnf_config_map->key, "my.cnf");
}

TEST(MariaDBSpecFrom, RootPassword) {
  MariaDBSpec s = spec_of("  rootPasswordSecretKeyRef: {name: mariadb, key: root-password}\n");
  EXPECT_EQ(s.root_password.name, "mariadb");
  EXPECT_EQ(s.root_password.key, "root-password");
  EXPECT_FALSE(s.root_password.generate);
}

TEST(MariaDBSpecFrom, StorageSize) {
  EXPECT_EQ(spec_of("  storage: {size: 10Gi}\n").storage_size, "10Gi");
  EXPECT_EQ(spec_of("  storage:\n    volumeClaimTemplate:\n      resources:\n"
                    "        requests: {storage: 5Gi}\n")
                .storage_size,
            "5Gi");
  EXPECT_EQ(spec_of("  volumeClaimTemplate:\n    resources:\n      requests: {storage: 2Gi}\n")
                .storage_size,
            "2Gi");
}

// --- Go durations -------------------------------------------------------------------------------

TEST(GoDuration, ParsesWhatGoAccepts) {
  using std::chrono::nanoseconds;
  const auto ns = [](const char* text) { return parse_go_duration(text).value().count(); };
  EXPECT_EQ(ns("0"), 0);
  EXPECT_EQ(ns("30s"), 30'000'000'000);
  EXPECT_EQ(ns("5m"), 300'000'000'000);
  EXPECT_EQ(ns("1h30m"), 5'400'000'000'000);
  EXPECT_EQ(ns("300ms"), 300'000'000);
  EXPECT_EQ(ns("1.5h"), 5'400'000'000'000);
  EXPECT_EQ(ns(".5s"), 500'000'000);
  EXPECT_EQ(ns("1.s"), 1'000'000'000);
  EXPECT_EQ(ns("10us"), 10'000);
  EXPECT_EQ(ns("10\u00b5s"), 10'000);
  EXPECT_EQ(ns("7ns"), 7);
  EXPECT_EQ(ns("-1m"), -60'000'000'000);
  EXPECT_EQ(ns("+2s"), 2'000'000'000);
  EXPECT_EQ(ns("1h1m1s1ms"), 3'661'001'000'000);
}

TEST(GoDuration, RefusesWhatGoRefuses) {
  for (const char* bad :
       {"", "30", "s", "-", "1d", "1 s", "5 minutes", ".s", "1hh", "1h 30m", "100000000000h"}) {
    EXPECT_FALSE(parse_go_duration(bad)) << bad;
  }
  EXPECT_EQ(parse_go_duration("30").error().message, "missing unit after \"30\"");
  EXPECT_EQ(parse_go_duration("2d").error().message, "unknown unit \"d\"");
}

}  // namespace
}  // namespace mdbop
