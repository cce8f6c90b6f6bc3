// The core v1 kinds mdbop stores: Secret and ConfigMap.
#include <string>

#include "api/object_meta.h"
#include "api/schema.h"
#include "api/validators.h"
#include "util/base64.h"

namespace mdbop {
namespace {

// Kubernetes' rule for Secret and ConfigMap keys (they become file names when mounted).
bool is_valid_data_key(const std::string& key) {
  return !key.empty() && key.size() <= 253 && key != "." && key != ".." &&
         key.find_first_not_of(
             "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.") ==
             std::string::npos;
}

void check_keys(const json& object, const char* field, std::vector<ValidationIssue>& issues) {
  if (!object.contains(field) || !object[field].is_object()) return;
  for (const auto& [key, value] : object[field].items()) {
    if (!is_valid_data_key(key)) {
      issues.push_back({std::string(field) + "." + key,
                        "invalid key: use letters, digits, '-', '_' and '.' only"});
    }
  }
}

// Secret.data and ConfigMap.binaryData carry their values as base64.
void check_base64_values(const json& object, const char* field,
                         std::vector<ValidationIssue>& issues) {
  if (!object.contains(field) || !object[field].is_object()) return;
  for (const auto& [key, value] : object[field].items()) {
    if (value.is_string() && !base64_decode(value.get<std::string>())) {
      issues.push_back({std::string(field) + "." + key,
                        "not valid base64; encode the value (e.g. `printf %s VALUE | base64 -w0`) "
                        "or put the plain text under stringData"});
    }
  }
}

const schema::Node& secret_schema() {
  static const schema::Node node = object_schema({
      {"data", schema::secret_string_map()},
      {"stringData", schema::secret_string_map()},
      {"type", schema::text()},
      {"immutable", schema::boolean()},
  });
  return node;
}

const schema::Node& config_map_schema() {
  static const schema::Node node = object_schema({
      {"data", schema::string_map()},
      {"binaryData", schema::string_map()},
      {"immutable", schema::boolean()},
  });
  return node;
}

}  // namespace

void validate_secret(json& object, std::vector<ValidationIssue>& issues) {
  const size_t before = issues.size();
  schema::check(object, secret_schema(), "", issues);
  check_names(object, NameRule::kSubdomain, issues);
  check_keys(object, "data", issues);
  check_keys(object, "stringData", issues);
  check_base64_values(object, "data", issues);
  if (issues.size() != before) return;

  // As the Kubernetes API server does: stringData is folded into data (winning on a shared
  // key), so stored Secrets have a single form.
  if (object.contains("stringData")) {
    json& data = object["data"];
    if (data.is_null()) data = json::object();
    for (const auto& [key, value] : object["stringData"].items()) {
      data[key] = base64_encode(value.get<std::string>());
    }
    object.erase("stringData");
  }
  if (!object.contains("type")) object["type"] = "Opaque";
}

void validate_config_map(json& object, std::vector<ValidationIssue>& issues) {
  schema::check(object, config_map_schema(), "", issues);
  check_names(object, NameRule::kSubdomain, issues);
  check_keys(object, "data", issues);
  check_keys(object, "binaryData", issues);
  check_base64_values(object, "binaryData", issues);
  if (object.contains("data") && object["data"].is_object() && object.contains("binaryData") &&
      object["binaryData"].is_object()) {
    for (const auto& [key, value] : object["data"].items()) {
      if (object["binaryData"].contains(key)) {
        issues.push_back({"binaryData." + key, "the key is also in data; keep it in one place"});
      }
    }
  }
}

}  // namespace mdbop
