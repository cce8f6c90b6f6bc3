#include "api/backup_spec.h"

#include <algorithm>
#include <string>

#include "api/duration.h"
#include "api/json_lookup.h"
#include "api/mariabackup_options.h"
#include "util/rfc3339.h"

namespace mdbop {
namespace {

std::optional<SecretKeyRef> secret_ref(const json& parent, const char* key) {
  if (!parent.contains(key)) return std::nullopt;
  const json& ref = parent[key];
  return SecretKeyRef{ref.value("name", ""), ref.value("key", ""), false};
}

// Whole seconds, rounded up so that a short non-zero duration ("300ms") never becomes 0.
std::optional<std::chrono::seconds> seconds_of(const json& parent, const char* key) {
  if (!parent.contains(key)) return std::nullopt;
  const auto nanos = parse_duration_with_days(parent[key].get<std::string>());
  if (!nanos) return std::nullopt;
  return std::chrono::ceil<std::chrono::seconds>(*nanos);
}

std::vector<std::string> strings_of(const json& parent, const char* key) {
  return parent.contains(key) ? parent[key].get<std::vector<std::string>>()
                              : std::vector<std::string>{};
}

void append(std::vector<std::string>& to, const std::vector<std::string>& more) {
  to.insert(to.end(), more.begin(), more.end());
}

std::string trim_slashes(const std::string& s) {
  const size_t first = s.find_first_not_of('/');
  if (first == std::string::npos) return "";
  return s.substr(first, s.find_last_not_of('/') - first + 1);
}

S3StorageSpec s3_from(const json& s3) {
  S3StorageSpec s;
  s.bucket = s3.value("bucket", "");
  s.region = s3.value("region", "");
  // Without an endpoint, AWS S3 in the region (which validation made required).
  s.endpoint = s3.value("endpoint", "s3." + s.region + ".amazonaws.com");
  if (s.region.empty()) s.region = "us-east-1";
  s.prefix = trim_slashes(s3.value("prefix", ""));
  s.access_key_id = secret_ref(s3, "accessKeyIdSecretKeyRef");
  s.secret_access_key = secret_ref(s3, "secretAccessKeySecretKeyRef");
  s.session_token = secret_ref(s3, "sessionTokenSecretKeyRef");
  const json& tls = member(s3, "tls");
  s.tls_enabled =
      tls.value("enabled", false) || s.endpoint.starts_with("https://") || !s3.contains("endpoint");
  s.tls_ca = secret_ref(tls, "caSecretKeyRef");
  s.storage_class = s3.value("storageClass", "");
  // serverSideEncryption: AES256 (with kmsKeyId for aws:kms), or {sseAlgorithm, kmsKeyID}.
  const json sse = s3.value("serverSideEncryption", json());
  s.server_side_encryption =
      sse.is_object() ? sse.value("sseAlgorithm", "") : s3.value("serverSideEncryption", "");
  s.kms_key_id = sse.is_object() ? sse.value("kmsKeyID", "") : s3.value("kmsKeyId", "");
  return s;
}

// The directory a volume source stands for (see StorageSpec::directory).
std::string directory_of(const json& volume, const std::string& ns) {
  if (volume.contains("hostPath")) return volume["hostPath"]["path"];
  return "volumes/" + ns + "/" + volume["persistentVolumeClaim"]["claimName"].get<std::string>();
}

std::string namespace_of(const json& object) {
  return member(object, "metadata").value("namespace", "default");
}

// The storage block of a Backup, or the s3/volume members of a restore source; `owner` names
// the directory of a persistentVolumeClaim spec.
StorageSpec storage_from(const json& storage, const std::string& ns, const std::string& owner) {
  StorageSpec s;
  if (storage.contains("s3")) s.s3 = s3_from(storage["s3"]);
  if (storage.contains("volume")) s.directory = directory_of(storage["volume"], ns);
  if (storage.contains("persistentVolumeClaim")) s.directory = "volumes/" + ns + "/" + owner;
  return s;
}

RestoreSourceSpec source_from(const json& source, const std::string& ns) {
  RestoreSourceSpec s;
  const json& ref = member(source, "backupRef");
  s.backup_ref = ref.value("name", "");
  s.backup_ref_kind = ref.value("kind", "");
  if (source.contains("s3") || source.contains("volume")) s.storage = storage_from(source, ns, "");
  if (source.contains("targetRecoveryTime")) {
    if (const auto time = parse_rfc3339(source["targetRecoveryTime"].get<std::string>())) {
      s.target_recovery_time = *time;
    }
  }
  s.artifact = source.value("artifact", "");
  s.encryption_key = secret_ref(member(source, "encryption"), "keySecretKeyRef");
  s.point_in_time_recovery = member(source, "pointInTimeRecoveryRef").value("name", "");
  s.target_recovery_gtid = source.value("targetRecoveryGtid", "");
  const std::string content = source.value("backupContentType", "");
  // The base of a restore to a moment is a physical backup.
  if (content == "Physical" || s.backup_ref_kind == "PhysicalBackup" ||
      !s.point_in_time_recovery.empty()) {
    s.method = BackupMethod::kPhysical;
  } else if (content == "Logical" || s.backup_ref_kind == "Backup") {
    s.method = BackupMethod::kLogical;
  }
  return s;
}

BackupTargetSpec target_from(const std::string& target) {
  if (target == "Replica") return {BackupTargetSpec::Mode::kReplica, ""};
  if (target == "PreferReplica" || target.empty()) return {};
  return {BackupTargetSpec::Mode::kPod, target};
}

}  // namespace

PointInTimeRecoverySpec point_in_time_recovery_spec_from(const json& object) {
  const json& spec = member(object, "spec");
  PointInTimeRecoverySpec s;
  s.physical_backup = member(spec, "physicalBackupRef").value("name", "");
  s.storage = storage_from(member(spec, "storage"), namespace_of(object),
                           member(object, "metadata").value("name", ""));
  s.compression = spec.value("compression", "zstd");
  s.encryption_key = secret_ref(member(spec, "encryption"), "keySecretKeyRef");
  if (auto timeout = seconds_of(spec, "archiveTimeout")) s.archive_timeout = *timeout;
  s.strict_mode = spec.value("strictMode", false);
  return s;
}

BackupSpec backup_spec_from(const json& backup) {
  const json& spec = member(backup, "spec");
  BackupSpec b;
  const bool physical = backup.value("kind", "") == "PhysicalBackup" ||
                        spec.value("backupType", "logical") == "physical";
  b.method = physical ? BackupMethod::kPhysical : BackupMethod::kLogical;
  b.mariadb = member(spec, "mariaDbRef").value("name", "");
  if (spec.contains("schedule")) {
    const json& schedule = spec["schedule"];
    ScheduleSpec s;
    s.cron = schedule.value("cron", "");
    s.time_zone = schedule.value("timeZone", spec.value("timeZone", ""));
    s.suspend = schedule.value("suspend", false);
    s.immediate = schedule.value("immediate", true);
    s.on_demand = schedule.value("onDemand", "");
    b.schedule = s;
  }
  const json& policy = member(spec, "retentionPolicy");
  if (policy.contains("keepLast")) b.retention.keep_last = policy["keepLast"].get<int>();
  b.retention.ttl = seconds_of(policy, "ttl");
  b.retention.max_retention = seconds_of(spec, "maxRetention");
  b.compression = spec.value("compression", "zstd");
  b.encryption_key = secret_ref(member(spec, "encryption"), "keySecretKeyRef");
  b.extra_args = strings_of(spec, "args");
  append(b.extra_args,
         strings_of(member(spec, physical ? "mariabackup" : "mysqldump"), "extraArgs"));
  if (physical) {
    CompressTranslation compress = translate_compress_options(b.extra_args);
    b.extra_args = std::move(compress.args);
    b.translated_options = std::move(compress.dropped);
    b.compression_threads = compress.threads;
    const auto incremental = std::remove(b.extra_args.begin(), b.extra_args.end(), "--incremental");
    b.incremental = incremental != b.extra_args.end();
    b.extra_args.erase(incremental, b.extra_args.end());
  }
  b.databases = strings_of(spec, "databases");
  append(b.databases, strings_of(member(spec, "mysqldump"), "databases"));
  if (spec.contains("ignoreGlobalPriv"))
    b.ignore_global_priv = spec["ignoreGlobalPriv"].get<bool>();
  b.target = target_from(spec.value("target", ""));
  b.timeout = seconds_of(spec, "timeout");
  b.verify_after_backup = spec.value("verifyAfterBackup", false);
  b.storage = storage_from(member(spec, "storage"), namespace_of(backup),
                           member(backup, "metadata").value("name", ""));
  if (const std::string base = member(spec, "mariabackup").value("incrementalBasePath", "");
      physical && !base.empty()) {
    b.incremental = true;
    b.incremental_base_storage = b.storage;
    if (b.storage.s3) {
      b.incremental_base_storage->s3->prefix = trim_slashes(base);
    } else {
      b.incremental_base_storage->directory = base;
    }
  }
  return b;
}

RestoreSpec restore_spec_from(const json& restore) {
  const json& spec = member(restore, "spec");
  RestoreSpec r;
  r.source = source_from(spec, namespace_of(restore));
  r.mariadb = member(spec, "mariaDbRef").value("name", "");
  r.database = spec.value("database", "");
  r.prepare_args = strings_of(member(spec, "mariabackup"), "extraArgs");
  return r;
}

std::optional<json> bootstrap_restore_of(const json& mariadb) {
  const json& spec = member(mariadb, "spec");
  if (!spec.contains("bootstrapFrom")) return std::nullopt;
  const std::string name = member(mariadb, "metadata").value("name", "");
  json restore_spec = {{"mariaDbRef", {{"name", name}}}};
  // backupRef carries the content type as its kind (defaulted at validation).
  for (const char* field : {"backupRef", "s3", "volume", "pointInTimeRecoveryRef",
                            "targetRecoveryTime", "targetRecoveryGtid", "encryption"}) {
    if (spec["bootstrapFrom"].contains(field)) restore_spec[field] = spec["bootstrapFrom"][field];
  }
  return json{{"apiVersion", "k8s.mariadb.com/v1alpha1"},
              {"kind", "Restore"},
              {"metadata", {{"name", name + "-bootstrap"}, {"namespace", namespace_of(mariadb)}}},
              {"spec", restore_spec}};
}

}  // namespace mdbop
