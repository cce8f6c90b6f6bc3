// spec.metrics: its schema (mariadb-operator's fields), the defaults of the exporter's account,
// what the local runtime warns about, and the typed MetricsSpec.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "api/manifest.h"
#include "api/mariadb_spec.h"
#include "api/metrics_schema.h"
#include "manifest_test_util.h"

namespace mdbop {
namespace {

std::string galera(const std::string& metrics_yaml, const std::string& extra_spec = "") {
  return "apiVersion: k8s.mariadb.com/v1alpha1\nkind: MariaDB\nmetadata:\n  name: galera\n"
         "spec:\n  replicas: 3\n  galera: {enabled: true}\n" +
         extra_spec + "  metrics:\n" + metrics_yaml;
}

TEST(MetricsSchema, EnabledGetsTheOperatorsDefaultAccount) {
  const json m = valid(galera("    enabled: true\n"));
  const json& metrics = m["spec"]["metrics"];
  EXPECT_EQ(metrics["username"], "galera-metrics");
  EXPECT_EQ(metrics["passwordSecretKeyRef"],
            json({{"name", "galera-metrics-password"}, {"key", "password"}, {"generate", true}}));
  // Kubernetes-only fields get no defaults: a default would be warned about as if written.
  EXPECT_FALSE(metrics.contains("exporter"));
  EXPECT_FALSE(metrics.contains("serviceMonitor"));
}

TEST(MetricsSchema, DisabledGetsNoDefaults) {
  const json m = valid(galera("    enabled: false\n"));
  EXPECT_EQ(m["spec"]["metrics"], json({{"enabled", false}}));
}

TEST(MetricsSchema, AWrittenAccountWinsAndItsReferenceIsCompleted) {
  const json m = valid(
      galera("    enabled: true\n    username: monitor\n    passwordSecretKeyRef: {name: mon}\n"));
  const json& metrics = m["spec"]["metrics"];
  EXPECT_EQ(metrics["username"], "monitor");
  EXPECT_EQ(metrics["passwordSecretKeyRef"],
            json({{"name", "mon"}, {"key", "password"}, {"generate", false}}));
}

TEST(MetricsSchema, AcceptsTheOperatorsExporterAndServiceMonitorFields) {
  const json m = valid(galera(R"(    enabled: true
    exporter:
      image: prom/mysqld-exporter:v0.15.1
      imagePullPolicy: IfNotPresent
      imagePullSecrets: [{name: registry}]
      args: [--collect.info_schema.tables]
      port: 9104
      resources: {requests: {cpu: 50m, memory: 64Mi}}
      podMetadata: {labels: {team: db}}
      securityContext: {runAsUser: 1000}
      podSecurityContext: {fsGroup: 1000}
      affinity: {antiAffinityEnabled: true}
      nodeSelector: {disk: ssd}
      tolerations: []
      priorityClassName: high
    serviceMonitor:
      enabled: true
      prometheusRelease: kube-prometheus-stack
      jobLabel: mariadb-monitoring
      interval: 10s
      scrapeTimeout: 10s
)"));
  EXPECT_EQ(m["spec"]["metrics"]["exporter"]["port"], 9104);
}

TEST(MetricsSchema, ExporterPortIsAPortNumber) {
  for (const char* port : {"0", "65536", "-1"}) {
    EXPECT_TRUE(
        HasText(issue_at(issues(galera("    exporter: {port: " + std::string(port) + "}\n")),
                         "spec.metrics.exporter.port"),
                "out of range (1..65535)"))
        << port;
  }
  EXPECT_TRUE(HasText(
      issue_at(issues(galera("    exporter: {port: \"9104\"}\n")), "spec.metrics.exporter.port"),
      "remove the quotes"));
}

TEST(MetricsSchema, TypeMistakesAndUnknownFieldsNameTheirField) {
  const auto found = issues(
      galera("    enabled: \"true\"\n    exporter: {imagePullPolicy: Sometimes}\n"
             "    serviceMonitor: {intervall: 10s}\n    passwordSecretKeyRef: {key: password}\n"));
  EXPECT_TRUE(HasText(issue_at(found, "spec.metrics.enabled"), "remove the quotes"));
  EXPECT_TRUE(HasText(issue_at(found, "spec.metrics.exporter.imagePullPolicy"), "must be one of"));
  EXPECT_TRUE(HasText(issue_at(found, "spec.metrics.serviceMonitor.intervall"),
                      "did you mean \"interval\""));
  EXPECT_TRUE(HasText(issue_at(found, "spec.metrics.passwordSecretKeyRef.name"), "required"));
}

TEST(MetricsSchema, UsernameMustBeASafeAccountOfItsOwn) {
  for (const char* bad : {"\"\"", "\"bad name\"", "\"x'y\"", "\"a:b\"", "-lead", "\"a?b\""}) {
    const auto found =
        issues(galera("    enabled: true\n    username: " + std::string(bad) + "\n"));
    EXPECT_FALSE(issue_at(found, "spec.metrics.username").empty()) << bad;
  }
  EXPECT_TRUE(HasText(
      issue_at(issues(galera("    enabled: true\n    username: root\n")), "spec.metrics.username"),
      "account of the server or of mdbop"));
  EXPECT_TRUE(HasText(
      issue_at(issues(galera("    enabled: true\n    username: app\n", "  username: app\n")),
               "spec.metrics.username"),
      "spec.username"));
  EXPECT_TRUE(HasText(issue_at(issues(galera("    username: " + std::string(129, 'a') + "\n")),
                               "spec.metrics.username"),
                      "at most 128"));
  EXPECT_FALSE(valid(galera("    enabled: true\n    username: mon_1.db-x\n")).is_null());
}

TEST(MetricsSchema, UsernameProblemsSayWhatIsAllowed) {
  EXPECT_EQ(exporter_username_problem("galera-metrics"), "");
  EXPECT_TRUE(HasText(exporter_username_problem("a b"), "letters, digits, '_', '.' and '-'"));
  EXPECT_TRUE(HasText(exporter_username_problem("mariadb.sys"), "choose another name"));
}

// mariadb-operator's metrics block as a widely read production tutorial writes it: enabled is
// honoured; each Kubernetes-only field is named once.
TEST(MetricsSchema, KubernetesOnlyFieldsAreWarnedAboutAndEnabledIsNot) {
  const json m = valid(galera(R"(    enabled: true
    exporter:
      image: prom/mysqld-exporter:latest
      port: 9104
      resources:
        requests: {cpu: 50m, memory: 64Mi}
    serviceMonitor:
      enabled: true
      prometheusRelease: prometheus
      interval: 30s
      scrapeTimeout: 10s
)"));
  EXPECT_EQ(
      fields_unsupported_locally(m),
      (std::vector<std::string>{"spec.metrics.exporter.image", "spec.metrics.exporter.port",
                                "spec.metrics.exporter.resources", "spec.metrics.serviceMonitor"}));
  EXPECT_TRUE(fields_unsupported_locally(valid(galera("    enabled: true\n"))).empty());
}

MariaDBSpec spec_of(const std::string& metrics_yaml) {
  const json object = valid(galera(metrics_yaml));
  return object.is_null() ? MariaDBSpec{} : mariadb_spec_from(object);
}

TEST(MetricsSpecFrom, EnabledWithTheDefaultAccount) {
  const MetricsSpec m = spec_of("    enabled: true\n").metrics;
  EXPECT_TRUE(m.enabled);
  EXPECT_EQ(m.username, "galera-metrics");
  EXPECT_EQ(m.password.name, "galera-metrics-password");
  EXPECT_EQ(m.password.key, "password");
  EXPECT_TRUE(m.password.generate);
}

TEST(MetricsSpecFrom, AbsentOrDisabledIsOff) {
  EXPECT_FALSE(spec_of("    enabled: false\n").metrics.enabled);
  const json object = valid(
      "apiVersion: k8s.mariadb.com/v1alpha1\nkind: MariaDB\nmetadata: {name: solo}\nspec: {}\n");
  EXPECT_FALSE(mariadb_spec_from(object).metrics.enabled);
}

TEST(MetricsSpecFrom, AWrittenAccount) {
  const MetricsSpec m = spec_of(
                            "    enabled: true\n    username: monitor\n"
                            "    passwordSecretKeyRef: {name: mon, key: pw, generate: true}\n")
                            .metrics;
  EXPECT_EQ(m.username, "monitor");
  EXPECT_EQ(m.password.name, "mon");
  EXPECT_EQ(m.password.key, "pw");
  EXPECT_TRUE(m.password.generate);
}

}  // namespace
}  // namespace mdbop
