// Backup and PhysicalBackup: the schema (the operator's fields, plus mdbop's backupType,
// retentionPolicy, encryption, mariabackup, mysqldump, target, timeout and verifyAfterBackup,
// and the tutorials' backupMethod and podSelector), the checks that depend on other fields,
// and the defaults.
#include <algorithm>
#include <filesystem>
#include <functional>
#include <sstream>
#include <string>
#include <utility>

#include "api/backup_schema.h"
#include "api/duration.h"
#include "api/json_lookup.h"
#include "api/mariabackup_options.h"
#include "api/object_meta.h"
#include "api/pod_selector.h"
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

// The tutorials' backupMethod names the tool; each tool makes one kind of backup.
const std::vector<std::string> kPhysicalMethods = {"mariabackup", "mariadb-backup"};
const std::vector<std::string> kLogicalMethods = {"mysqldump", "mariadb-dump"};
const std::vector<std::string> kMethods = [] {
  std::vector<std::string> all = kPhysicalMethods;
  all.insert(all.end(), kLogicalMethods.begin(), kLogicalMethods.end());
  return all;
}();

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

// A pod name (mdbop's alias of target), or the tutorials' label selector.
Node pod_selector_schema() {
  return schema::text_or_object({
      {"matchLabels", schema::string_map()},
      {"matchExpressions",
       refused("mdbop reads matchLabels only; name the pod with matchLabels: "
               "{statefulset.kubernetes.io/pod-name: <mariadb>-<index>}, or use spec.target")},
  });
}

const Node& schema_of(Kind kind) {
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
        {"mariabackup",
         schema::object({{"extraArgs", string_list()}, {"incrementalBasePath", text()}})},
        {"incrementalBackup",
         refused("not a field of mdbop's; take the full backups with one Backup and the "
                 "incremental ones with another, on its own schedule, with mariabackup.extraArgs "
                 "[--incremental] and mariabackup.incrementalBasePath naming the first one's "
                 "storage directory (or S3 prefix)")},
        {"target", text()},
        {"podSelector", pod_selector_schema()},
        {"backupMethod", one_of(kMethods)},
        {"timeout", duration()},
        {"verifyAfterBackup", boolean()},
        {"successfulJobsHistoryLimit", integer()},
        {"failedJobsHistoryLimit", integer()},
    };
    spec.insert(spec.end(), common.begin(), common.end());
    std::vector<schema::Field> storage = storage_fields();
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

bool contains(const std::vector<std::string>& names, const std::string& name) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

// backupType is accepted as "physical" or "Physical" (and stored as the first); without it, the
// tutorials' backupMethod decides (mariabackup: physical).
bool is_physical(const json& object, Kind kind) {
  const std::string type = find_text(object, "/spec/backupType");
  if (kind == Kind::kPhysicalBackup || type == "physical" || type == "Physical") return true;
  return type.empty() && contains(kPhysicalMethods, find_text(object, "/spec/backupMethod"));
}

// backupMethod must agree with backupType, or with the kind of a PhysicalBackup.
void check_backup_method(const json& spec, Kind kind, std::vector<ValidationIssue>& issues) {
  const std::string method = find_text(spec, "/backupMethod");
  if (method.empty()) return;  // absent, or not a string (reported by the schema check)
  const bool physical_method = contains(kPhysicalMethods, method);
  if (kind == Kind::kPhysicalBackup) {
    if (!physical_method) {
      issues.push_back(
          {"spec.backupMethod", method +
                                    " makes logical backups, and a PhysicalBackup is always "
                                    "physical; remove backupMethod, or use a Backup with "
                                    "backupMethod: " +
                                    method});
    }
    return;
  }
  const std::string type = find_text(spec, "/backupType");
  if (type.empty() || !contains(kMethods, method)) return;
  const bool physical_type = type == "physical" || type == "Physical";
  if (physical_type != physical_method) {
    issues.push_back(
        {"spec.backupMethod", "contradicts spec.backupType: " + type + " (backupMethod: " + method +
                                  " makes " + (physical_method ? "physical" : "logical") +
                                  " backups); keep one of the two, e.g. backupType: " +
                                  (physical_method ? "physical" : "logical") + " alone"});
  }
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
                      "applies to physical backups only (backupType: physical, or backupMethod: "
                      "mariabackup); pass options to mariadb-dump in mysqldump.extraArgs"});
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

std::string mariadb_name(const json& spec) {
  const std::string name = find_text(spec, "/mariaDbRef/name");
  return name.empty() ? find_text(spec, "/mariadbRef/name") : name;
}

// target: Replica, PreferReplica, or one of the MariaDB's pods; podSelector names a pod, or
// selects one by the labels mariadb-operator puts on its pods.
void check_target(const json& spec, std::vector<ValidationIssue>& issues) {
  if (spec.contains("target") && spec.contains("podSelector")) {
    issues.push_back({"spec.podSelector", "set either target or podSelector, not both"});
    return;
  }
  const std::string mariadb = mariadb_name(spec);
  if (const json* selector = find(spec, "/podSelector"); selector && selector->is_object()) {
    // Without a MariaDB name (reported elsewhere) no pod name can be checked.
    const json* labels = find(*selector, "/matchLabels");
    if (mariadb.empty() || (labels != nullptr && !labels->is_object())) return;
    auto target = target_from_match_labels(labels ? *labels : json::object(), mariadb);
    if (!target) issues.push_back({target.error().field, target.error().message});
    return;
  }
  const std::string field = spec.contains("podSelector") ? "podSelector" : "target";
  const std::string target = find_text(spec, "/" + field);
  if (const json* given = find(spec, "/" + field); given && *given == "") {
    issues.push_back({"spec." + field, "must not be empty; leave it out for PreferReplica"});
  }
  if (target.empty() || mariadb.empty()) return;
  if (field == "target" && (target == "Replica" || target == "PreferReplica")) return;
  if (is_pod_of(target, mariadb)) return;
  issues.push_back(
      {"spec." + field,
       std::string(field == "target" ? "must be Replica, PreferReplica or one " : "must be one ") +
           "of the MariaDB's pods, such as " + mariadb + "-0"});
}

// Calls `check(arg, field)` for every string of spec.args and spec.mariabackup.extraArgs, the
// field named with its index ("spec.args[2]").
void for_each_backup_arg(const json& spec,
                         const std::function<void(const std::string&, const std::string&)>& check) {
  for (const auto& [pointer, path] :
       {std::pair{"/args", "spec.args"},
        std::pair{"/mariabackup/extraArgs", "spec.mariabackup.extraArgs"}}) {
    const json* list = find(spec, pointer);
    if (list == nullptr || !list->is_array()) continue;
    for (size_t i = 0; i < list->size(); ++i) {
      if (!(*list)[i].is_string()) continue;
      check((*list)[i].get<std::string>(), std::string(path) + "[" + std::to_string(i) + "]");
    }
  }
}

// mariadb-backup's --compress options become mdbop's compression (backup_spec_from); those
// that cannot are refused here, as is --compress together with compression: none. Of the
// --incremental options only --incremental itself is taken: mdbop chooses the base and its
// log sequence number (backup/incremental_chain.h), and a base given by hand could be another
// node's data.
void check_backup_tool_options(const json& object, Kind kind,
                               std::vector<ValidationIssue>& issues) {
  if (!is_physical(object, kind)) return;  // mariadb-dump's --compress is the protocol's
  const json& spec = object["spec"];
  for_each_backup_arg(spec, [&](const std::string& arg, const std::string& at) {
    // mariadb-backup reads --loose-incremental-lsn and --incremental_lsn as --incremental-lsn.
    std::string option = arg.starts_with("--loose-") ? "--" + arg.substr(8) : arg;
    std::replace(option.begin(), option.begin() + std::min(option.find('='), option.size()), '_',
                 '-');
    if (arg == "--incremental") {
      return;
    } else if (option.starts_with("--incremental")) {
      issues.push_back({at, arg + ": mdbop chooses an incremental backup's base itself; write "
                                  "--incremental, and mariabackup.incrementalBasePath when the "
                                  "full backups are kept in another directory or S3 prefix"});
    } else if (!is_compress_option(arg)) {
      return;
    } else if (const auto problem = compress_option_problem(arg)) {
      issues.push_back({at, *problem});
    } else if (find_text(spec, "/compression") == "none") {
      issues.push_back({at, arg + " asks for compressed backups, and spec.compression is none; "
                                  "remove one of the two"});
    }
  });
}

// mariabackup.incrementalBasePath: an absolute directory for a Backup kept in a directory, a
// prefix of the same bucket for one kept in S3; never a way out of the tree it names.
void check_incremental_base_path(const json& object, Kind kind,
                                 std::vector<ValidationIssue>& issues) {
  const std::string base = find_text(object, "/spec/mariabackup/incrementalBasePath");
  if (base.empty() || !is_physical(object, kind)) return;
  const std::string at = "spec.mariabackup.incrementalBasePath";
  const bool s3 = find(object, "/spec/storage/s3") != nullptr;
  if (!s3 && !base.starts_with("/")) {
    issues.push_back({at,
                      "must be an absolute path, the directory of the full backups' "
                      "Backup (its storage.volume.hostPath.path), e.g. /var/backups/full"});
  }
  if (std::filesystem::path(base).lexically_normal() != std::filesystem::path(base) ||
      base == ".." || base.starts_with("../")) {
    issues.push_back({at,
                      "must name the directory plainly, without \"..\", \".\" or repeated "
                      "slashes"});
  }
  if (base.find_first_of(std::string("\0\n\r\t", 4)) != std::string::npos) {
    issues.push_back({at, "must not hold control characters"});
  }
  // The full backups' place is another than this Backup's, and neither holds the other: each
  // storage lists its folders as artifacts.
  const std::string own = s3 ? find_text(object, "/spec/storage/s3/prefix")
                             : find_text(object, "/spec/storage/volume/hostPath/path");
  // Without the slashes around it: "/var/backups/full/" and "var/backups/full" are one place.
  const auto plain = [](const std::string& path) {
    std::string normal = std::filesystem::path(path).lexically_normal().string();
    const size_t first = normal.find_first_not_of('/');
    if (first == std::string::npos) return std::string();
    normal.erase(0, first);
    while (!normal.empty() && normal.back() == '/') normal.pop_back();
    return normal;
  };
  const auto inside = [](const std::string& path, const std::string& folder) {
    return folder.empty() || path == folder || path.starts_with(folder + "/");
  };
  if (s3 || find(object, "/spec/storage/volume/hostPath") != nullptr) {
    const std::string a = plain(base);
    const std::string b = plain(own);
    if (inside(a, b) || inside(b, a)) {
      issues.push_back({at, "must be another place than this Backup's storage (" +
                                (own.empty() ? std::string("the bucket's root") : own) +
                                "), neither inside it nor holding it: the full backups' own "
                                "Backup's storage"});
    }
  }
}

void check_semantics(const json& object, Kind kind, std::vector<ValidationIssue>& issues) {
  const json* spec = find(object, "/spec");
  if (spec == nullptr || !spec->is_object()) return;
  check_mariadb_ref(object, kMariaDBRefNames, "back up", issues);
  check_storage(*spec,
                kind == Kind::kPhysicalBackup
                    ? std::vector<std::string>{"azureBlob", "volumeSnapshot"}
                    : std::vector<std::string>{},
                "the backups", issues);
  check_schedule(*spec, issues);
  check_retention(*spec, issues);
  check_positive(*spec, "timeout", "leave it out for no time limit", issues);
  check_backup_method(*spec, kind, issues);
  check_method_fields(object, kind, issues);
  check_backup_tool_options(object, kind, issues);
  check_incremental_base_path(object, kind, issues);
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
    spec.erase("backupMethod");  // the tutorials' spelling of backupType, rewritten to it
  } else {
    spec.erase("backupMethod");
    fill(spec, "timeout", "1h");  // the operator's default for a PhysicalBackup
  }
  fill(spec, "compression", "zstd");
  if (spec.contains("podSelector")) {
    const json& selector = spec["podSelector"];
    // check_target accepted the labels (the fallback is never taken after validation, but a
    // failed Result must not be dereferenced).
    spec["target"] = selector.is_string() ? selector.get<std::string>()
                                          : target_from_match_labels(
                                                member(selector, "matchLabels"), mariadb_name(spec))
                                                .value_or("PreferReplica");
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
  schema::check(object, schema_of(kind), "", issues);
  check_names(object, NameRule::kSubdomain, issues);
  if (!object.contains("spec")) {
    issues.push_back({"spec", "required: at least spec.mariaDbRef and spec.storage"});
  }
  check_semantics(object, kind, issues);
  if (issues.size() == before) apply_defaults(object, kind);
}

}  // namespace

const schema::Node& backup_schema() { return schema_of(Kind::kBackup); }

const schema::Node& physical_backup_schema() { return schema_of(Kind::kPhysicalBackup); }

void validate_backup(json& object, std::vector<ValidationIssue>& issues) {
  validate(object, Kind::kBackup, issues);
}

void validate_physical_backup(json& object, std::vector<ValidationIssue>& issues) {
  validate(object, Kind::kPhysicalBackup, issues);
}

}  // namespace mdbop
