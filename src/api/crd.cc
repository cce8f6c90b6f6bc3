#include "api/crd.h"

#include <algorithm>
#include <map>
#include <set>

#include "api/kinds.h"
#include "api/validators.h"
#include "util/ascii_case.h"

namespace mdbop {
namespace {

using nlohmann::json;

constexpr const char* kPreserveUnknown = "x-kubernetes-preserve-unknown-fields";
constexpr const char* kIntOrString = "x-kubernetes-int-or-string";

// The strings schema::check accepts, as patterns (which the apiserver applies to strings only):
// parse_quantity's form (quantity.h) and is_percentage's "N%".
constexpr const char* kQuantityPattern =
    R"(^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([numkMGTPE]|[KMGTPE]i|[eE][+-]?[0-9]{1,4})?$)";
constexpr const char* kPercentPattern = "^[0-9]+%$";

json type(const char* name) { return {{"type", name}}; }

json preserve_unknown() { return {{kPreserveUnknown, true}}; }

// The root schema of each kind that gets a CRD: the one its validator checks against.
using SchemaOf = const schema::Node& (*)();
const std::map<std::string, SchemaOf>& root_schemas() {
  static const std::map<std::string, SchemaOf> table = {
      {"MariaDB", mariadb_schema},
      {"Backup", backup_schema},
      {"PhysicalBackup", physical_backup_schema},
      {"Restore", restore_schema},
      {"PointInTimeRecovery", point_in_time_recovery_schema},
  };
  return table;
}

json column(const char* name, const std::string& json_path, const char* column_type = "string",
            int priority = 0) {
  json c = {{"name", name}, {"jsonPath", json_path}, {"type", column_type}};
  if (priority != 0) c["priority"] = priority;
  return c;
}

std::string condition(const std::string& type, const std::string& member) {
  return ".status.conditions[?(@.type==\"" + type + "\")]." + member;
}

// The columns `kubectl get` prints, after the anchor operator's (its kubebuilder printcolumn
// markers), with the status fields mdbop's controllers write (src/controller/).
json printer_columns(const std::string& kind) {
  const json age = column("Age", ".metadata.creationTimestamp", "date");
  if (kind == "MariaDB") {
    return {column("Ready", condition("Ready", "status")),
            column("Status", condition("Ready", "message")),
            column("Primary", ".status.currentPrimary"),
            column("Updates", ".spec.updateStrategy.type"), age};
  }
  if (kind == "PointInTimeRecovery") {
    return {column("Physical Backup", ".spec.physicalBackupRef.name"),
            column("Last Recoverable Time", ".status.lastRecoverableTime"),
            column("Archiving", condition("Archiving", "status")), age};
  }
  json columns = {column("Complete", condition("Complete", "status")),
                  column("Status", condition("Complete", "message")),
                  column("MariaDB", ".spec.mariaDbRef.name")};
  if (kind == "PhysicalBackup") {
    columns.push_back(column("Last Scheduled", ".status.lastScheduleTime", "date"));
  }
  columns.push_back(age);
  return columns;
}

}  // namespace

json crd_schema(const schema::Node& node) {
  using schema::Type;
  switch (node.type) {
    case Type::kBool:
      return type("boolean");
    case Type::kInt:
      return {{"type", "integer"}, {"minimum", node.min}, {"maximum", node.max}};
    case Type::kString:
    case Type::kDuration:
    case Type::kDurationWithDays:
    case Type::kTimeZone:
      return type("string");
    case Type::kEnum:
      return {{"type", "string"}, {"enum", node.choices}};
    case Type::kTimestamp:
      // The apiserver's date-time (go-openapi strfmt) takes every form parse_rfc3339 does.
      return {{"type", "string"}, {"format", "date-time"}};
    case Type::kQuantity: {
      // mdbop takes any number here, fractions included (`size: 1.5`), which
      // x-kubernetes-int-or-string would refuse: so any value, strings matching the pattern.
      json quantity = preserve_unknown();
      quantity["pattern"] = kQuantityPattern;
      quantity["description"] = "A quantity such as 10Gi or 500M; a number is read as a quantity.";
      return quantity;
    }
    case Type::kIntOrPercent:
      return {{kIntOrString, true},
              {"pattern", kPercentPattern},
              {"minimum", node.min},
              {"maximum", node.max}};
    case Type::kStringList:
      return {{"type", "array"}, {"items", type("string")}};
    case Type::kStringMap:
      return {{"type", "object"}, {"additionalProperties", type("string")}};
    case Type::kLenientStringMap:
      // Numbers (fractions too) and booleans are turned into strings: the values take anything.
      return {{"type", "object"}, {"additionalProperties", preserve_unknown()}};
    case Type::kObject: {
      json properties = json::object();
      for (const schema::Field& field : node.fields) {
        properties[field.name] = crd_schema(field.node);
      }
      return {{"type", "object"}, {"properties", std::move(properties)}};
    }
    case Type::kTextOrObject:
      // A string or an object: no single type, so neither is checked here.
      return preserve_unknown();
    case Type::kAnyObject:
      return {{"type", "object"}, {kPreserveUnknown, true}};
    case Type::kAnyArray:
      return {{"type", "array"}, {"items", preserve_unknown()}};
    case Type::kRefused: {
      // Kept whole for mdbop to refuse with its own message (the description says why).
      json refused = preserve_unknown();
      refused["description"] = "mdbop refuses this field: " + node.reason;
      return refused;
    }
  }
  return preserve_unknown();  // not reached: every Type is handled above
}

std::vector<std::string> crd_kinds() {
  std::vector<std::string> kinds;
  for (const KindInfo& info : known_kinds()) {
    if (root_schemas().count(info.kind)) kinds.push_back(info.kind);
  }
  return kinds;
}

Result<json> crd_for_kind(const std::string& kind) {
  const auto schema_of = root_schemas().find(kind);
  const auto& kinds = known_kinds();
  const auto info =
      std::find_if(kinds.begin(), kinds.end(), [&](const KindInfo& k) { return k.kind == kind; });
  if (schema_of == root_schemas().end() || info == kinds.end()) {
    return fail("no CustomResourceDefinition for kind \"" + kind + "\"");
  }
  const size_t slash = info->api_version.find('/');
  const std::string group = info->api_version.substr(0, slash);
  const std::string version = info->api_version.substr(slash + 1);

  json root = crd_schema(schema_of->second());
  // The apiserver owns metadata: a CRD may restrict only its name and generateName.
  root["properties"]["metadata"] = type("object");
  // Written by mdbop through the status subresource, never checked against a schema.
  root["properties"]["status"] = {{"type", "object"}, {kPreserveUnknown, true}};
  root["description"] = info->kind +
                        " of mdbop: the fields and types mdbop's validation schema knows "
                        "(src/api/); mdbop checks the rest when it reads the object.";

  json version_entry = {{"name", version},
                        {"served", true},
                        {"storage", true},
                        {"schema", {{"openAPIV3Schema", std::move(root)}}},
                        {"subresources", {{"status", json::object()}}},
                        {"additionalPrinterColumns", printer_columns(kind)}};
  json names = {{"kind", info->kind},
                {"listKind", info->kind + "List"},
                {"plural", info->plural},
                {"singular", ascii_lowercase(info->kind)},
                {"shortNames", info->short_names}};
  json spec = {{"group", group},
               {"names", std::move(names)},
               {"scope", "Namespaced"},
               {"versions", json::array({std::move(version_entry)})}};
  json metadata = {{"name", info->plural + "." + group},
                   {"labels", {{"app.kubernetes.io/name", "mdbop"}}}};
  return json{{"apiVersion", "apiextensions.k8s.io/v1"},
              {"kind", "CustomResourceDefinition"},
              {"metadata", std::move(metadata)},
              {"spec", std::move(spec)}};
}

}  // namespace mdbop
