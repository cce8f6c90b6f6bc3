// PointInTimeRecovery: where and how a MariaDB's binary logs are archived (the operator's
// physicalBackupRef, storage, compression, archiveTimeout and strictMode, plus mdbop's
// encryption). A MariaDB names it in spec.pointInTimeRecoveryRef; its archiver does the work.
#include <string>

#include "api/backup_schema.h"
#include "api/duration.h"
#include "api/json_lookup.h"
#include "api/object_meta.h"
#include "api/schema.h"
#include "api/validators.h"

namespace mdbop {

const schema::Node& point_in_time_recovery_schema() {
  static const schema::Node node = object_schema(
      {{"spec", schema::object({
                    {"physicalBackupRef", schema::object({{"name", schema::text()}})},
                    {"storage", schema::object(storage_fields())},
                    {"compression", schema::one_of({"zstd", "gzip", "bzip2", "none"})},
                    {"archiveTimeout", schema::duration()},
                    {"strictMode", schema::boolean()},
                    {"encryption", encryption_schema()},
                })},
       {"status", schema::any_object()}});
  return node;
}

namespace {

void check_semantics(const json& object, std::vector<ValidationIssue>& issues) {
  const json* spec = find(object, "/spec");
  if (spec == nullptr || !spec->is_object()) return;
  if (find_text(*spec, "/physicalBackupRef/name").empty()) {
    issues.push_back({"spec.physicalBackupRef.name",
                      "required: the PhysicalBackup whose backups the archived binary logs "
                      "continue (in this namespace)"});
  }
  check_storage(*spec, {}, "the archived binary logs", issues);
  check_encryption(*spec, "spec", issues);
  if (const json* timeout = find(*spec, "/archiveTimeout"); timeout && timeout->is_string()) {
    const auto parsed = parse_duration_with_days(timeout->get<std::string>());
    if (parsed && parsed->count() == 0) {
      issues.push_back({"spec.archiveTimeout",
                        "must be longer than zero; leave it out for 1h (how long a segment may "
                        "wait for the storage before a warning)"});
    }
  }
}

}  // namespace

void validate_point_in_time_recovery(json& object, std::vector<ValidationIssue>& issues) {
  const size_t before = issues.size();
  schema::check(object, point_in_time_recovery_schema(), "", issues);
  check_names(object, NameRule::kSubdomain, issues);
  if (!object.contains("spec")) {
    issues.push_back({"spec", "required: at least spec.physicalBackupRef and spec.storage"});
  }
  check_semantics(object, issues);
  if (issues.size() != before) return;
  json& spec = object["spec"];
  fill(spec, "compression", "zstd");
  fill(spec, "archiveTimeout", "1h");
  fill(spec, "strictMode", false);
}

}  // namespace mdbop
