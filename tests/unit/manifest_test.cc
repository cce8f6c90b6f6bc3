#include "api/manifest.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "api/quantity.h"
#include "manifest_test_util.h"

namespace mdbop {
namespace {

std::string mariadb(const std::string& spec, const std::string& name = "galera") {
  return "apiVersion: k8s.mariadb.com/v1alpha1\nkind: MariaDB\nmetadata:\n  name: " + name +
         "\nspec:\n" + spec;
}

std::string galera3(const std::string& extra_galera = "", const std::string& extra_spec = "") {
  return mariadb("  replicas: 3\n  galera:\n    enabled: true\n" + extra_galera + extra_spec);
}

// --- decoding ---------------------------------------------------------------------------------

TEST(DecodeYaml, SplitsDocumentsAndSkipsEmptyOnes) {
  auto docs = decode_yaml_documents("# header\n---\na: 1\n---\n---\n# only a comment\n---\nb: 2\n");
  ASSERT_TRUE(docs) << docs.error().what();
  ASSERT_EQ(docs->size(), 2u);
  EXPECT_EQ((*docs)[0], json({{"a", 1}}));
  EXPECT_EQ((*docs)[1], json({{"b", 2}}));
}

TEST(DecodeYaml, EmptyTextHasNoDocuments) {
  auto docs = decode_yaml_documents("");
  ASSERT_TRUE(docs);
  EXPECT_TRUE(docs->empty());
}

TEST(DecodeYaml, PlainScalarsKeepYamlTypes) {
  const json doc = parse_one(
      "int: 3\nneg: -5\nplus: +5\nfloat: 1.5\nexp: 1e3\nhex: 0x1F\noctal: 0o17\n"
      "yes_word: yes\non_word: on\nt: true\nf: False\ntilde: ~\nnull_word: null\nempty:\n"
      "word: mariabackup\nbig: 12345678901234567890\ninf: .inf\npct: 50%\nversion: 10.11.6\n");
  EXPECT_EQ(doc["int"], 3);
  EXPECT_TRUE(doc["int"].is_number_integer());
  EXPECT_EQ(doc["neg"], -5);
  EXPECT_EQ(doc["plus"], 5);
  EXPECT_TRUE(doc["float"].is_number_float());
  EXPECT_DOUBLE_EQ(doc["float"].get<double>(), 1.5);
  EXPECT_DOUBLE_EQ(doc["exp"].get<double>(), 1000.0);
  EXPECT_EQ(doc["hex"], 31);
  EXPECT_EQ(doc["octal"], 15);
  EXPECT_EQ(doc["yes_word"], "yes");  // YAML 1.2: only true/false are booleans
  EXPECT_EQ(doc["on_word"], "on");
  EXPECT_EQ(doc["t"], true);
  EXPECT_EQ(doc["f"], false);
  EXPECT_TRUE(doc["tilde"].is_null());
  EXPECT_TRUE(doc["null_word"].is_null());
  EXPECT_TRUE(doc["empty"].is_null());
  EXPECT_EQ(doc["word"], "mariabackup");
  EXPECT_TRUE(doc["big"].is_number_float());
  EXPECT_EQ(doc["inf"], ".inf");
  EXPECT_EQ(doc["pct"], "50%");
  EXPECT_EQ(doc["version"], "10.11.6");
}

TEST(DecodeYaml, QuotedBlockAndStrTaggedScalarsAreStrings) {
  const json doc = parse_one(
      "double: \"3\"\nsingle: 'true'\ntagged: !!str 5\nint_tag: !!int \"7\"\n"
      "literal: |\n  [mysqld]\n  bind-address=0.0.0.0\nfolded: >\n  a\n  b\n");
  EXPECT_EQ(doc["double"], "3");
  EXPECT_EQ(doc["single"], "true");
  EXPECT_EQ(doc["tagged"], "5");
  EXPECT_EQ(doc["int_tag"], 7);
  EXPECT_EQ(doc["literal"], "[mysqld]\nbind-address=0.0.0.0\n");
  EXPECT_EQ(doc["folded"], "a b\n");
}

TEST(DecodeYaml, AcceptsJson) {
  EXPECT_EQ(parse_one("{\"kind\": \"Secret\", \"n\": [1, \"2\", null]}"),
            json::parse(R"({"kind": "Secret", "n": [1, "2", null]})"));
}

TEST(DecodeYaml, ResolvesAnchorsAndAliases) {
  const json doc = parse_one("base: &labels {app: db}\ncopy: *labels\nname: &n x\nother: *n\n");
  EXPECT_EQ(doc["copy"], json({{"app", "db"}}));
  EXPECT_EQ(doc["other"], "x");
}

TEST(DecodeYaml, SyntaxErrorNamesDocumentAndLine) {
  auto docs = decode_yaml_documents("a: 1\n---\nb: 2\nc: [1, 2\n");
  ASSERT_FALSE(docs);
  EXPECT_TRUE(HasText(docs.error().message, "document 2"));
  EXPECT_TRUE(HasText(docs.error().message, "line "));
}

TEST(DecodeYaml, ALeadingMarkerOpensTheFirstDocument) {
  auto docs = decode_yaml_documents("# a comment\n---\nkind: MariaDB\nspec: [1\n");
  ASSERT_FALSE(docs);
  EXPECT_TRUE(HasText(docs.error().message, "document 1, line "));
  docs = decode_yaml_documents("---\na: 1\n---\nb: 1\n--- \nc: {\n");
  ASSERT_FALSE(docs);
  EXPECT_TRUE(HasText(docs.error().message, "document 3, line "));
}

TEST(DecodeYaml, BadIndentationNamesLine) {
  auto docs = decode_yaml_documents("kind: MariaDB\nspec:\n  replicas: 3\n   port: 1\n");
  ASSERT_FALSE(docs);
  EXPECT_TRUE(HasText(docs.error().message, "document 1, line 4"));
}

TEST(DecodeYaml, StrayCommaIsAnErrorNotAHang) {
  // yaml-cpp 0.7 alone loops forever on these (jbeder/yaml-cpp#1040).
  for (const char* text : {",", ", a", "- a\n,\n", "a: 1\n---\n,\n"}) {
    auto docs = decode_yaml_documents(text);
    ASSERT_FALSE(docs) << text;
    EXPECT_TRUE(HasText(docs.error().message, "unexpected \",\"")) << text;
  }
  EXPECT_TRUE(HasText(decode_yaml_documents("a: 1\n---\n,\n").error().message, "document 2"));
}

TEST(DecodeYaml, RefusesDuplicateKeys) {
  auto docs = decode_yaml_documents("spec:\n  replicas: 3\n  replicas: 5\n");
  ASSERT_FALSE(docs);
  EXPECT_TRUE(HasText(docs.error().message, "duplicate key \"replicas\""));
  EXPECT_TRUE(HasText(docs.error().message, "line 3"));
}

TEST(DecodeYaml, RefusesComplexKeys) {
  auto docs = decode_yaml_documents("? [a, b]\n: 1\n");
  ASSERT_FALSE(docs);
  EXPECT_TRUE(HasText(docs.error().message, "keys must be scalars"));
}

// --- apiVersion, kind, metadata -----------------------------------------------------------------

TEST(ValidateObject, RefusesNonObjects) {
  auto result = validate_and_default(json::array({1, 2}));
  ASSERT_FALSE(result);
  EXPECT_TRUE(HasText(result.error().at(0).message, "must be a mapping"));
}

TEST(ValidateObject, UnknownKindSuggestsTheRightSpelling) {
  auto found = issues("apiVersion: k8s.mariadb.com/v1alpha1\nkind: Mariadb\nmetadata: {name: x}\n");
  EXPECT_TRUE(HasText(issue_at(found, "kind"), "did you mean \"MariaDB\"?"));
}

TEST(ValidateObject, UnknownKindListsTheAcceptedOnes) {
  auto found = issues("apiVersion: v1\nkind: Deployment\nmetadata: {name: x}\n");
  EXPECT_TRUE(HasText(issue_at(found, "kind"), "MariaDB, Backup, PhysicalBackup, Restore"));
}

TEST(ValidateObject, MissingKind) {
  auto found = issues("apiVersion: v1\nmetadata: {name: x}\n");
  EXPECT_TRUE(HasText(issue_at(found, "kind"), "required"));
}

TEST(ValidateObject, PodsCannotBeApplied) {
  auto found = issues("apiVersion: v1\nkind: Pod\nmetadata: {name: galera-0}\n");
  EXPECT_TRUE(HasText(issue_at(found, "kind"), "apply the MariaDB instead"));
}

TEST(ValidateObject, WrongApiVersionSaysWhichToUse) {
  auto found =
      issues("apiVersion: mariadb.mmontes.io/v1alpha1\nkind: MariaDB\nmetadata: {name: x}\n");
  const std::string message = issue_at(found, "apiVersion");
  EXPECT_TRUE(HasText(message, "use apiVersion: k8s.mariadb.com/v1alpha1"));
  EXPECT_TRUE(HasText(message, "former API group"));
  found = issues("kind: Secret\nmetadata: {name: x}\n");
  EXPECT_TRUE(HasText(issue_at(found, "apiVersion"), "use apiVersion: v1"));
}

TEST(ValidateObject, NameIsRequiredAndChecked) {
  EXPECT_TRUE(
      HasText(issue_at(issues("apiVersion: v1\nkind: Secret\nmetadata: {}\n"), "metadata.name"),
              "required"));
  EXPECT_TRUE(
      HasText(issue_at(issues("apiVersion: v1\nkind: Secret\n"), "metadata.name"), "required"));
  EXPECT_TRUE(HasText(issue_at(issues(mariadb("  replicas: 1\n", "My_DB")), "metadata.name"),
                      "lowercase letters, digits and '-'"));
  EXPECT_TRUE(HasText(issue_at(issues(mariadb("  replicas: 1\n", "db-")), "metadata.name"),
                      "not a valid name"));
}

TEST(ValidateObject, SecretNamesMayHaveDotsButMariaDBNamesMayNot) {
  EXPECT_TRUE(valid("apiVersion: v1\nkind: Secret\nmetadata: {name: tls.galera}\n").is_object());
  EXPECT_TRUE(HasText(issue_at(issues(mariadb("  replicas: 1\n", "my.db")), "metadata.name"),
                      "not a valid name"));
}

TEST(ValidateObject, MariaDBNameLeavesRoomForPodIndexes) {
  const std::string name61(61, 'a');
  const std::string name62(62, 'a');
  EXPECT_TRUE(valid(mariadb("  replicas: 1\n", name61)).is_object());
  EXPECT_TRUE(HasText(issue_at(issues(mariadb("  replicas: 1\n", name62)), "metadata.name"),
                      "at most 61 characters"));
  // Ten nodes need two digits: <name>-9 is fine but the check counts the widest index.
  EXPECT_TRUE(HasText(issue_at(issues(mariadb("  replicas: 11\n", name61)), "metadata.name"),
                      "at most 60 characters"));
}

TEST(ValidateObject, NamespaceIsCheckedAndDefaulted) {
  EXPECT_EQ(valid(mariadb("  replicas: 1\n"))["metadata"]["namespace"], "default");
  EXPECT_EQ(
      valid("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, namespace: prod}\n")["metadata"]
                                                                                      ["namespace"],
      "prod");
  auto found = issues("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, namespace: Prod}\n");
  EXPECT_TRUE(HasText(issue_at(found, "metadata.namespace"), "not a valid namespace"));
}

TEST(ValidateObject, UnknownTopLevelAndMetadataFields) {
  auto found = issues(mariadb("  replicas: 1\n") + "spce: {}\n");
  EXPECT_TRUE(HasText(issue_at(found, "spce"), "did you mean \"spec\"?"));
  found = issues("apiVersion: v1\nkind: Secret\nmetadata: {name: s, label: {a: b}}\n");
  EXPECT_TRUE(HasText(issue_at(found, "metadata.label"), "did you mean \"labels\"?"));
}

TEST(ValidateObject, LabelValuesMustBeStrings) {
  auto found = issues("apiVersion: v1\nkind: Secret\nmetadata: {name: s, labels: {tier: 1}}\n");
  EXPECT_TRUE(HasText(issue_at(found, "metadata.labels.tier"), "quote the value: \"1\""));
}

TEST(ValidateObject, StatusIsNotApplied) {
  const json m = valid(mariadb("  replicas: 1\n") + "status:\n  replicas: 1\n");
  EXPECT_FALSE(m.contains("status"));
}

// --- MariaDB ------------------------------------------------------------------------------------

TEST(ValidateMariaDB, GaleraGetsTheOperatorDefaults) {
  const json m = valid(galera3());
  const json& spec = m["spec"];
  EXPECT_EQ(spec["replicas"], 3);
  EXPECT_EQ(spec["port"], 3306);
  EXPECT_EQ(spec["updateStrategy"]["type"], "RollingUpdate");
  EXPECT_EQ(spec["rootPasswordSecretKeyRef"],
            json({{"name", "galera-root"}, {"key", "password"}, {"generate", true}}));
  const json& g = spec["galera"];
  EXPECT_EQ(g["primary"], json({{"podIndex", 0}, {"autoFailover", true}}));
  EXPECT_EQ(g["sst"], "mariabackup");
  EXPECT_EQ(g["replicaThreads"], 1);
  EXPECT_EQ(g["recovery"], json({{"enabled", true},
                                 {"minClusterSize", 1},
                                 {"clusterMonitorInterval", "10s"},
                                 {"clusterHealthyTimeout", "30s"},
                                 {"clusterBootstrapTimeout", "10m"},
                                 {"clusterUpscaleTimeout", "5m"},
                                 {"clusterDownscaleTimeout", "5m"},
                                 {"podRecoveryTimeout", "5m"},
                                 {"podSyncTimeout", "5m"}}));
}

TEST(ValidateMariaDB, MinimalStandaloneGetsDefaults) {
  const json m =
      valid("apiVersion: k8s.mariadb.com/v1alpha1\nkind: MariaDB\nmetadata: {name: db}\n");
  EXPECT_EQ(m["spec"]["replicas"], 1);
  EXPECT_EQ(m["spec"]["port"], 3306);
  EXPECT_FALSE(m["spec"].contains("galera"));
}

TEST(ValidateMariaDB, GivenValuesWinOverDefaults) {
  const json m =
      valid(galera3("    sst: rsync\n    replicaThreads: 4\n    primary: {podIndex: 2}\n"
                    "    recovery:\n      clusterHealthyTimeout: 1m\n",
                    "  port: 3307\n  updateStrategy: {type: ReplicasFirstPrimaryLast}\n"));
  const json& g = m["spec"]["galera"];
  EXPECT_EQ(g["sst"], "rsync");
  EXPECT_EQ(g["replicaThreads"], 4);
  EXPECT_EQ(g["primary"]["podIndex"], 2);
  EXPECT_EQ(g["recovery"]["clusterHealthyTimeout"], "1m");
  EXPECT_EQ(g["recovery"]["enabled"], true);  // a recovery block without `enabled` stays on
  EXPECT_EQ(g["recovery"]["podSyncTimeout"], "5m");
  EXPECT_EQ(m["spec"]["port"], 3307);
  EXPECT_EQ(m["spec"]["updateStrategy"]["type"], "ReplicasFirstPrimaryLast");
}

TEST(ValidateMariaDB, DisabledRecoveryGetsNoTimeouts) {
  const json m = valid(galera3("    recovery: {enabled: false}\n"));
  EXPECT_EQ(m["spec"]["galera"]["recovery"], json({{"enabled", false}}));
}

TEST(ValidateMariaDB, AutomaticFailoverIsReadAsAutoFailover) {
  const json m = valid(galera3("    primary: {automaticFailover: false}\n"));
  EXPECT_EQ(m["spec"]["galera"]["primary"], json({{"podIndex", 0}, {"autoFailover", false}}));
  EXPECT_TRUE(
      valid(galera3("    primary: {automaticFailover: true, autoFailover: true}\n")).is_object());
  auto found = issues(galera3("    primary: {automaticFailover: true, autoFailover: false}\n"));
  EXPECT_TRUE(
      HasText(issue_at(found, "spec.galera.primary.automaticFailover"), "keep only autoFailover"));
}

TEST(ValidateMariaDB, UnknownFieldsSuggestCloseNames) {
  auto found = issues(mariadb("  replica: 3\n"));
  EXPECT_TRUE(HasText(issue_at(found, "spec.replica"), "did you mean \"replicas\"?"));
  found = issues(galera3("    recovery: {minClusterSzie: 2}\n"));
  EXPECT_TRUE(HasText(issue_at(found, "spec.galera.recovery.minClusterSzie"),
                      "did you mean \"minClusterSize\"?"));
  found = issues(galera3("    replicathreads: 2\n"));
  EXPECT_TRUE(
      HasText(issue_at(found, "spec.galera.replicathreads"), "did you mean \"replicaThreads\"?"));
  found = issues(mariadb("  storage: {size: 1Gi, storageClass: fast}\n"));
  EXPECT_TRUE(
      HasText(issue_at(found, "spec.storage.storageClass"), "did you mean \"storageClassName\"?"));
}

TEST(ValidateMariaDB, UnknownFieldWithoutCloseNameListsSmallSchemas) {
  auto found = issues(galera3("    primary: {leader: 1}\n"));
  EXPECT_TRUE(HasText(issue_at(found, "spec.galera.primary.leader"),
                      "accepted here are: podIndex, autoFailover, automaticFailover"));
  found = issues(galera3("    gcache: 1G\n"));
  EXPECT_TRUE(HasText(issue_at(found, "spec.galera.gcache"), "unknown field"));
}

TEST(ValidateMariaDB, OperatorFeaturesMdbopLacksAreRefusedWithAReason) {
  auto found = issues(mariadb("  replicas: 3\n  replication: {enabled: true}\n"));
  EXPECT_TRUE(HasText(issue_at(found, "spec.replication"), "use spec.galera"));
  found = issues(mariadb("  maxScaleRef: {name: mxs}\n"));
  EXPECT_TRUE(HasText(issue_at(found, "spec.maxScaleRef"), "not supported"));
}

TEST(ValidateMariaDB, TypeMistakesSayHowToFixThem) {
  auto found = issues(mariadb("  replicas: \"3\"\n  myCnf: 5\n  galera:\n    enabled: \"true\"\n"));
  EXPECT_TRUE(HasText(issue_at(found, "spec.replicas"), "remove the quotes"));
  EXPECT_TRUE(HasText(issue_at(found, "spec.myCnf"), "quote the value"));
  EXPECT_TRUE(HasText(issue_at(found, "spec.galera.enabled"), "remove the quotes"));
  found = issues(mariadb("  replicas: 1.5\n  storage: []\n  tolerations: {key: a}\n"));
  EXPECT_TRUE(HasText(issue_at(found, "spec.replicas"), "whole number"));
  EXPECT_TRUE(HasText(issue_at(found, "spec.storage"), "must be an object"));
  EXPECT_TRUE(HasText(issue_at(found, "spec.tolerations"), "must be a list"));
}

TEST(ValidateMariaDB, ReportsEveryIssueAtOnce) {
  auto found = issues(galera3("    sst: xtrabackup\n    replicaThreads: 0\n", "  port: 0\n"));
  EXPECT_EQ(found.size(), 3u);
  EXPECT_TRUE(HasText(issue_at(found, "spec.galera.sst"), "mariabackup, rsync, mysqldump"));
  EXPECT_TRUE(HasText(issue_at(found, "spec.galera.replicaThreads"), "at least 1"));
  EXPECT_TRUE(HasText(issue_at(found, "spec.port"), "between 1 and 65535"));
}

TEST(ValidateMariaDB, RefusesAStateTransferThatWouldBypassNodeTls) {
  auto found = issues(galera3("    sst: mysqldump\n"));
  ASSERT_EQ(found.size(), 1u);
  EXPECT_TRUE(HasText(issue_at(found, "spec.galera.sst"), "clear text"));
  EXPECT_FALSE(valid(galera3("    sst: rsync\n")).is_null());
}

TEST(ValidateMariaDB, PassesKubernetesObjectsThrough) {
  const json m = valid(mariadb(
      "  resources:\n    requests: {cpu: 100m, memory: 1Gi}\n"
      "  affinity:\n    antiAffinityEnabled: true\n"
      "  tolerations:\n  - {key: k8s.mariadb.com/ha, operator: Exists, effect: NoSchedule}\n"
      "  livenessProbe: {periodSeconds: 10}\n  service: {type: LoadBalancer}\n"
      "  nodeSelector: {disk: ssd}\n  metrics: {enabled: true}\n  image: mariadb:11.4\n"));
  EXPECT_EQ(m["spec"]["resources"]["requests"]["memory"], "1Gi");
  EXPECT_EQ(m["spec"]["tolerations"].size(), 1u);
}

TEST(ValidateMariaDB, NullMeansNotSet) {
  const json m = valid(mariadb("  replicas: 1\n  galera:\n  myCnf: ~\n"));
  EXPECT_FALSE(m["spec"].contains("galera"));
  EXPECT_FALSE(m["spec"].contains("myCnf"));
}

TEST(ValidateMariaDB, ReplicasMustBePositive) {
  EXPECT_TRUE(HasText(issue_at(issues(mariadb("  replicas: 0\n")), "spec.replicas"), "at least 1"));
}

TEST(ValidateMariaDB, GaleraRefusesEvenReplicasUnlessAllowed) {
  auto found = issues(mariadb("  replicas: 2\n  galera: {enabled: true}\n"));
  const std::string message = issue_at(found, "spec.replicas");
  EXPECT_TRUE(HasText(message, "odd number"));
  EXPECT_TRUE(HasText(message, "replicasAllowEvenNumber: true"));
  EXPECT_TRUE(valid(mariadb("  replicas: 2\n  replicasAllowEvenNumber: true\n"
                            "  galera: {enabled: true}\n"))
                  .is_object());
}

TEST(ValidateMariaDB, PrimaryPodIndexMustNameAPod) {
  EXPECT_TRUE(valid(galera3("    primary: {podIndex: 2}\n")).is_object());
  EXPECT_TRUE(HasText(
      issue_at(issues(galera3("    primary: {podIndex: 3}\n")), "spec.galera.primary.podIndex"),
      "between 0 and 2 (spec.replicas is 3)"));
  EXPECT_TRUE(HasText(
      issue_at(issues(galera3("    primary: {podIndex: -1}\n")), "spec.galera.primary.podIndex"),
      "between 0 and 2"));
}

TEST(ValidateMariaDB, MinClusterSizeIsACountOrAPercentage) {
  const std::string field = "spec.galera.recovery.minClusterSize";
  for (const char* ok : {"1", "3", "\"50%\"", "1%", "100%"}) {
    EXPECT_TRUE(
        valid(galera3(std::string("    recovery: {minClusterSize: ") + ok + "}\n")).is_object())
        << ok;
  }
  EXPECT_TRUE(HasText(issue_at(issues(galera3("    recovery: {minClusterSize: 4}\n")), field),
                      "between 1 and spec.replicas (3)"));
  EXPECT_TRUE(HasText(issue_at(issues(galera3("    recovery: {minClusterSize: 0}\n")), field),
                      "between 1 and spec.replicas"));
  EXPECT_TRUE(HasText(issue_at(issues(galera3("    recovery: {minClusterSize: 0%}\n")), field),
                      "between 1% and 100%"));
  EXPECT_TRUE(HasText(issue_at(issues(galera3("    recovery: {minClusterSize: 101%}\n")), field),
                      "between 1% and 100%"));
  EXPECT_TRUE(
      HasText(issue_at(issues(galera3("    recovery: {minClusterSize: 12345678901%}\n")), field),
              "between 1% and 100%"));
  EXPECT_TRUE(HasText(issue_at(issues(galera3("    recovery: {minClusterSize: half}\n")), field),
                      "percentage such as \"50%\""));
  EXPECT_TRUE(HasText(issue_at(issues(galera3("    recovery: {minClusterSize: \"2\"}\n")), field),
                      "remove the quotes"));
}

TEST(ValidateMariaDB, DurationsAreGoDurations) {
  EXPECT_TRUE(valid(galera3("    recovery:\n      clusterHealthyTimeout: 1h30m\n"
                            "      podSyncTimeout: 300ms\n      clusterMonitorInterval: 1.5s\n"))
                  .is_object());
  const std::string field = "spec.galera.recovery.clusterBootstrapTimeout";
  auto message = issue_at(issues(galera3("    recovery: {clusterBootstrapTimeout: 30}\n")), field);
  EXPECT_TRUE(HasText(message, "a bare number has no unit"));
  EXPECT_TRUE(HasText(message, "\"30s\""));
  message = issue_at(issues(galera3("    recovery: {clusterBootstrapTimeout: \"30\"}\n")), field);
  EXPECT_TRUE(HasText(message, "invalid duration \"30\""));
  EXPECT_TRUE(HasText(
      issue_at(issues(galera3("    recovery: {clusterBootstrapTimeout: 5 minutes}\n")), field),
      "invalid duration"));
  EXPECT_TRUE(
      HasText(issue_at(issues(galera3("    recovery: {clusterBootstrapTimeout: 1d}\n")), field),
              "unknown unit \"d\""));
  EXPECT_TRUE(
      HasText(issue_at(issues(galera3("    recovery: {clusterBootstrapTimeout: -5s}\n")), field),
              "must not be negative"));
}

TEST(ValidateMariaDB, StorageSizeIsAQuantity) {
  for (const char* ok : {"1Gi", "500Mi", "10G", "1.5Gi"}) {
    EXPECT_EQ(
        valid(mariadb(std::string("  storage: {size: ") + ok + "}\n"))["spec"]["storage"]["size"],
        ok);
  }
  EXPECT_EQ(valid(mariadb("  storage: {size: 1073741824}\n"))["spec"]["storage"]["size"],
            "1073741824");
  EXPECT_TRUE(HasText(issue_at(issues(mariadb("  storage: {size: 1GB}\n")), "spec.storage.size"),
                      "invalid quantity \"1GB\"; use a size such as \"1Gi\""));
  EXPECT_TRUE(HasText(issue_at(issues(mariadb("  storage: {size: 0Gi}\n")), "spec.storage.size"),
                      "greater than zero"));
}

TEST(ValidateMariaDB, EphemeralStorageExcludesGaleraAndSizes) {
  EXPECT_TRUE(valid(mariadb("  storage: {ephemeral: true}\n")).is_object());
  auto found = issues(galera3("", "  storage: {ephemeral: true, size: 1Gi}\n"));
  EXPECT_EQ(found.size(), 2u);
}

TEST(ValidateMariaDB, ForceClusterBootstrapInPodMustNameOneOfItsPods) {
  const std::string field = "spec.galera.recovery.forceClusterBootstrapInPod";
  EXPECT_TRUE(valid(galera3("    recovery: {forceClusterBootstrapInPod: galera-2}\n")).is_object());
  for (const char* bad : {"galera-3", "other-0", "galera-01", "galera-", "galera"}) {
    auto found =
        issues(galera3(std::string("    recovery: {forceClusterBootstrapInPod: ") + bad + "}\n"));
    EXPECT_TRUE(HasText(issue_at(found, field), "galera-0 to galera-2")) << bad;
  }
}

TEST(ValidateMariaDB, MyCnfInlineOrFromAConfigMapNotBoth) {
  EXPECT_TRUE(valid(mariadb("  myCnf: |\n    [mariadb]\n    max_connections=200\n")).is_object());
  EXPECT_TRUE(valid(mariadb("  myCnfConfigMapKeyRef: {name: cnf, key: my.cnf}\n")).is_object());
  auto found = issues(mariadb("  myCnf: x\n  myCnfConfigMapKeyRef: {name: cnf, key: my.cnf}\n"));
  EXPECT_TRUE(HasText(issue_at(found, "spec.myCnfConfigMapKeyRef"), "not both"));
  found = issues(mariadb("  myCnfConfigMapKeyRef: {name: cnf}\n"));
  EXPECT_TRUE(HasText(issue_at(found, "spec.myCnfConfigMapKeyRef.key"), "required"));
}

TEST(ValidateMariaDB, RootPasswordReference) {
  const json m = valid(mariadb("  rootPasswordSecretKeyRef: {name: my-root}\n"));
  EXPECT_EQ(m["spec"]["rootPasswordSecretKeyRef"],
            json({{"name", "my-root"}, {"key", "password"}, {"generate", false}}));
  auto found = issues(mariadb("  rootPasswordSecretKeyRef: {key: pw}\n"));
  EXPECT_TRUE(HasText(issue_at(found, "spec.rootPasswordSecretKeyRef.name"), "required"));
  found = issues(mariadb("  rootPasswordSecretKeyRef: {name: r, generat: true}\n"));
  EXPECT_TRUE(HasText(issue_at(found, "spec.rootPasswordSecretKeyRef.generat"),
                      "did you mean \"generate\"?"));
}

TEST(ValidateMariaDB, EmptyRootPasswordIsRefused) {
  auto found = issues(mariadb("  rootEmptyPassword: true\n"));
  EXPECT_TRUE(HasText(issue_at(found, "spec.rootEmptyPassword"), "without a password"));
  EXPECT_TRUE(valid(mariadb("  rootEmptyPassword: false\n")).is_object());
}

TEST(ValidateMariaDB, InitialUserGetsAGeneratedPassword) {
  const json m = valid(mariadb("  database: app\n  username: app\n"));
  EXPECT_EQ(m["spec"]["passwordSecretKeyRef"],
            json({{"name", "galera-password"}, {"key", "password"}, {"generate", true}}));
}

TEST(ValidateMariaDB, ProviderOptionsAreStoredAsStrings) {
  const json m = valid(galera3(
      "    providerOptions:\n      gcache.size: 2G\n      pc.weight: 2\n      pc.ignore_sb: false\n"
      "      evs.suspect_timeout: PT5S\n"));
  EXPECT_EQ(m["spec"]["galera"]["providerOptions"], json({{"gcache.size", "2G"},
                                                          {"pc.weight", "2"},
                                                          {"pc.ignore_sb", "false"},
                                                          {"evs.suspect_timeout", "PT5S"}}));
  auto found = issues(galera3("    providerOptions:\n      gcache: {size: 1G}\n"));
  EXPECT_TRUE(HasText(issue_at(found, "spec.galera.providerOptions.gcache"), "must be a string"));
}

TEST(ValidateMariaDB, UpdateStrategyTypes) {
  for (const char* type : {"ReplicasFirstPrimaryLast", "RollingUpdate", "OnDelete", "Never"}) {
    EXPECT_TRUE(
        valid(mariadb(std::string("  updateStrategy: {type: ") + type + "}\n")).is_object());
  }
  EXPECT_TRUE(HasText(
      issue_at(issues(mariadb("  updateStrategy: {type: Recreate}\n")), "spec.updateStrategy.type"),
      "must be one of: ReplicasFirstPrimaryLast, RollingUpdate"));
}

TEST(ValidateMariaDB, PodDisruptionBudgetTakesOneLimit) {
  EXPECT_TRUE(valid(mariadb("  podDisruptionBudget: {maxUnavailable: 50%}\n")).is_object());
  EXPECT_TRUE(HasText(
      issue_at(issues(mariadb("  podDisruptionBudget: {maxUnavailable: 1, minAvailable: 1}\n")),
               "spec.podDisruptionBudget"),
      "not both"));
}

TEST(ValidateMariaDB, AcceptsATutorialManifest) {
  const json m = valid(R"(apiVersion: k8s.mariadb.com/v1alpha1
kind: MariaDB
metadata:
  name: mariadb-galera
spec:
  rootPasswordSecretKeyRef:
    name: mariadb
    key: root-password
  storage:
    size: 1Gi
    storageClassName: standard
  replicas: 3
  galera:
    enabled: true
    primary:
      podIndex: 0
      automaticFailover: true
    sst: mariabackup
    availableWhenDonor: false
    galeraLibPath: /usr/lib/galera/libgalera_smm.so
    replicaThreads: 1
    agent:
      image: ghcr.io/mariadb-operator/mariadb-operator:v0.0.28
      port: 5555
      kubernetesAuth:
        enabled: true
      gracefulShutdownTimeout: 1s
    recovery:
      enabled: true
      minClusterSize: 50%
      clusterHealthyTimeout: 30s
      clusterBootstrapTimeout: 10m
      podRecoveryTimeout: 3m
      podSyncTimeout: 3m
    initContainer:
      image: ghcr.io/mariadb-operator/mariadb-operator:v0.0.28
    config:
      reuseStorageVolume: false
      volumeClaimTemplate:
        resources:
          requests:
            storage: 300Mi
        accessModes:
          - ReadWriteOnce
  service:
    type: LoadBalancer
  primaryService:
    type: LoadBalancer
  secondaryService:
    type: LoadBalancer
  metrics:
    enabled: true
  podDisruptionBudget:
    maxUnavailable: 66%
  updateStrategy:
    type: ReplicasFirstPrimaryLast
)");
  EXPECT_EQ(m["spec"]["galera"]["primary"]["autoFailover"], true);
  EXPECT_EQ(m["spec"]["rootPasswordSecretKeyRef"]["key"], "root-password");
}

// --- Secret and ConfigMap -----------------------------------------------------------------------

TEST(ValidateSecret, FoldsStringDataIntoData) {
  const json s = valid(
      "apiVersion: v1\nkind: Secret\nmetadata: {name: mariadb}\n"
      "data: {user: cm9vdA==, password: b2xk}\nstringData: {password: s3cr3t}\n");
  EXPECT_FALSE(s.contains("stringData"));
  EXPECT_EQ(s["data"], json({{"user", "cm9vdA=="}, {"password", "czNjcjN0"}}));
  EXPECT_EQ(s["type"], "Opaque");
}

TEST(ValidateSecret, KeepsTheGivenType) {
  const json s =
      valid("apiVersion: v1\nkind: Secret\nmetadata: {name: t}\ntype: kubernetes.io/tls\n");
  EXPECT_EQ(s["type"], "kubernetes.io/tls");
}

TEST(ValidateSecret, RefusesBadBase64WithTheKey) {
  auto found =
      issues("apiVersion: v1\nkind: Secret\nmetadata: {name: s}\ndata: {password: s3cr3t!}\n");
  EXPECT_TRUE(HasText(issue_at(found, "data.password"), "not valid base64"));
}

TEST(ValidateSecret, StringDataValuesMustBeStrings) {
  auto found =
      issues("apiVersion: v1\nkind: Secret\nmetadata: {name: s}\nstringData: {pin: 1234}\n");
  const std::string message = issue_at(found, "stringData.pin");
  EXPECT_TRUE(HasText(message, "quote the value"));
  EXPECT_FALSE(HasText(message, "1234"));  // a Secret's value is never repeated
}

TEST(ValidateSecret, RefusesBadKeys) {
  auto found = issues("apiVersion: v1\nkind: Secret\nmetadata: {name: s}\nstringData: {a/b: x}\n");
  EXPECT_TRUE(HasText(issue_at(found, "stringData.a/b"), "invalid key"));
}

TEST(ValidateConfigMap, DataValuesMustBeQuotedStrings) {
  auto found = issues(
      "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n"
      "data: {port: 3306, debug: true}\n");
  EXPECT_TRUE(HasText(issue_at(found, "data.port"), "quote the value: \"3306\""));
  EXPECT_TRUE(HasText(issue_at(found, "data.debug"), "quote the value: \"true\""));
}

TEST(ValidateConfigMap, AcceptsMyCnf) {
  const json c = valid(
      "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cnf}\n"
      "data:\n  my.cnf: |\n    [mariadb]\n    max_connections=300\n");
  EXPECT_EQ(c["data"]["my.cnf"], "[mariadb]\nmax_connections=300\n");
}

TEST(ValidateConfigMap, BinaryDataIsBase64AndDoesNotRepeatDataKeys) {
  auto found = issues(
      "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n"
      "data: {a: x}\nbinaryData: {a: eA==, b: '%%'}\n");
  EXPECT_TRUE(HasText(issue_at(found, "binaryData.a"), "keep it in one place"));
  EXPECT_TRUE(HasText(issue_at(found, "binaryData.b"), "not valid base64"));
}

// --- Backup, PhysicalBackup, Restore
// --------------------------------------------------------------

TEST(ValidateBackupKinds, CheckTheObjectsFrame) {
  // Each kind's fields are tested in backup_spec_test.cc.
  const std::string head = "apiVersion: k8s.mariadb.com/v1alpha1\nkind: ";
  for (const char* kind : {"Backup", "PhysicalBackup"}) {
    const json b = valid(head + kind +
                         "\nmetadata: {name: nightly}\nspec:\n  mariaDbRef: {name: galera}\n"
                         "  storage: {volume: {hostPath: {path: /var/backups}}}\n");
    EXPECT_EQ(b["spec"]["mariaDbRef"]["name"], "galera") << kind;
  }
  EXPECT_TRUE(valid(head + "Restore\nmetadata: {name: r}\nspec:\n  mariaDbRef: {name: galera}\n"
                           "  backupRef: {name: nightly}\n")
                  .is_object());
  auto found = issues(head + "Backup\nmetadata: {name: b}\n");
  EXPECT_TRUE(HasText(issue_at(found, "spec"), "required"));
  found = issues(head + "Restore\nmetadata: {name: r}\nspec: [1]\n");
  EXPECT_TRUE(HasText(issue_at(found, "spec"), "must be an object"));
  found = issues(head + "PhysicalBackup\nmetadata: {name: Nightly}\nspec: {}\n");
  EXPECT_TRUE(HasText(issue_at(found, "metadata.name"), "not a valid name"));
}

// --- batches ------------------------------------------------------------------------------------

TEST(ValidateBatch, ReturnsEveryObjectDefaultedInOrder) {
  auto docs = decode_yaml_documents(
      "apiVersion: v1\nkind: Secret\nmetadata: {name: root}\nstringData: {password: x}\n---\n" +
      galera3());
  ASSERT_TRUE(docs);
  auto batch = validate_batch(*docs);
  ASSERT_TRUE(batch);
  ASSERT_EQ(batch->size(), 2u);
  EXPECT_EQ((*batch)[0]["kind"], "Secret");
  EXPECT_EQ((*batch)[1]["spec"]["galera"]["sst"], "mariabackup");
}

TEST(ValidateBatch, OneInvalidObjectRefusesTheWholeBatch) {
  auto docs = decode_yaml_documents(galera3() +
                                    "---\napiVersion: k8s.mariadb.com/v1alpha1\nkind: MariaDB\n"
                                    "metadata: {name: bad, namespace: prod}\nspec: {replicas: 0}\n"
                                    "---\napiVersion: v1\nkind: Secret\n");
  ASSERT_TRUE(docs);
  auto batch = validate_batch(*docs);
  ASSERT_FALSE(batch);
  ASSERT_EQ(batch.error().size(), 2u);
  EXPECT_EQ(batch.error()[0].field, "MariaDB/prod/bad spec.replicas");
  EXPECT_EQ(batch.error()[1].field, "object 3 metadata.name");
}

// --- fields a local runtime cannot honour ------------------------------------------------------

TEST(FieldsUnsupportedLocally, NamesKubernetesOnlyFields) {
  const json m = valid(galera3(
      "    agent: {port: 5555}\n",
      "  image: mariadb:11.4\n  resources: {limits: {memory: 2Gi}}\n"
      "  storage: {size: 1Gi, storageClassName: fast}\n  tolerations: []\n"
      "  metrics: {enabled: true}\n  tls: {enabled: false}\n  service: {type: LoadBalancer}\n"));
  EXPECT_EQ(fields_unsupported_locally(m),
            (std::vector<std::string>{"spec.image", "spec.resources", "spec.tolerations",
                                      "spec.storage.storageClassName", "spec.service",
                                      "spec.galera.agent"}));
}

TEST(FieldsUnsupportedLocally, OnPodsOnlyWhatMdbopDoesNotPutIntoItsPods) {
  const json m =
      valid(galera3("    agent: {port: 5555}\n",
                    "  image: mariadb:11.4\n  resources: {limits: {memory: 2Gi}}\n"
                    "  storage: {size: 1Gi, storageClassName: fast}\n  tolerations: []\n"
                    "  env: [{name: TZ, value: UTC}]\n  service: {type: LoadBalancer}\n"));
  EXPECT_EQ(fields_not_honoured_on_pods(m),
            (std::vector<std::string>{"spec.env", "spec.galera.agent"}));
  // The Jobs' settings of the anchor's backups: mdbop's go through the agents.
  const json b = valid(
      "apiVersion: k8s.mariadb.com/v1alpha1\nkind: Backup\nmetadata: {name: b}\nspec:\n"
      "  mariaDbRef: {name: g}\n  resources: {limits: {memory: 1Gi}}\n"
      "  storage:\n    volume: {hostPath: {path: /backups}}\n");
  EXPECT_EQ(fields_not_honoured_on_pods(b), std::vector<std::string>{"spec.resources"});
}

TEST(FieldsUnsupportedLocally, NothingForAPlainGaleraCluster) {
  EXPECT_TRUE(fields_unsupported_locally(valid(galera3("", "  storage: {size: 1Gi}\n"))).empty());
}

TEST(FieldsUnsupportedLocally, NothingForSecretsAndConfigMaps) {
  // The backup kinds' fields are tested in backup_spec_test.cc.
  EXPECT_TRUE(fields_unsupported_locally(valid("apiVersion: v1\nkind: Secret\nmetadata: {name: s}\n"
                                               "stringData: {resources: x}\n"))
                  .empty());
  EXPECT_TRUE(
      fields_unsupported_locally(valid("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n"))
          .empty());
}

// --- quantities ---------------------------------------------------------------------------------

TEST(Quantity, ParsesKubernetesSuffixes) {
  EXPECT_EQ(*parse_quantity("1Gi"), 1073741824.0L);
  EXPECT_EQ(*parse_quantity("500Mi"), 500.0L * 1048576);
  EXPECT_EQ(*parse_quantity("10G"), 1e10L);
  EXPECT_DOUBLE_EQ(static_cast<double>(*parse_quantity("100m")), 0.1);
  EXPECT_EQ(*parse_quantity("1e3"), 1000.0L);
  EXPECT_EQ(*parse_quantity(".5Ki"), 512.0L);
  EXPECT_EQ(*parse_quantity("12"), 12.0L);
  for (const char* bad : {"", "Gi", "1GB", "1 Gi", "1gi", "1e", "--1", "1.2.3", "1i"}) {
    EXPECT_FALSE(parse_quantity(bad)) << bad;
  }
}

}  // namespace
}  // namespace mdbop
