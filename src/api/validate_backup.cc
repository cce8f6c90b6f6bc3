// Backup and PhysicalBackup: the schema (the operator's fields, plus mdbop's backupType,
// retentionPolicy, encryption, mariabackup, mysqldump, target, timeout and verifyAfterBackup),
// the checks that depend on other fields, and the defaults.
#include <algorithm>
#include <sstream>
#include <string>
#include <utility>

#include "api/backup_schema.h"
#include "api/duration.h"
#include "api/json_lookup.h"
#include "api/object_meta.h"
#include "api/schema.h"
#include "api/validators.h"
#include "schedule/cron_expression.h"

namespace mdbop {
namespace {

using schema::any_object;
using schema::boolean;
using schema::duration;
using schema::duration_with_days;
using schema::integer;
using schema::Node;
using schema::one_of;
using schema::refused;
using schema::string_list;
using schema::text;
using schema::time_zone;

const std::vector<std::string> kMariaDBRefNames = {"mariaDbRef", "mariadbRef"};

enum class Kind { kBackup, kPhysicalBackup };

// The cron expression, parsed by the schedule's own parser so that what is accepted here is
// exactly what runs.
void check_cron_field(const json& value, const std::string& path,
                      std::vector<ValidationIssue>& issues) {
  if (!value.is_string()) return;  // the schema check has reported it
  auto parsed = parse_cron(value.get<std::string>());
  if (!parsed) {
    issues.push_back(
        {path, parsed.error().message + " (e.g. \"0 3 * * *\" for 03:00 every day, or @daily)"});
  }
}

Node schedule_schema() {
  return schema::object({
      {"cron", text()},
      {"suspend", boolean()},
      {"immediate", boolean()},
      {"onDemand", text()},
      {"timeZone", time_zone()},
      {"timezone", time_zone()},  // the spelling some tutorials use
  });
}

const Node& backup_schema(Kind kind) {
  static const auto build = [](Kind k) {
    const bool physical = k == Kind::kPhysicalBackup;
    std::vector<schema::Field> spec = job_fields(!physical);
    const std::vector<schema::Field> common = {
        {"mariaDbRef", mariadb_ref_schema()},
        {"mariadbRef", mariadb_ref_schema()},
        {"compression", one_of({"zstd", "gzip", "bzip2", "none"})},
        {"stagingStorage", staging_storage_schema()},
        {"schedule", schedule_schema()},
        {"maxRetention", duration_with_days()},
        {"retentionPolicy",
         schema::object({{"keepLast", integer()}, {"ttl", duration_with_days()}})},
        {"encryption", encryption_schema()},
        {"mariabackup", schema::object({{"extraArgs", string_list()}})},
        {"target", text()},
        {"podSelector", text()},
        {"timeout", duration()},
        {"verifyAfterBackup", boolean()},
        {"successfulJobsHistoryLimit", integer()},
        {"failedJobsHistoryLimit", integer()},
    };
    spec.insert(spec.end(), common.begin(), common.end());
    std::vector<schema::Field> storage = {
        {"s3", s3_schema()},
        {"persistentVolumeClaim", volume_claim_spec_schema()},
        {"volume", storage_volume_schema()},
    };
    if (physical) {
      storage.push_back({"azureBlob", refused("Azure Blob Storage is not supported by mdbop; use "
                                              "s3, persistentVolumeClaim or volume")});
      storage.push_back(
          {"volumeSnapshot", refused("VolumeSnapshots need Kubernetes CSI snapshots, which the "
                                     "local runtime cannot take; use s3, persistentVolumeClaim "
                                     "or volume")});
      const std::string logical_only =
          "applies to logical backups only; a PhysicalBackup copies every database. Use a "
          "Backup with backupType: logical for this";
      spec.push_back({"podAffinity", boolean()});
      spec.push_back({"backupType", refused("a PhysicalBackup is always physical; remove "
                                            "backupType, or use a Backup for a logical backup")});
      spec.push_back({"mysqldump", refused(logical_only)});
      spec.push_back({"databases", refused(logical_only)});
      spec.push_back({"ignoreGlobalPriv", refused(logical_only)});
    } else {
      spec.push_back({"backupType", one_of({"logical", "physical", "Logical", "Physical"})});
      spec.push_back({"mysqldump", schema::object({{"databases", string_list()},
                                                   {"extraArgs", string_list()}})});
      spec.push_back({"databases", string_list()});
      spec.push_back({"ignoreGlobalPriv", boolean()});
      spec.push_back({"timeZone", time_zone()});
    }
    spec.push_back({"storage", schema::object(std::move(storage))});
    return object_schema({{"spec", schema::object(std::move(spec))}, {"status", any_object()}});
  };
  static const Node backup = build(Kind::kBackup);
  static const Node physical_backup = build(Kind::kPhysicalBackup);
  return kind == Kind::kBackup ? backup : physical_backup;
}

// backupType is accepted as "physical" or "Physical" (and stored as the first).
bool is_physical(const json& object, Kind kind) {
  const std::string type = find_text(object, "/spec/backupType");
  return kind == Kind::kPhysicalBackup || type == "physical" || type == "Physical";
}

// The duration at spec.<field> ("retentionPolicy.ttl"), when given, must be longer than zero:
// zero would mean "at once". `meaning` says what to do instead.
void check_positive(const json& spec, std::string field, const std::string& meaning,
                    std::vector<ValidationIssue>& issues) {
  const std::string path = "spec." + field;
  std::replace(field.begin(), field.end(), '.', '/');
  const json* value = find(spec, "/" + field);
  if (value == nullptr || !value->is_string()) return;
  const auto parsed = parse_duration_with_days(value->get<std::string>());
  if (parsed && parsed->count() == 0) {
    issues.push_back({path, "must be longer than zero; " + meaning});
  }
}

void check_schedule(const json& spec, std::vector<ValidationIssue>& issues) {
  const json* schedule = find(spec, "/schedule");
  if (schedule == nullptr || !schedule->is_object()) return;
  if (const json* cron = find(*schedule, "/cron")) {
    check_cron_field(*cron, "spec.schedule.cron", issues);
  } else if (!schedule->contains("onDemand")) {
    issues.push_back({"spec.schedule",
                      "set cron (e.g. \"0 3 * * *\"), onDemand (a value whose every change takes "
                      "one backup), or both"});
  }
  const std::string zone = find_text(*schedule, "/timeZone");
  const std::string alias = find_text(*schedule, "/timezone");
  if (!zone.empty() && !alias.empty()) {
    issues.push_back({"spec.schedule.timezone", "set either timeZone or timezone, not both"});
  }
  const std::string outer = find_text(spec, "/timeZone");
  const std::string inner = zone.empty() ? alias : zone;
  if (!outer.empty() && !inner.empty() && outer != inner) {
    issues.push_back({"spec.timeZone",
                      "contradicts the schedule's time zone \"" + inner + "\"; keep one of them"});
  }
}

void check_retention(const json& spec, std::vector<ValidationIssue>& issues) {
  if (const json* policy = find(spec, "/retentionPolicy"); policy && policy->is_object()) {
    if (policy->empty()) {
      issues.push_back({"spec.retentionPolicy", "set keepLast, ttl or both"});
    }
    if (const auto keep = find_int(*policy, "/keepLast"); keep && *keep < 1) {
      issues.push_back({"spec.retentionPolicy.keepLast", "must be at least 1"});
    }
    if (policy->contains("ttl") && spec.contains("maxRetention")) {
      issues.push_back({"spec.maxRetention",
                        "set either maxRetention or retentionPolicy.ttl, not both: each is the "
                        "age after which backups are deleted"});
    }
  }
  check_positive(spec, "retentionPolicy.ttl", "leave it out to keep backups by count", issues);
  check_positive(spec, "maxRetention", "leave it out to keep backups for 30 days", issues);
}

// Fields of one backup method refused on the other.
void check_method_fields(const json& object, Kind kind, std::vector<ValidationIssue>& issues) {
  const json& spec = object["spec"];
  if (is_physical(object, kind)) {
    if (kind == Kind::kPhysicalBackup) return;  // the schema refuses the logical fields
    for (const char* name : {"mysqldump", "databases", "ignoreGlobalPriv"}) {
      if (spec.contains(name)) {
        issues.push_back({"spec." + std::string(name),
                          "applies to logical backups only (backupType: logical); a physical "
                          "backup copies every database"});
      }
    }
    return;
  }
  if (spec.contains("mariabackup")) {
    issues.push_back({"spec.mariabackup",
                      "applies to physical backups only (backupType: physical); pass options "
                      "to mariadb-dump in mysqldump.extraArgs"});
  }
  if (spec.contains("databases") && find(spec, "/mysqldump/databases")) {
    issues.push_back({"spec.mysqldump.databases",
                      "the databases are already listed in spec.databases; keep "
                      "one of the two lists"});
  }
  for (const auto& [pointer, path] :
       {std::pair{"/databases", "spec.databases"},
        std::pair{"/mysqldump/databases", "spec.mysqldump.databases"}}) {
    const json* list = find(spec, pointer);
    if (list != nullptr && list->is_array() &&
        std::find(list->begin(), list->end(), "") != list->end()) {
      issues.push_back({path, "database names must not be empty"});
    }
  }
}

// target: Replica, PreferReplica, or one of the MariaDB's pods; podSelector names a pod.
void check_target(const json& spec, std::vector<ValidationIssue>& issues) {
  if (spec.contains("target") && spec.contains("podSelector")) {
    issues.push_back({"spec.podSelector", "set either target or podSelector, not both"});
    return;
  }
  const std::string field = spec.contains("podSelector") ? "podSelector" : "target";
  const std::string target = find_text(spec, "/" + field);
  std::string mariadb = find_text(spec, "/mariaDbRef/name");
  if (mariadb.empty()) mariadb = find_text(spec, "/mariadbRef/name");
  if (const json* given = find(spec, "/" + field); given && *given == "") {
    issues.push_back({"spec." + field, "must not be empty; leave it out for PreferReplica"});
  }
  // Without a MariaDB name (reported elsewhere) no pod name can be checked.
  if (target.empty() || mariadb.empty()) return;
  if (field == "target" && (target == "Replica" || target == "PreferReplica")) return;
  const std::string prefix = mariadb + "-";
  const std::string index = target.starts_with(prefix) ? target.substr(prefix.size()) : "";
  const bool is_index = !index.empty() && index.size() <= 9 &&
                        index.find_first_not_of("0123456789") == std::string::npos &&
                        (index == "0" || index[0] != '0');
  if (is_index) return;
  issues.push_back(
      {"spec." + field,
       std::string(field == "target" ? "must be Replica, PreferReplica or one " : "must be one ") +
           "of the MariaDB's pods, such as " + mariadb + "-0"});
}

void check_semantics(const json& object, Kind kind, std::vector<ValidationIssue>& issues) {
  const json* spec = find(object, "/spec");
  if (spec == nullptr || !spec->is_object()) return;
  check_mariadb_ref(object, kMariaDBRefNames, "back up", issues);
  const json empty = json::object();
  const json* storage = find(*spec, "/storage");
  const std::vector<std::string> refused_storage =
      kind == Kind::kPhysicalBackup ? std::vector<std::string>{"azureBlob", "volumeSnapshot"}
                                    : std::vector<std::string>{};
  if (storage == nullptr || storage->is_object()) {
    const json& s = storage == nullptr ? empty : *storage;
    check_exactly_one(s, {"s3", "persistentVolumeClaim", "volume"}, refused_storage, "spec.storage",
                      "where to keep the backups", issues);
    if (s.contains("s3")) check_s3(s.at("s3"), "spec.storage.s3", issues);
    if (s.contains("volume")) {
      check_storage_volume(s.at("volume"), "spec.storage.volume", VolumeUse::kWrite, issues);
    }
  }
  check_schedule(*spec, issues);
  check_retention(*spec, issues);
  check_positive(*spec, "timeout", "leave it out for no time limit", issues);
  check_method_fields(object, kind, issues);
  check_target(*spec, issues);
  check_encryption(*spec, "spec", issues);
  check_not_negative(
      *spec, {"backoffLimit", "successfulJobsHistoryLimit", "failedJobsHistoryLimit"}, issues);
}

void apply_defaults(json& object, Kind kind) {
  json& spec = object["spec"];
  canonicalize_mariadb_ref(spec, kMariaDBRefNames);
  if (kind == Kind::kBackup) {
    spec["backupType"] = is_physical(object, kind) ? "physical" : "logical";
  } else {
    fill(spec, "timeout", "1h");  // the operator's default for a PhysicalBackup
  }
  fill(spec, "compression", "zstd");
  if (spec.contains("podSelector")) {
    spec["target"] = std::move(spec["podSelector"]);
    spec.erase("podSelector");
  }
  fill(spec, "target", "PreferReplica");
  if (spec.contains("schedule")) {
    json& schedule = spec["schedule"];
    if (schedule.contains("timezone")) {
      schedule["timeZone"] = std::move(schedule["timezone"]);
      schedule.erase("timezone");
    }
    fill(schedule, "suspend", false);
    fill(schedule, "immediate", true);
  }
  if (!spec.contains("retentionPolicy")) fill(spec, "maxRetention", "720h");  // 30 days
}

void validate(json& object, Kind kind, std::vector<ValidationIssue>& issues) {
  const size_t before = issues.size();
  schema::check(object, backup_schema(kind), "", issues);
  check_names(object, NameRule::kSubdomain, issues);
  if (!object.contains("spec")) {
    issues.push_back({"spec", "required: at least spec.mariaDbRef and spec.storage"});
  }
  check_semantics(object, kind, issues);
  if (issues.size() == before) apply_defaults(object, kind);
}

}  // namespace

void validate_backup(json& object, std::vector<ValidationIssue>& issues) {
  validate(object, Kind::kBackup, issues);
}

void validate_physical_backup(json& object, std::vector<ValidationIssue>& issues) {
  validate(object, Kind::kPhysicalBackup, issues);
}

}  // namespace mdbop
