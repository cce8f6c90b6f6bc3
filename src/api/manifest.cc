// validate_and_default and validate_batch: checks each object's apiVersion and kind, then hands
// it to its kind's validator (validators.h).
#include "api/manifest.h"

#include <map>
#include <string>

#include "api/json_lookup.h"
#include "api/kinds.h"
#include "api/option_value.h"
#include "api/printable.h"
#include "api/skipped_kinds.h"
#include "api/validators.h"
#include "util/base64.h"

namespace mdbop {
namespace {

const std::map<std::string, KindValidator>& validators() {
  static const std::map<std::string, KindValidator> table = {
      {"MariaDB", validate_mariadb},
      {"Secret", validate_secret},
      {"ConfigMap", validate_config_map},
      {"Backup", validate_backup},
      {"PhysicalBackup", validate_physical_backup},
      {"Restore", validate_restore},
      {"PointInTimeRecovery", validate_point_in_time_recovery},
  };
  return table;
}

std::string appliable_kinds() {
  std::string names;
  for (const KindInfo& k : known_kinds()) {
    if (validators().count(k.kind)) names += (names.empty() ? "" : ", ") + k.kind;
  }
  return names;
}

// Checks kind and apiVersion; returns the kind's entry when both are right.
const KindInfo* check_type(const json& object, std::vector<ValidationIssue>& issues) {
  if (!object.contains("kind") || !object["kind"].is_string()) {
    issues.push_back({"kind", "required: a string naming the kind, one of " + appliable_kinds()});
    return nullptr;
  }
  const std::string kind = object["kind"];
  const KindInfo* info = nullptr;
  for (const KindInfo& k : known_kinds()) {
    if (k.kind == kind) info = &k;
  }
  if (info != nullptr && !validators().count(kind)) {
    issues.push_back({"kind", kind + " objects are views of a MariaDB's running nodes and cannot "
                                     "be applied; apply the MariaDB instead"});
    return nullptr;
  }
  if (info == nullptr) {
    const auto resolved = resolve_kind(kind);
    issues.push_back({"kind", "unknown kind \"" + kind + "\"; " +
                                  (resolved ? "did you mean \"" + resolved->kind + "\"?"
                                            : "mdbop accepts " + appliable_kinds())});
    return nullptr;
  }
  const std::string use = "use apiVersion: " + info->api_version;
  if (!object.contains("apiVersion") || !object["apiVersion"].is_string()) {
    issues.push_back({"apiVersion", "required: " + use});
    return nullptr;
  }
  const std::string api_version = object["apiVersion"];
  if (api_version != info->api_version) {
    const bool old_group = api_version.starts_with("mariadb.mmontes.io/");
    issues.push_back({"apiVersion", "\"" + api_version + "\" does not serve kind " + kind + "; " +
                                        use +
                                        (old_group ? " (mariadb.mmontes.io is the operator's "
                                                     "former API group)"
                                                   : "")});
    return nullptr;
  }
  return info;
}

// "MariaDB/default/galera" when the object names itself, else its place in the batch.
std::string describe(const json& object, size_t index) {
  const json* kind = object.is_object() && object.contains("kind") ? &object["kind"] : nullptr;
  const json* name = object.is_object() && object.contains("metadata") &&
                             object["metadata"].is_object() && object["metadata"].contains("name")
                         ? &object["metadata"]["name"]
                         : nullptr;
  if (kind == nullptr || !kind->is_string() || name == nullptr || !name->is_string()) {
    return "object " + std::to_string(index + 1);
  }
  const json& ns = object["metadata"].value("namespace", json("default"));
  return kind->get<std::string>() + "/" + (ns.is_string() ? ns.get<std::string>() : "?") + "/" +
         name->get<std::string>();
}

// Issues carry user text (names, keys, values); a control byte in them is shown escaped.
std::vector<ValidationIssue> escaped(std::vector<ValidationIssue> issues) {
  for (ValidationIssue& issue : issues) {
    issue.field = printable(issue.field);
    issue.message = printable(issue.message);
  }
  return issues;
}

// The root password is written into the nodes' option files (wsrep_sst_auth): a Secret of the
// batch that holds one must fit there. A Secret applied on its own is checked where it is read.
void check_root_passwords(const std::vector<json>& accepted, std::vector<ValidationIssue>& issues) {
  for (const json& mariadb : accepted) {
    if (mariadb["kind"] != "MariaDB") continue;
    const json& ref = member(mariadb["spec"], "rootPasswordSecretKeyRef");
    const std::string namespace_ = mariadb["metadata"]["namespace"];
    for (const json& secret : accepted) {
      if (secret["kind"] != "Secret" || secret["metadata"]["name"] != ref.value("name", "") ||
          secret["metadata"]["namespace"] != namespace_) {
        continue;
      }
      const json& value = member(secret, "data").value(ref.value("key", ""), json());
      if (!value.is_string()) continue;
      const auto password = base64_decode(value.get<std::string>());
      if (!password) continue;
      if (auto fits = check_quoted_option_value(*password); !fits) {
        issues.push_back(
            {"Secret/" + namespace_ + "/" + secret["metadata"]["name"].get<std::string>() +
                 " data." + ref.value("key", ""),
             "the root password of MariaDB " + mariadb["metadata"]["name"].get<std::string>() +
                 " " + fits.error().message});
      }
    }
  }
}

}  // namespace

tl::expected<json, std::vector<ValidationIssue>> validate_and_default(const json& object) {
  std::vector<ValidationIssue> issues;
  if (!object.is_object()) {
    issues.push_back({"", "a manifest must be a mapping with apiVersion, kind and metadata"});
    return tl::unexpected(std::move(issues));
  }
  const KindInfo* info = check_type(object, issues);
  if (info == nullptr) return tl::unexpected(escaped(std::move(issues)));

  json result = object;
  validators().at(info->kind)(result, issues);
  if (!issues.empty()) return tl::unexpected(escaped(std::move(issues)));
  if (!result["metadata"].contains("namespace")) result["metadata"]["namespace"] = "default";
  // Status belongs to the operator; one copied from `get -o yaml` output is not applied.
  result.erase("status");
  return result;
}

tl::expected<std::vector<json>, std::vector<ValidationIssue>> validate_batch(
    const std::vector<json>& objects) {
  std::vector<json> accepted;
  std::vector<ValidationIssue> issues;
  for (size_t i = 0; i < objects.size(); ++i) {
    if (skip_note(objects[i])) continue;
    auto result = validate_and_default(objects[i]);
    if (result) {
      accepted.push_back(std::move(*result));
      continue;
    }
    const std::string prefix = printable(describe(objects[i], i));
    for (ValidationIssue& issue : result.error()) {
      issue.field = issue.field.empty() ? prefix : prefix + " " + issue.field;
      issues.push_back(std::move(issue));
    }
  }
  if (issues.empty()) check_root_passwords(accepted, issues);
  if (!issues.empty()) return tl::unexpected(std::move(issues));
  return accepted;
}

}  // namespace mdbop
