// Invalid manifests are refused whole, with the field named, and nothing is stored.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>

#include "harness.h"

namespace mdbop::testing {
namespace {

using namespace std::chrono_literals;

TEST(ManifestRefusal, InvalidBatchIsRefusedWholeWithTheFieldNamed) {
  Installation mdbop;
  std::string manifest = galera_manifest("ok", 3, "pw") + R"(---
apiVersion: k8s.mariadb.com/v1alpha1
kind: MariaDB
metadata:
  name: broken
spec:
  replicas: 3
  galera:
    enabled: true
    recovery:
      minClusterSize: 7
)";
  CommandResult result = mdbop.mdbop({"apply", "-f", "-"}, manifest);
  EXPECT_NE(result.exit_code, 0);
  EXPECT_NE(result.err.find("spec.galera.recovery.minClusterSize"), std::string::npos)
      << result.err;
  // The valid documents of the batch were not applied either.
  CommandResult get = mdbop.mdbop({"get", "mariadb", "-o", "json"});
  EXPECT_EQ(json::parse(get.out)["items"].size(), 0u);
  EXPECT_EQ(json::parse(mdbop.must({"get", "secrets", "-o", "json"}))["items"].size(), 0u);
}

// A manifest written for Kubernetes carries a ServiceMonitor for the Prometheus operator: the
// MariaDB beside it is applied and the ServiceMonitor skipped with a note, by apply and by
// delete -f. No operator runs: nothing starts a node.
TEST(ManifestRefusal, PrometheusOperatorObjectsAreSkippedWithANote) {
  Installation mdbop;
  const std::string manifest = galera_manifest("m", 3, "pw") + R"(---
apiVersion: monitoring.coreos.com/v1
kind: ServiceMonitor
metadata:
  name: m
spec:
  selector: {matchLabels: {app.kubernetes.io/instance: m}}
  endpoints: [{port: metrics, interval: 10s}]
)";
  const std::string note =
      "servicemonitor.monitoring.coreos.com/m skipped: monitoring.coreos.com objects are for a "
      "Prometheus operator on Kubernetes; see docs/monitoring.md\n";
  CommandResult applied = mdbop.mdbop({"apply", "-f", "-"}, manifest);
  ASSERT_EQ(applied.exit_code, 0) << applied.err;
  EXPECT_NE(applied.out.find(note), std::string::npos) << applied.out;
  EXPECT_NE(applied.out.find("mariadb.k8s.mariadb.com/m created"), std::string::npos)
      << applied.out;
  EXPECT_EQ(json::parse(mdbop.must({"get", "mariadb", "-o", "json"}))["items"].size(), 1u);

  const std::string rule =
      std::string(MDBOP_SOURCE_DIR) + "/monitoring/prometheus/mdbop-prometheusrule.yaml";
  EXPECT_EQ(mdbop.must({"apply", "-f", rule}),
            "prometheusrule.monitoring.coreos.com/mdbop skipped: monitoring.coreos.com objects "
            "are for a Prometheus operator on Kubernetes; see docs/monitoring.md\n");

  CommandResult deleted = mdbop.mdbop({"delete", "-f", "-"}, manifest);
  ASSERT_EQ(deleted.exit_code, 0) << deleted.err;
  EXPECT_NE(deleted.out.find(note), std::string::npos) << deleted.out;
  EXPECT_NE(deleted.out.find("mariadb.k8s.mariadb.com/m marked for deletion"), std::string::npos)
      << deleted.out;
}

TEST(ManifestRefusal, AnotherUnknownKindBesideASkippedOneRefusesTheWholeFile) {
  Installation mdbop;
  const std::string manifest = galera_manifest("m", 3, "pw") + R"(---
apiVersion: monitoring.coreos.com/v1
kind: ServiceMonitor
metadata:
  name: m
---
apiVersion: monitoring.coreos.com/v1
kind: PodMonitor
metadata:
  name: m
)";
  CommandResult result = mdbop.mdbop({"apply", "-f", "-"}, manifest);
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_NE(result.err.find("unknown kind \"PodMonitor\""), std::string::npos) << result.err;
  EXPECT_EQ(result.out, "");
  EXPECT_EQ(json::parse(mdbop.must({"get", "mariadb", "-o", "json"}))["items"].size(), 0u);
}

TEST(ManifestRefusal, TyposAndBadValuesNameTheirFields) {
  Installation mdbop;
  struct Case {
    std::string spec;
    std::string field;
  };
  std::vector<Case> cases = {
      {"  replicas: 2\n  galera:\n    enabled: true\n", "spec.replicas"},
      {"  replicas: 3\n  galera:\n    enabled: true\n    sst: xtrabackup\n", "spec.galera.sst"},
      {"  replicas: 3\n  galera:\n    enabled: true\n    recovery:\n      podSyncTimeout: 5 "
       "minutes\n",
       "spec.galera.recovery.podSyncTimeout"},
      {"  replicas: 3\n  replicaz: 3\n", "spec.replicaz"},
      {"  replicas: 3\n  galera:\n    enabled: true\n    primary:\n      podIndex: 3\n",
       "spec.galera.primary.podIndex"},
  };
  for (const Case& c : cases) {
    std::string manifest =
        "apiVersion: k8s.mariadb.com/v1alpha1\nkind: MariaDB\nmetadata:\n  name: m\nspec:\n" +
        c.spec;
    CommandResult result = mdbop.mdbop({"apply", "-f", "-"}, manifest);
    EXPECT_NE(result.exit_code, 0) << c.spec;
    EXPECT_NE(result.err.find(c.field), std::string::npos) << c.field << " in " << result.err;
  }
  EXPECT_EQ(json::parse(mdbop.must({"get", "mariadb", "-o", "json"}))["items"].size(), 0u);
}

TEST(ManifestRefusal, UnsupportedLocalFieldsAreKeptAndWarnedOnce) {
  Installation mdbop;
  mdbop.start_operator();
  std::string manifest = galera_manifest("w", 1, "pw",
                                         "  image: mariadb:11.4\n  resources:\n    requests:\n"
                                         "      cpu: 100m\n");
  mdbop.apply(manifest);
  mdbop.wait_ready("w");
  mdbop.apply(manifest);
  ASSERT_TRUE(eventually([&] { return mdbop.events("w").size() >= 2; }, 10s));
  int image_warnings = 0;
  for (const json& e : mdbop.events("w")) {
    if (e["reason"] == "FieldIgnored" &&
        e["message"].get<std::string>().find("spec.image") != std::string::npos) {
      image_warnings += e.value("count", 1);
    }
  }
  EXPECT_EQ(image_warnings, 1);
  json stored = mdbop.mariadb("w");
  EXPECT_EQ(stored["spec"]["image"], "mariadb:11.4");
  EXPECT_EQ(stored["spec"]["resources"]["requests"]["cpu"], "100m");
}

// Every input that once crashed or fooled mdbop (fuzz/regressions) is refused by the real
// binary: exit status 1, a short message without raw control bytes, nothing stored.
TEST(ManifestRefusal, HostileFilesAreRefusedWithAShortMessage) {
  Installation mdbop;
  const std::filesystem::path dir = std::filesystem::path(MDBOP_SOURCE_DIR) / "fuzz/regressions";
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) files.push_back(entry.path());
  ASSERT_GE(files.size(), 10u);
  for (const auto& file : files) {
    CommandResult result = mdbop.mdbop({"apply", "-f", file.string()});
    EXPECT_EQ(result.exit_code, 1) << file << "\n" << result.err;
    EXPECT_LE(std::count(result.err.begin(), result.err.end(), '\n'), 3) << file << result.err;
    EXPECT_TRUE(std::none_of(result.err.begin(), result.err.end(),
                             [](char c) { return c != '\n' && (c >= 0 && c < 0x20); }))
        << file << "\n"
        << result.err;
    EXPECT_EQ(result.err.find("wsrep_on=OFF"), std::string::npos) << result.err;
  }
  for (const char* kind : {"mariadb", "secrets", "configmaps"}) {
    EXPECT_EQ(json::parse(mdbop.must({"get", kind, "-o", "json"}))["items"].size(), 0u) << kind;
  }
}

}  // namespace
}  // namespace mdbop::testing
