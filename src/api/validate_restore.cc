// Restore: the schema (the operator's fields, plus mdbop's encryption, artifact and
// targetRecoveryGtid, and the aliases mariadbRef and targetMariaDB), the checks that depend on
// other fields, and the defaults.
#include <string>

#include "api/backup_schema.h"
#include "api/json_lookup.h"
#include "api/mariabackup_options.h"
#include "api/object_meta.h"
#include "api/schema.h"
#include "api/validators.h"

namespace mdbop {
namespace {

const std::vector<std::string> kMariaDBRefNames = {"mariaDbRef", "mariadbRef", "targetMariaDB"};

}  // namespace

const schema::Node& restore_schema() {
  static const schema::Node node = [] {
    std::vector<schema::Field> spec = job_fields(true);
    const std::vector<schema::Field> source = restore_source_fields();
    spec.insert(spec.end(), source.begin(), source.end());
    for (const std::string& name : kMariaDBRefNames) spec.push_back({name, mariadb_ref_schema()});
    spec.push_back({"database", schema::text()});
    // Options of mariadb-backup --prepare (the tutorials' --use-memory=8G).
    spec.push_back({"mariabackup", schema::object({{"extraArgs", schema::string_list()}})});
    return object_schema(
        {{"spec", schema::object(std::move(spec))}, {"status", schema::any_object()}});
  }();
  return node;
}

namespace {

void check_semantics(const json& object, std::vector<ValidationIssue>& issues) {
  const json* spec = find(object, "/spec");
  if (spec == nullptr || !spec->is_object()) return;
  check_mariadb_ref(object, kMariaDBRefNames, "restore into", issues);
  std::string own_namespace = find_text(object, "/metadata/namespace");
  if (own_namespace.empty()) own_namespace = "default";
  check_restore_source(*spec, "spec", own_namespace, {}, issues);
  if (const json* database = find(*spec, "/database")) {
    if (*database == "") {
      issues.push_back({"spec.database",
                        "must not be empty; leave it out to restore every "
                        "database in the backup"});
    } else if (find_text(*spec, "/backupRef/kind") == "PhysicalBackup") {
      issues.push_back({"spec.database",
                        "applies to logical backups only; a PhysicalBackup restores every "
                        "database"});
    } else if (spec->contains("pointInTimeRecoveryRef")) {
      issues.push_back({"spec.database",
                        "applies to logical backups only; a pointInTimeRecoveryRef restores a "
                        "physical base backup, with every database; remove database"});
    }
  }
  check_not_negative(*spec, {"backoffLimit"}, issues);
  if (const json* args = find(*spec, "/mariabackup/extraArgs"); args && args->is_array()) {
    for (size_t i = 0; i < args->size(); ++i) {
      if (!(*args)[i].is_string()) continue;  // reported by the schema check
      if (const auto problem = prepare_option_problem((*args)[i].get<std::string>())) {
        issues.push_back({"spec.mariabackup.extraArgs[" + std::to_string(i) + "]", *problem});
      }
    }
  }
}

}  // namespace

void validate_restore(json& object, std::vector<ValidationIssue>& issues) {
  const size_t before = issues.size();
  schema::check(object, restore_schema(), "", issues);
  check_names(object, NameRule::kSubdomain, issues);
  if (!object.contains("spec")) {
    issues.push_back({"spec",
                      "required: at least spec.mariaDbRef and one of spec.backupRef, "
                      "spec.s3, spec.volume or spec.pointInTimeRecoveryRef"});
  }
  check_semantics(object, issues);
  if (issues.size() == before) canonicalize_mariadb_ref(object["spec"], kMariaDBRefNames);
}

}  // namespace mdbop
