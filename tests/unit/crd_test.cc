// The CustomResourceDefinitions made from mdbop's validation schema: each schema type maps to the
// OpenAPI it should, every generated schema is structural (what a kube-apiserver demands of a
// CRD), and what mdbop accepts a CRD accepts too, checked with a model of the apiserver's own
// validation of a custom resource.
#include "api/crd.h"
#include "api/yaml_encode.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <climits>
#include <fstream>
#include <iterator>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include "api/kinds.h"
#include "api/manifest.h"
#include "api/schema.h"
#include "api/validators.h"
#include "manifest_test_util.h"

namespace mdbop {
namespace {

constexpr const char* kPreserve = "x-kubernetes-preserve-unknown-fields";
constexpr const char* kIntOrString = "x-kubernetes-int-or-string";

json crd_of(const std::string& kind) {
  auto crd = crd_for_kind(kind);
  EXPECT_TRUE(crd) << kind << ": " << (crd ? "" : crd.error().message);
  return crd ? *crd : json::object();
}

const json& root_schema_of(const json& crd) {
  return crd["spec"]["versions"][0]["schema"]["openAPIV3Schema"];
}

// Whether schema::check accepts `value` against `node`.
bool mdbop_accepts(json value, const schema::Node& node) {
  std::vector<ValidationIssue> issues;
  schema::check(value, node, "x", issues);
  return issues.empty();
}

// --- a model of the apiserver's validation of a custom resource --------------------------------

// go-openapi strfmt's IsDateTime, the apiserver's check of format: date-time.
bool go_openapi_is_date_time(const std::string& text) {
  std::string lowered = text;
  for (char& c : lowered) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  std::vector<std::string> parts;
  for (size_t start = 0;;) {
    const size_t t = lowered.find('t', start);
    parts.push_back(lowered.substr(start, t - start));
    if (t == std::string::npos) break;
    start = t + 1;
  }
  static const std::regex date(R"(^([0-9]{4})-([0-9]{2})-([0-9]{2})$)");
  static const std::regex time(
      R"(^([0-9]{2}):([0-9]{2}):([0-9]{2})(.[0-9]+)?(z|([+-][0-9]{2}:[0-9]{2}))$)");
  std::smatch d;
  std::smatch m;
  if (text.size() < 4 || parts.size() < 2 || !std::regex_match(parts[0], d, date) || d[2] < "01" ||
      d[2] > "12" || d[3] < "01" || d[3] > "31" || !std::regex_match(parts[1], m, time)) {
    return false;
  }
  return m[1] <= "23" && m[2] <= "59" && m[3] <= "59";
}

// The problems the apiserver finds in `value` against CRD schema `s`: nulls of non-nullable
// members pruned, unknown members pruned (or kept under preserve-unknown-fields), then types,
// enums, ranges, patterns and formats.
void crd_problems(const json& value, const json& s, const std::string& path,
                  std::vector<std::string>& problems) {
  const auto problem = [&](const std::string& what) { problems.push_back(path + ": " + what); };
  if (s.value(kIntOrString, false)) {
    if (!value.is_number_integer() && !value.is_string()) return problem("not int or string");
  } else if (s.contains("type")) {
    const std::string type = s["type"];
    const bool ok =
        (type == "object" && value.is_object()) || (type == "array" && value.is_array()) ||
        (type == "string" && value.is_string()) || (type == "boolean" && value.is_boolean()) ||
        (type == "integer" && value.is_number_integer());
    if (!ok) return problem("not " + type + ": " + value.dump());
  } else if (!s.value(kPreserve, false)) {
    return problem("schema without type");
  }
  if (s.contains("enum") &&
      std::find(s["enum"].begin(), s["enum"].end(), value) == s["enum"].end()) {
    problem("not in enum");
  }
  if (value.is_number_integer()) {
    if (s.contains("minimum") && value.get<long long>() < s["minimum"].get<long long>()) {
      problem("below minimum");
    }
    if (s.contains("maximum") && value.get<long long>() > s["maximum"].get<long long>()) {
      problem("above maximum");
    }
  }
  if (value.is_string() && s.contains("pattern") &&
      !std::regex_search(value.get<std::string>(), std::regex(s["pattern"].get<std::string>()))) {
    problem("does not match " + s["pattern"].get<std::string>());
  }
  if (value.is_string() && s.value("format", "") == "date-time" &&
      !go_openapi_is_date_time(value.get<std::string>())) {
    problem("not a date-time");
  }
  if (value.is_object() && !s.value(kPreserve, false) && !s.contains("properties") &&
      !s.contains("additionalProperties")) {
    return;  // every member pruned
  }
  if (value.is_object()) {
    for (const auto& [key, member] : value.items()) {
      const json* sub = nullptr;
      if (s.contains("properties") && s["properties"].contains(key)) {
        sub = &s["properties"][key];
      } else if (s.contains("additionalProperties")) {
        sub = &s["additionalProperties"];
      }
      if (sub == nullptr) continue;    // pruned, or kept as it is
      if (member.is_null()) continue;  // pruned: no member is nullable
      crd_problems(member, *sub, path + "." + key, problems);
    }
  }
  if (value.is_array() && s.contains("items")) {
    for (size_t i = 0; i < value.size(); ++i) {
      crd_problems(value[i], s["items"], path + "[" + std::to_string(i) + "]", problems);
    }
  }
}

std::vector<std::string> crd_problems(const json& object) {
  std::vector<std::string> problems;
  crd_problems(object, root_schema_of(crd_of(object["kind"])), "", problems);
  return problems;
}

// --- each type ------------------------------------------------------------------------------

TEST(CrdSchema, ScalarTypes) {
  EXPECT_EQ(crd_schema(schema::boolean()), json({{"type", "boolean"}}));
  EXPECT_EQ(crd_schema(schema::integer()),
            json({{"type", "integer"}, {"minimum", INT_MIN}, {"maximum", INT_MAX}}));
  EXPECT_EQ(crd_schema(schema::integer(0, LLONG_MAX)),
            json({{"type", "integer"}, {"minimum", 0}, {"maximum", LLONG_MAX}}));
  EXPECT_EQ(crd_schema(schema::text()), json({{"type", "string"}}));
  EXPECT_EQ(crd_schema(schema::one_of({"zstd", "none"})),
            json({{"type", "string"}, {"enum", {"zstd", "none"}}}));
  for (const schema::Node& node :
       {schema::duration(), schema::duration_with_days(), schema::time_zone()}) {
    EXPECT_EQ(crd_schema(node), json({{"type", "string"}}));
  }
  EXPECT_EQ(crd_schema(schema::timestamp()), json({{"type", "string"}, {"format", "date-time"}}));
}

TEST(CrdSchema, QuantityTakesAnyValueAndStringsOfItsPattern) {
  const json q = crd_schema(schema::quantity());
  EXPECT_EQ(q[kPreserve], true);
  EXPECT_FALSE(q.contains("type"));
  EXPECT_TRUE(q.contains("pattern"));
  EXPECT_TRUE(q.contains("description"));
}

TEST(CrdSchema, IntOrPercentIsIntOrStringWithMdbopsRange) {
  const json p = crd_schema(schema::int_or_percent());
  EXPECT_EQ(p[kIntOrString], true);
  EXPECT_FALSE(p.contains("type"));
  EXPECT_EQ(p["minimum"], INT_MIN);
  EXPECT_EQ(p["maximum"], INT_MAX);
  EXPECT_EQ(p["pattern"], "^[0-9]+%$");
}

TEST(CrdSchema, ListsAndMaps) {
  EXPECT_EQ(crd_schema(schema::string_list()),
            json({{"type", "array"}, {"items", {{"type", "string"}}}}));
  for (const schema::Node& node : {schema::string_map(), schema::secret_string_map()}) {
    EXPECT_EQ(crd_schema(node),
              json({{"type", "object"}, {"additionalProperties", {{"type", "string"}}}}));
  }
  // Numbers and booleans pass, to be turned into strings: the values are not typed.
  EXPECT_EQ(crd_schema(schema::lenient_string_map()),
            json({{"type", "object"}, {"additionalProperties", {{kPreserve, true}}}}));
}

TEST(CrdSchema, ObjectsAndPassThroughs) {
  EXPECT_EQ(
      crd_schema(schema::object({{"name", schema::text()}, {"on", schema::boolean()}})),
      json({{"type", "object"},
            {"properties", {{"name", {{"type", "string"}}}, {"on", {{"type", "boolean"}}}}}}));
  EXPECT_EQ(crd_schema(schema::object({})),
            json({{"type", "object"}, {"properties", json::object()}}));
  EXPECT_EQ(crd_schema(schema::text_or_object({{"matchLabels", schema::string_map()}})),
            json({{kPreserve, true}}));
  EXPECT_EQ(crd_schema(schema::any_object()), json({{"type", "object"}, {kPreserve, true}}));
  EXPECT_EQ(crd_schema(schema::any_array()),
            json({{"type", "array"}, {"items", {{kPreserve, true}}}}));
}

TEST(CrdSchema, RefusedFieldsAreKeptUntypedWithTheirReason) {
  const json r = crd_schema(schema::refused("MaxScale is not supported by mdbop"));
  EXPECT_EQ(r[kPreserve], true);
  EXPECT_FALSE(r.contains("type"));
  EXPECT_EQ(r["description"], "mdbop refuses this field: MaxScale is not supported by mdbop");
}

// --- the patterns and formats accept what mdbop accepts -----------------------------------------

TEST(CrdSchema, QuantityPatternMatchesExactlyTheStringsMdbopAccepts) {
  const std::regex pattern(crd_schema(schema::quantity())["pattern"].get<std::string>());
  for (const char* text :
       {"1Gi", "500Mi", "10G", "1.5",  "5.",  ".5",   "+1",     "-1",      "1e3",  "1E+10", "1e-2",
        "1E",  "100m",  "2u",  "1Ei",  "1k",  "0",    "1e1234", "1e12345", "1K",   "1e",    "1e+",
        ".",   "",      "Gi",  "1 Gi", "1gi", "1Gib", "1.5.5",  "++1",     "1ee3", "1E3i",  "١"}) {
    EXPECT_EQ(std::regex_search(text, pattern), mdbop_accepts(text, schema::quantity())) << text;
  }
}

TEST(CrdSchema, PercentPatternMatchesExactlyThePercentagesMdbopAccepts) {
  const json s = crd_schema(schema::int_or_percent());
  const std::regex pattern(s["pattern"].get<std::string>());
  for (const char* text : {"50%", "0%", "100%", "007%", "%", "5", "-5%", "5.5%", "5 %", "x%"}) {
    EXPECT_EQ(std::regex_search(text, pattern), mdbop_accepts(text, schema::int_or_percent()))
        << text;
  }
}

TEST(CrdSchema, EveryTimestampMdbopAcceptsIsAnApiserverDateTime) {
  for (const char* text :
       {"2026-11-22T14:30:00Z", "2026-11-22T15:30:00+01:00", "2026-11-22T15:30:00.5-11:30",
        "2024-02-29T23:59:59.123456789Z", "0001-01-01T00:00:00Z", "2026-11-22T14:30:00",
        "2026-11-22 14:30:00Z", "2026-11-22t14:30:00z", "2025-02-29T00:00:00Z",
        "2026-13-01T00:00:00Z", "2026-11-22T24:00:00Z", "2026-11-22T14:30Z"}) {
    if (mdbop_accepts(text, schema::timestamp())) {
      EXPECT_TRUE(go_openapi_is_date_time(text)) << text;
    }
  }
}

// --- whole CRDs ------------------------------------------------------------------------------

TEST(CrdForKind, EveryKindOfTheOperatorsGroupHasOneAndNoOtherKindDoes) {
  std::vector<std::string> expected;
  for (const KindInfo& info : known_kinds()) {
    if (info.api_version.starts_with("k8s.mariadb.com/")) expected.push_back(info.kind);
  }
  EXPECT_EQ(crd_kinds(), expected);
  EXPECT_EQ(crd_kinds(), (std::vector<std::string>{"MariaDB", "Backup", "PhysicalBackup", "Restore",
                                                   "PointInTimeRecovery"}));
  for (const char* kind : {"Secret", "ConfigMap", "Pod", "MaxScale"}) {
    EXPECT_FALSE(crd_for_kind(kind)) << kind;
  }
}

TEST(CrdForKind, NamesAreTheOperatorsOwn) {
  const struct {
    const char* kind;
    const char* plural;
    const char* singular;
    const char* short_name;
  } kNames[] = {{"MariaDB", "mariadbs", "mariadb", "mdb"},
                {"Backup", "backups", "backup", "bmdb"},
                {"PhysicalBackup", "physicalbackups", "physicalbackup", "pbmdb"},
                {"Restore", "restores", "restore", "rmdb"},
                {"PointInTimeRecovery", "pointintimerecoveries", "pointintimerecovery", "pitr"}};
  for (const auto& n : kNames) {
    const json crd = crd_of(n.kind);
    EXPECT_EQ(crd["apiVersion"], "apiextensions.k8s.io/v1");
    EXPECT_EQ(crd["kind"], "CustomResourceDefinition");
    EXPECT_EQ(crd["metadata"]["name"], std::string(n.plural) + ".k8s.mariadb.com");
    const json& spec = crd["spec"];
    EXPECT_EQ(spec["group"], "k8s.mariadb.com");
    EXPECT_EQ(spec["scope"], "Namespaced");
    EXPECT_EQ(spec["names"]["kind"], n.kind);
    EXPECT_EQ(spec["names"]["listKind"], std::string(n.kind) + "List");
    EXPECT_EQ(spec["names"]["plural"], n.plural);
    EXPECT_EQ(spec["names"]["singular"], n.singular);
    EXPECT_EQ(spec["names"]["shortNames"], json::array({n.short_name}));
    ASSERT_EQ(spec["versions"].size(), 1u);
    const json& version = spec["versions"][0];
    EXPECT_EQ(version["name"], "v1alpha1");
    EXPECT_EQ(version["served"], true);
    EXPECT_EQ(version["storage"], true);
    EXPECT_EQ(version["subresources"], json({{"status", json::object()}}));
    const json& root = version["schema"]["openAPIV3Schema"];
    EXPECT_EQ(root["type"], "object");
    EXPECT_EQ(root["properties"]["metadata"], json({{"type", "object"}}));
    EXPECT_EQ(root["properties"]["status"], json({{"type", "object"}, {kPreserve, true}}));
    EXPECT_EQ(root["properties"]["apiVersion"], json({{"type", "string"}}));
    EXPECT_EQ(root["properties"]["kind"], json({{"type", "string"}}));
    EXPECT_EQ(root["properties"]["spec"]["type"], "object");
  }
}

TEST(CrdForKind, MariaDBPrinterColumns) {
  const json columns = crd_of("MariaDB")["spec"]["versions"][0]["additionalPrinterColumns"];
  EXPECT_EQ(columns, json::parse(R"([
              {"name": "Ready", "type": "string",
               "jsonPath": ".status.conditions[?(@.type==\"Ready\")].status"},
              {"name": "Status", "type": "string",
               "jsonPath": ".status.conditions[?(@.type==\"Ready\")].message"},
              {"name": "Primary", "type": "string", "jsonPath": ".status.currentPrimary"},
              {"name": "Updates", "type": "string", "jsonPath": ".spec.updateStrategy.type"},
              {"name": "Age", "type": "date", "jsonPath": ".metadata.creationTimestamp"}
            ])"));
  // The fields the columns show are mdbop's: spec.updateStrategy.type is in its schema.
  EXPECT_TRUE(root_schema_of(crd_of(
      "MariaDB"))["properties"]["spec"]["properties"]["updateStrategy"]["properties"]
                  .contains("type"));
}

TEST(CrdForKind, BackupAndRestorePrinterColumns) {
  for (const char* kind : {"Backup", "PhysicalBackup", "Restore"}) {
    const json columns = crd_of(kind)["spec"]["versions"][0]["additionalPrinterColumns"];
    ASSERT_GE(columns.size(), 4u) << kind;
    EXPECT_EQ(columns[0]["name"], "Complete");
    EXPECT_EQ(columns[0]["jsonPath"], ".status.conditions[?(@.type==\"Complete\")].status");
    EXPECT_EQ(columns[1]["name"], "Status");
    EXPECT_EQ(columns[1]["jsonPath"], ".status.conditions[?(@.type==\"Complete\")].message");
    EXPECT_EQ(columns[2]["name"], "MariaDB");
    EXPECT_EQ(columns[2]["jsonPath"], ".spec.mariaDbRef.name");
    EXPECT_EQ(
        columns.back(),
        json({{"name", "Age"}, {"type", "date"}, {"jsonPath", ".metadata.creationTimestamp"}}));
  }
  const json pitr =
      crd_of("PointInTimeRecovery")["spec"]["versions"][0]["additionalPrinterColumns"];
  EXPECT_EQ(pitr[0]["jsonPath"], ".spec.physicalBackupRef.name");
  EXPECT_EQ(pitr[1]["jsonPath"], ".status.lastRecoverableTime");
}

// The rules of a structural schema (Kubernetes' "Specifying a structural schema"), node by node.
void expect_structural(const json& s, const std::string& path) {
  ASSERT_TRUE(s.is_object()) << path;
  const bool preserve = s.value(kPreserve, false);
  const bool int_or_string = s.value(kIntOrString, false);
  if (s.contains(kPreserve)) {
    EXPECT_EQ(s[kPreserve], true) << path;
  }
  if (!s.contains("type")) {
    EXPECT_TRUE(preserve || int_or_string) << path << " has no type and no marker";
  } else {
    static const std::set<std::string> kTypes = {"object",  "array",  "string",
                                                 "integer", "number", "boolean"};
    EXPECT_TRUE(kTypes.count(s["type"].get<std::string>())) << path;
  }
  EXPECT_FALSE(int_or_string && s.contains("type")) << path;
  for (const char* junctor : {"anyOf", "allOf", "oneOf", "not"}) {
    EXPECT_FALSE(s.contains(junctor)) << path;
  }
  EXPECT_FALSE(s.contains("properties") && s.contains("additionalProperties")) << path;
  if (s.contains("properties")) {
    EXPECT_EQ(s.value("type", ""), "object") << path;
    for (const auto& [name, sub] : s["properties"].items())
      expect_structural(sub, path + "." + name);
  }
  if (s.contains("additionalProperties")) {
    EXPECT_EQ(s.value("type", ""), "object") << path;
    expect_structural(s["additionalProperties"], path + ".*");
  }
  if (s.value("type", "") == "array") {
    ASSERT_TRUE(s.contains("items")) << path;
    expect_structural(s["items"], path + "[]");
  } else {
    EXPECT_FALSE(s.contains("items")) << path;
  }
  if (s.contains("enum")) {
    for (const json& choice : s["enum"]) EXPECT_TRUE(choice.is_string()) << path;
  }
  if (s.contains("format")) {
    EXPECT_EQ(s["format"], "date-time") << path;
  }
  if (s.contains("pattern")) {
    EXPECT_NO_THROW(std::regex(s["pattern"].get<std::string>())) << path;
  }
}

TEST(CrdForKind, EverySchemaIsStructural) {
  for (const std::string& kind : crd_kinds()) {
    const json root = root_schema_of(crd_of(kind));
    EXPECT_EQ(root["type"], "object") << kind;
    expect_structural(root, kind);
  }
}

// Every kObject of mdbop's schema is an object with its properties in the CRD, field for field.
void expect_same_fields(const schema::Node& node, const json& s, const std::string& path) {
  if (node.type != schema::Type::kObject) return;
  ASSERT_EQ(s.value("type", ""), "object") << path;
  ASSERT_TRUE(s.contains("properties")) << path;
  EXPECT_EQ(s["properties"].size(), node.fields.size()) << path;
  for (const schema::Field& field : node.fields) {
    ASSERT_TRUE(s["properties"].contains(field.name)) << path << "." << field.name;
    if (path.empty() && (field.name == "metadata" || field.name == "status")) continue;
    expect_same_fields(field.node, s["properties"][field.name], path + "." + field.name);
  }
}

TEST(CrdForKind, EveryObjectOfTheSchemaHasItsProperties) {
  const std::vector<std::pair<std::string, const schema::Node*>> kinds = {
      {"MariaDB", &mariadb_schema()},
      {"Backup", &backup_schema()},
      {"PhysicalBackup", &physical_backup_schema()},
      {"Restore", &restore_schema()},
      {"PointInTimeRecovery", &point_in_time_recovery_schema()}};
  for (const auto& [kind, node] : kinds) {
    expect_same_fields(*node, root_schema_of(crd_of(kind)), "");
  }
}

// --- what mdbop accepts, the CRD accepts
// ----------------------------------------------------------

std::string with_header(const std::string& kind, const std::string& spec) {
  return "apiVersion: k8s.mariadb.com/v1alpha1\nkind: " + kind +
         "\nmetadata:\n  name: crd\n  namespace: default\n  labels: {app: x}\nspec:\n" + spec;
}

TEST(CrdAccepts, ManifestsMdbopAcceptsWithTheirOddestValues) {
  const std::vector<std::string> manifests = {
      with_header("MariaDB", R"(  replicas: 3
  port: 3306
  galera:
    enabled: true
    primary: {podIndex: 0, automaticFailover: true}
    providerOptions: {gcache.size: 1G, gcs.fc_limit: 128, pc.weight: 1.5, pc.ignore_sb: false}
    recovery: {minClusterSize: 50%, podSyncTimeout: 5m}
  storage: {size: 1.5}
  podDisruptionBudget: {maxUnavailable: 1}
  updateStrategy: {type: ReplicasFirstPrimaryLast}
  resources: {requests: {cpu: 0.5, memory: 256Mi}}
  nodeSelector: {disk: ssd}
  tolerations: [{key: a, operator: Exists}]
  myCnf: |
    [mariadb]
    max_allowed_packet=256M
  rootPasswordSecretKeyRef: {name: root, key: password, generate: true}
  timeZone: null
  status: null
)"),
      with_header("MariaDB",
                  "  storage: {size: 1073741824}\n  podDisruptionBudget: {minAvailable: 1}\n"),
      with_header("Backup", R"(  mariaDbRef: {name: galera}
  storage: {volume: {hostPath: {path: /var/backups}}}
  schedule: {cron: "0 3 * * *", timezone: Europe/Berlin}
  maxRetention: 30d
  podSelector: galera-1
  databases: [app]
)"),
      with_header("Backup", R"(  mariaDbRef: {name: galera}
  storage: {volume: {hostPath: {path: /var/backups}}}
  podSelector: {matchLabels: {statefulset.kubernetes.io/pod-name: galera-1}}
)"),
      with_header("PhysicalBackup", R"(  mariaDbRef: {name: galera}
  storage: {volume: {hostPath: {path: /var/backups}}}
  mariabackup: {extraArgs: [--parallel=4]}
)"),
      with_header("Restore", R"(  mariaDbRef: {name: galera}
  backupRef: {name: nightly}
  targetRecoveryTime: "2026-11-22T15:30:00.5+01:00"
)"),
      with_header("PointInTimeRecovery", R"(  physicalBackupRef: {name: physical}
  storage: {volume: {hostPath: {path: /var/binlogs}}}
  archiveTimeout: 1h
  compression: gzip
)"),
  };
  for (const std::string& manifest : manifests) {
    const json object = parse_one(manifest);
    ASSERT_TRUE(valid(manifest).is_object()) << manifest;
    EXPECT_EQ(crd_problems(object), std::vector<std::string>{}) << manifest;
  }
}

TEST(CrdAccepts, TheShippedExample) {
  auto docs = decode_yaml_documents([] {
    std::ifstream in(std::string(MDBOP_SOURCE_DIR) + "/examples/galera.yaml");
    return std::string(std::istreambuf_iterator<char>(in), {});
  }());
  ASSERT_TRUE(docs);
  int checked = 0;
  for (const json& object : *docs) {
    if (object["apiVersion"] != "k8s.mariadb.com/v1alpha1") continue;
    EXPECT_TRUE(validate_and_default(object)) << object.dump();
    EXPECT_EQ(crd_problems(object), std::vector<std::string>{}) << object.dump();
    ++checked;
  }
  EXPECT_GT(checked, 0);
}

TEST(CrdAccepts, RefusedFieldsReachMdbopWhole) {
  const std::string manifest = with_header(
      "MariaDB", "  replication: {enabled: true, primary: {podIndex: 0}}\n  maxScaleRef: x\n");
  EXPECT_FALSE(issue_at(issues(manifest), "spec.replication").empty());
  const json object = parse_one(manifest);
  EXPECT_EQ(crd_problems(object), std::vector<std::string>{});
  const json spec = root_schema_of(crd_of("MariaDB"))["properties"]["spec"]["properties"];
  for (const char* refused : {"replication", "maxScaleRef", "multiCluster"}) {
    EXPECT_EQ(spec[refused][kPreserve], true) << refused;
    EXPECT_FALSE(spec[refused].contains("type")) << refused;
  }
}

TEST(CrdAccepts, TheModelRefusesWhatTheApiserverWould) {
  // The model is no rubber stamp: wrong types and values are caught.
  EXPECT_FALSE(crd_problems(parse_one(with_header("MariaDB", "  replicas: \"3\"\n"))).empty());
  EXPECT_FALSE(crd_problems(parse_one(with_header("MariaDB", "  replicas: 3000000000\n"))).empty());
  EXPECT_FALSE(crd_problems(parse_one(with_header("MariaDB", "  storage: {size: 1GB}\n"))).empty());
  EXPECT_FALSE(
      crd_problems(parse_one(with_header("MariaDB", "  updateStrategy: {type: Sometimes}\n")))
          .empty());
  EXPECT_FALSE(crd_problems(parse_one(with_header("MariaDB",
                                                  "  podDisruptionBudget: {minAvailable: half}\n")))
                   .empty());
}

// --- the YAML ------------------------------------------------------------------------------------

TEST(CrdYaml, EveryCrdReadsBackAsItself) {
  for (const std::string& kind : crd_kinds()) {
    const json crd = crd_of(kind);
    const std::string text = encode_yaml(crd);
    auto docs = decode_yaml_documents(text);
    ASSERT_TRUE(docs) << kind << ": " << docs.error().what();
    ASSERT_EQ(docs->size(), 1u);
    EXPECT_EQ(docs->at(0), crd) << kind;
    EXPECT_EQ(encode_yaml(crd), text) << kind << ": stable output";
  }
}

TEST(CrdYaml, StringsThatYaml11ReadsAsOtherTypesAreQuoted) {
  const json value = {{"words", {"y", "no", "On", "OFF", "null", "~", "true", ".inf", ".NaN"}},
                      {"numbers", {"1", "1.5", "-1", "+.5", "0x1F", "1:20", "1e3", ""}},
                      {"plain", {"zstd", "none", ".status.currentPrimary", "Never", "a: b"}},
                      {"y", true},
                      {"n", 1},
                      {"empty", {{"map", json::object()}, {"list", json::array()}}}};
  const std::string text = encode_yaml(value);
  for (const char* quoted : {"\"y\"", "\"no\"", "\"On\"", "\"OFF\"", "\"null\"", "\"~\"",
                             "\"true\"", "\".inf\"", "\".NaN\"", "\"1\"", "\"1.5\"", "\"-1\"",
                             "\"+.5\"", "\"0x1F\"", "\"1:20\"", "\"1e3\"", "\"\""}) {
    EXPECT_NE(text.find(quoted), std::string::npos) << quoted << " in\n" << text;
  }
  EXPECT_NE(text.find("- zstd\n"), std::string::npos) << text;
  EXPECT_NE(text.find("- .status.currentPrimary\n"), std::string::npos) << text;
  EXPECT_NE(text.find("  map: {}\n"), std::string::npos) << text;
  EXPECT_NE(text.find("  list: []\n"), std::string::npos) << text;
  auto docs = decode_yaml_documents(text);
  ASSERT_TRUE(docs);
  EXPECT_EQ(docs->at(0), value);
}

}  // namespace
}  // namespace mdbop
