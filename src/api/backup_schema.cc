#include "api/backup_schema.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdint>
#include <iterator>
#include <string_view>
#include <utility>

#include "api/json_lookup.h"
#include "api/object_meta.h"
#include "util/header_safe_name.h"

namespace mdbop {
namespace {

using schema::any_array;
using schema::any_object;
using schema::boolean;
using schema::key_ref;
using schema::Node;
using schema::one_of;
using schema::refused;
using schema::string_list;
using schema::text;

// "a, b or c"
std::string choices(const std::vector<std::string>& names, const std::string& last_joiner) {
  std::string out;
  for (size_t i = 0; i < names.size(); ++i) {
    if (i > 0) out += i + 1 == names.size() ? " " + last_joiner + " " : ", ";
    out += names[i];
  }
  return out;
}

std::vector<std::string> present(const json& parent, const std::vector<std::string>& names) {
  std::vector<std::string> found;
  if (!parent.is_object()) return found;
  std::copy_if(names.begin(), names.end(), std::back_inserter(found),
               [&](const std::string& n) { return parent.contains(n); });
  return found;
}

bool has_whitespace(const std::string& s) {
  return std::any_of(s.begin(), s.end(), [](unsigned char c) { return std::isspace(c); });
}

// Whether `text` is an unsigned decimal number that fits `Unsigned`.
template <typename Unsigned>
bool is_decimal(std::string_view text) {
  Unsigned value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  return error == std::errc() && end == text.data() + text.size();
}

// Whether `text` is a GTID as MariaDB writes it, domain-server-sequence: the domain and server
// id of 32 bits, the sequence number of 64 ("0-1-1234"). (api does not depend on sql/.)
bool is_gtid(std::string_view text) {
  const size_t first = text.find('-');
  const size_t second = first == std::string_view::npos ? first : text.find('-', first + 1);
  if (second == std::string_view::npos) return false;
  return is_decimal<uint32_t>(text.substr(0, first)) &&
         is_decimal<uint32_t>(text.substr(first + 1, second - first - 1)) &&
         is_decimal<uint64_t>(text.substr(second + 1));
}

Node log_level_schema() {
  return one_of({"debug", "info", "warn", "error", "dpanic", "panic", "fatal"});
}

void check_secret_ref(const json& parent, const char* field, const std::string& path,
                      const std::string& what, std::vector<ValidationIssue>& issues) {
  check_key_ref(parent, std::string("/") + field, schema::join(path, field),
                "Secret holding " + what, true, issues);
}

}  // namespace

// --- the MariaDB a backup or restore works on -------------------------------------------------

Node mariadb_ref_schema() {
  return schema::object({
      {"name", text()},
      {"namespace", text()},
      {"kind", text()},
      {"waitForIt", boolean()},
  });
}

void check_mariadb_ref(const json& object, const std::vector<std::string>& names,
                       const std::string& purpose, std::vector<ValidationIssue>& issues) {
  const json* spec = find(object, "/spec");
  if (spec == nullptr || !spec->is_object()) return;
  const std::vector<std::string> given = present(*spec, names);
  if (given.empty()) {
    issues.push_back({"spec." + names[0], "required: the MariaDB to " + purpose + ", e.g. " +
                                              names[0] + ": {name: galera}"});
    return;
  }
  if (given.size() > 1) {
    issues.push_back({"spec." + given[1], "the MariaDB is already given in spec." + given[0] +
                                              "; set only one of " + choices(names, "or")});
    return;
  }
  const std::string path = "spec." + given[0];
  const json& ref = (*spec)[given[0]];
  if (!ref.is_object()) return;
  if (find_text(ref, "/name").empty()) {
    issues.push_back({path + ".name", "required: the name of the MariaDB to " + purpose});
  }
  std::string own_namespace = find_text(object, "/metadata/namespace");
  if (own_namespace.empty()) own_namespace = "default";
  const std::string kind = object.value("kind", "");
  if (const std::string ns = find_text(ref, "/namespace"); !ns.empty() && ns != own_namespace) {
    issues.push_back({path + ".namespace", "the MariaDB must be in the " + kind +
                                               "'s own namespace \"" + own_namespace +
                                               "\"; remove namespace, or create the " + kind +
                                               " in namespace \"" + ns + "\""});
  }
  if (const std::string ref_kind = find_text(ref, "/kind");
      !ref_kind.empty() && ref_kind != "MariaDB") {
    issues.push_back({path + ".kind", ref_kind == "ExternalMariaDB"
                                          ? "ExternalMariaDB is not supported by mdbop; refer "
                                            "to a MariaDB that mdbop runs"
                                          : "must be MariaDB"});
  }
}

void canonicalize_mariadb_ref(json& spec, const std::vector<std::string>& names) {
  for (size_t i = 1; i < names.size(); ++i) {
    if (!spec.contains(names[i])) continue;
    spec[names[0]] = std::move(spec[names[i]]);
    spec.erase(names[i]);
  }
}

// --- where artifacts are kept ---------------------------------------------------------------

Node s3_schema() {
  return schema::object({
      {"bucket", text()},
      {"endpoint", text()},
      {"region", text()},
      {"prefix", text()},
      {"accessKeyIdSecretKeyRef", key_ref()},
      {"secretAccessKeySecretKeyRef", key_ref()},
      {"sessionTokenSecretKeyRef", key_ref()},
      {"tls", schema::object({{"enabled", boolean()}, {"caSecretKeyRef", key_ref()}})},
      {"storageClass", text()},
      // The tutorials' string (with kmsKeyId), or the Percona operators' object.
      {"serverSideEncryption",
       schema::text_or_object({{"sseAlgorithm", text()}, {"kmsKeyID", text()}})},
      {"kmsKeyId", text()},
      {"ssec", refused("S3 server-side encryption with customer keys (SSE-C) is not supported; "
                       "use `encryption` instead, which encrypts each backup on this machine "
                       "before it is uploaded (AES-256-GCM)")},
  });
}

Node storage_volume_schema() {
  return schema::object({
      {"hostPath", schema::object({
                       {"path", text()},
                       {"type", one_of({"DirectoryOrCreate", "Directory"})},
                   })},
      {"persistentVolumeClaim", schema::object({{"claimName", text()}, {"readOnly", boolean()}})},
      {"emptyDir", refused("an emptyDir volume lives only as long as its pod, so backups in it "
                           "would be lost; use hostPath or persistentVolumeClaim")},
      {"nfs", refused("mdbop does not mount NFS shares; mount the share on this machine and give "
                      "its mount point as hostPath.path")},
      {"csi", refused("CSI volumes need Kubernetes; use hostPath or persistentVolumeClaim")},
  });
}

Node volume_claim_spec_schema() {
  return schema::object({
      {"accessModes", string_list()},
      {"selector", any_object()},
      {"resources", any_object()},
      {"storageClassName", text()},
  });
}

Node staging_storage_schema() {
  return schema::object({{"persistentVolumeClaim", any_object()}, {"volume", any_object()}});
}

Node encryption_schema() { return schema::object({{"keySecretKeyRef", key_ref()}}); }

std::vector<schema::Field> storage_fields() {
  return {
      {"s3", s3_schema()},
      {"persistentVolumeClaim", volume_claim_spec_schema()},
      {"volume", storage_volume_schema()},
  };
}

void check_exactly_one(const json& parent, const std::vector<std::string>& kinds,
                       const std::vector<std::string>& refused, const std::string& path,
                       const std::string& what, std::vector<ValidationIssue>& issues) {
  std::vector<std::string> all = kinds;
  all.insert(all.end(), refused.begin(), refused.end());
  const std::vector<std::string> given = present(parent, all);
  if (given.size() == 1) return;
  issues.push_back({path, given.empty()
                              ? "required: " + what + "; set one of " + choices(kinds, "or")
                              : "set exactly one of " + choices(kinds, "or") + " (found " +
                                    choices(given, "and") + ")"});
}

namespace {

// Without an endpoint the bucket is in AWS S3, reached at s3.<region>.amazonaws.com over HTTPS:
// the region is then required, and must be a region's name.
void check_aws_region(const json& s3, const std::string& path,
                      std::vector<ValidationIssue>& issues) {
  const std::string region = find_text(s3, "/region");
  if (region.empty()) {
    issues.push_back({path + ".region",
                      "required without endpoint: the AWS region of the bucket, e.g. region: "
                      "eu-central-1; or give the endpoint of another S3 server, e.g. endpoint: "
                      "minio.local:9000"});
  } else if (region.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789-") !=
             std::string::npos) {
    issues.push_back({path + ".region", "\"" + region +
                                            "\" is not an AWS region name (lowercase letters, "
                                            "digits and '-', e.g. eu-central-1)"});
  }
  if (const json* tls = find(s3, "/tls/enabled"); tls && *tls == false) {
    issues.push_back({path + ".tls.enabled",
                      "AWS S3 (no endpoint given) is reached over HTTPS only; remove "
                      "tls.enabled: false, or give the endpoint of a server without TLS"});
  }
}

// serverSideEncryption: AES256 or aws:kms, the key id with aws:kms only, in a form that can be
// sent as a header.
void check_server_side_encryption(const json& s3, const std::string& path,
                                  std::vector<ValidationIssue>& issues) {
  const json* sse = find(s3, "/serverSideEncryption");
  if (sse == nullptr) {
    if (s3.contains("kmsKeyId")) {
      issues.push_back({path + ".kmsKeyId", "is used with serverSideEncryption: aws:kms; add it"});
    }
    return;
  }
  const bool object_form = sse->is_object();
  const std::string algorithm_path =
      path + ".serverSideEncryption" + (object_form ? ".sseAlgorithm" : "");
  const std::string key_path =
      object_form ? path + ".serverSideEncryption.kmsKeyID" : path + ".kmsKeyId";
  const std::string algorithm =
      object_form ? find_text(*sse, "/sseAlgorithm") : find_text(s3, "/serverSideEncryption");
  const std::string key = object_form ? find_text(*sse, "/kmsKeyID") : find_text(s3, "/kmsKeyId");
  if (object_form && s3.contains("kmsKeyId")) {
    issues.push_back(
        {path + ".kmsKeyId", "give the key id once, as serverSideEncryption.kmsKeyID"});
  }
  if (algorithm != "AES256" && algorithm != "aws:kms") {
    issues.push_back(
        {algorithm_path, "must be AES256 (keys managed by S3) or aws:kms (a KMS key, named by " +
                             std::string(object_form ? "kmsKeyID" : "kmsKeyId") + ")"});
    return;
  }
  if (!key.empty() && algorithm != "aws:kms") {
    issues.push_back({key_path,
                      "names a KMS key, used with aws:kms only; remove it or use "
                      "aws:kms"});
  }
  if (std::any_of(key.begin(), key.end(), [](char c) { return c <= ' ' || c > '~'; })) {
    issues.push_back(
        {key_path, "must be a KMS key id, ARN or alias: visible ASCII characters, no spaces"});
  }
}

}  // namespace

void check_s3(const json& s3, const std::string& path, std::vector<ValidationIssue>& issues) {
  if (!s3.is_object()) return;
  const std::string bucket = find_text(s3, "/bucket");
  if (bucket.empty()) {
    issues.push_back({path + ".bucket", "required: the name of the bucket"});
  } else if (bucket.find('/') != std::string::npos || has_whitespace(bucket)) {
    issues.push_back({path + ".bucket",
                      "must be a bucket name only, without '/' or spaces; put the folder inside "
                      "the bucket in prefix"});
  }
  const std::string endpoint = find_text(s3, "/endpoint");
  const bool has_scheme = endpoint.find("://") != std::string::npos;
  if (!s3.contains("endpoint")) {
    check_aws_region(s3, path, issues);
  } else if (endpoint.empty()) {
    issues.push_back({path + ".endpoint",
                      "must not be empty: the S3 endpoint, e.g. minio.local:9000; leave it out "
                      "for AWS S3 in region"});
  } else if (has_whitespace(endpoint) || (has_scheme && !endpoint.starts_with("http://") &&
                                          !endpoint.starts_with("https://"))) {
    issues.push_back({path + ".endpoint",
                      "must be host[:port], optionally after http:// or https://, e.g. "
                      "s3.amazonaws.com or minio.local:9000"});
  }
  const bool tls_enabled = find_true(s3, "/tls/enabled");
  if (tls_enabled && endpoint.starts_with("http://")) {
    issues.push_back({path + ".tls.enabled",
                      "contradicts the http:// endpoint; use https:// or leave the scheme out"});
  }
  if (find(s3, "/tls/caSecretKeyRef") && !tls_enabled && !endpoint.starts_with("https://")) {
    issues.push_back({path + ".tls.caSecretKeyRef",
                      "is only used over TLS; set tls.enabled: true or an https:// endpoint"});
  }
  const bool key_id = find(s3, "/accessKeyIdSecretKeyRef") != nullptr;
  const bool secret_key = find(s3, "/secretAccessKeySecretKeyRef") != nullptr;
  if (key_id != secret_key) {
    issues.push_back(
        {path + (key_id ? ".secretAccessKeySecretKeyRef" : ".accessKeyIdSecretKeyRef"),
         "required with " +
             std::string(key_id ? "accessKeyIdSecretKeyRef" : "secretAccessKeySecretKeyRef") +
             ": S3 credentials are an access key id and a secret access key"});
  }
  if (find(s3, "/sessionTokenSecretKeyRef") && !(key_id && secret_key)) {
    issues.push_back({path + ".sessionTokenSecretKeyRef",
                      "a session token goes with accessKeyIdSecretKeyRef and "
                      "secretAccessKeySecretKeyRef; set them too"});
  }
  check_server_side_encryption(s3, path, issues);
  // Both are sent in request headers (the region inside the signature's scope). (Without an
  // endpoint check_aws_region holds the region to AWS's stricter form.)
  if (const std::string region = find_text(s3, "/region");
      s3.contains("endpoint") && !is_header_safe_name(region)) {
    issues.push_back(
        {path + ".region", "must be a region name: letters, digits, '-' and '_', e.g. us-east-1"});
  }
  if (const std::string storage_class = find_text(s3, "/storageClass");
      !is_header_safe_name(storage_class) || storage_class.find('-') != std::string::npos) {
    issues.push_back({path + ".storageClass",
                      "must be an S3 storage class name such as STANDARD_IA or GLACIER: letters, "
                      "digits and '_'"});
  }
  check_secret_ref(s3, "accessKeyIdSecretKeyRef", path, "the S3 access key id", issues);
  check_secret_ref(s3, "secretAccessKeySecretKeyRef", path, "the S3 secret access key", issues);
  check_secret_ref(s3, "sessionTokenSecretKeyRef", path, "the S3 session token", issues);
  if (const json* tls = find(s3, "/tls")) {
    check_secret_ref(*tls, "caSecretKeyRef", path + ".tls", "the CA bundle (PEM)", issues);
  }
}

void check_storage_volume(const json& volume, const std::string& path, VolumeUse use,
                          std::vector<ValidationIssue>& issues) {
  if (!volume.is_object()) return;
  check_exactly_one(volume, {"hostPath", "persistentVolumeClaim"}, {"emptyDir", "nfs", "csi"}, path,
                    "the volume that holds the backups", issues);
  // A member that is not an object has been reported by the schema check.
  if (volume.contains("hostPath") && volume.at("hostPath").is_object()) {
    const std::string dir = find_text(volume, "/hostPath/path");
    if (dir.empty()) {
      issues.push_back({path + ".hostPath.path", "required: the directory, e.g. /var/backups"});
    } else if (!dir.starts_with("/")) {
      issues.push_back({path + ".hostPath.path", "must be an absolute path, e.g. /var/backups"});
    }
  }
  if (volume.contains("persistentVolumeClaim") && volume.at("persistentVolumeClaim").is_object()) {
    const std::string claim = find_text(volume, "/persistentVolumeClaim/claimName");
    if (claim.empty()) {
      issues.push_back({path + ".persistentVolumeClaim.claimName",
                        "required: the name of the claim (mdbop keeps its files in "
                        "$MDBOP_HOME/volumes/<namespace>/<claimName>)"});
    } else if (!is_dns1123_subdomain(claim)) {
      issues.push_back({path + ".persistentVolumeClaim.claimName",
                        "\"" + claim +
                            "\" is not a valid claim name: use lowercase letters, digits, '-' "
                            "and '.'"});
    }
    if (use == VolumeUse::kWrite && find_true(volume, "/persistentVolumeClaim/readOnly")) {
      issues.push_back({path + ".persistentVolumeClaim.readOnly",
                        "backups are written to this volume; remove readOnly"});
    }
  }
}

void check_storage(const json& spec, const std::vector<std::string>& refused,
                   const std::string& what, std::vector<ValidationIssue>& issues) {
  const json* storage = find(spec, "/storage");
  if (storage != nullptr && !storage->is_object()) return;  // the schema check has reported it
  const json empty = json::object();
  const json& s = storage == nullptr ? empty : *storage;
  check_exactly_one(s, {"s3", "persistentVolumeClaim", "volume"}, refused, "spec.storage",
                    "where to keep " + what, issues);
  if (s.contains("s3")) check_s3(s.at("s3"), "spec.storage.s3", issues);
  if (s.contains("volume")) {
    check_storage_volume(s.at("volume"), "spec.storage.volume", VolumeUse::kWrite, issues);
  }
}

void check_encryption(const json& parent, const std::string& path,
                      std::vector<ValidationIssue>& issues) {
  const json* encryption = find(parent, "/encryption");
  if (encryption == nullptr || !encryption->is_object()) return;
  const std::string at = schema::join(path, "encryption");
  if (!encryption->contains("keySecretKeyRef")) {
    issues.push_back({at + ".keySecretKeyRef",
                      "required: the Secret key holding the encryption key, e.g. "
                      "keySecretKeyRef: {name: backup-key, key: key}"});
    return;
  }
  check_secret_ref(*encryption, "keySecretKeyRef", at, "the encryption key", issues);
}

// --- the operator's Job and Pod settings ------------------------------------------------------

std::vector<schema::Field> job_fields(bool with_affinity) {
  std::vector<schema::Field> fields = {
      {"args", string_list()},
      {"resources", any_object()},
      {"securityContext", any_object()},
      {"podMetadata", metadata_template()},
      {"imagePullSecrets", any_array()},
      {"podSecurityContext", any_object()},
      {"serviceAccountName", text()},
      {"tolerations", any_array()},
      {"priorityClassName", text()},
      {"restartPolicy", one_of({"Always", "OnFailure", "Never"})},
      {"backoffLimit", schema::integer()},
      {"inheritMetadata", metadata_template()},
      {"logLevel", log_level_schema()},
  };
  if (with_affinity) {
    fields.push_back({"affinity", any_object()});
    fields.push_back({"nodeSelector", schema::string_map()});
  }
  return fields;
}

void check_not_negative(const json& spec, const std::vector<std::string>& names,
                        std::vector<ValidationIssue>& issues) {
  for (const std::string& name : names) {
    if (const auto n = find_int(spec, "/" + name); n && *n < 0) {
      issues.push_back({"spec." + name, "must not be negative"});
    }
  }
}

// --- the source of a restore ------------------------------------------------------------------

namespace {

// The target of a restore to a moment: pointInTimeRecoveryRef's name, and targetRecoveryGtid
// (with pointInTimeRecoveryRef only, not with targetRecoveryTime). The PointInTimeRecovery and
// its PhysicalBackup bring their own keys, so encryption is refused with it.
void check_point_in_time_target(const json& source, const std::string& path,
                                std::vector<ValidationIssue>& issues) {
  const bool to_a_moment = source.contains("pointInTimeRecoveryRef");
  if (to_a_moment && source.at("pointInTimeRecoveryRef").is_object() &&
      find_text(source, "/pointInTimeRecoveryRef/name").empty()) {
    issues.push_back({path + ".pointInTimeRecoveryRef.name",
                      "required: the name of the PointInTimeRecovery (in this namespace) whose "
                      "archived binary logs are replayed"});
  }
  if (const json* gtid = find(source, "/targetRecoveryGtid"); gtid && gtid->is_string()) {
    const std::string at = path + ".targetRecoveryGtid";
    if (!to_a_moment) {
      issues.push_back({at,
                        "a GTID target replays archived binary logs: add "
                        "pointInTimeRecoveryRef: {name: <PointInTimeRecovery>}, or remove "
                        "targetRecoveryGtid"});
    } else if (source.contains("targetRecoveryTime")) {
      issues.push_back({at,
                        "set either targetRecoveryTime (every transaction committed at or "
                        "before that second) or targetRecoveryGtid (up to and including that "
                        "transaction), not both"});
    } else if (!is_gtid(gtid->get<std::string>())) {
      issues.push_back({at, "\"" + gtid->get<std::string>() +
                                "\" is not a GTID: write domain-server-sequence, three "
                                "unsigned decimal numbers (domain and server id up to "
                                "4294967295), e.g. 0-1-1234"});
    }
  }
  if (to_a_moment && source.contains("encryption")) {
    issues.push_back({path + ".encryption",
                      "a pointInTimeRecoveryRef restores with the keys of the "
                      "PointInTimeRecovery and its PhysicalBackup; remove encryption"});
  }
}

}  // namespace

std::vector<schema::Field> restore_source_fields() {
  return {
      {"backupRef", schema::object({{"name", text()},
                                    {"namespace", text()},
                                    {"kind", one_of({"Backup", "PhysicalBackup"})}})},
      {"s3", s3_schema()},
      {"volume", storage_volume_schema()},
      {"pointInTimeRecoveryRef", schema::object({{"name", text()}})},
      {"targetRecoveryTime", schema::timestamp()},
      {"targetRecoveryGtid", text()},
      // A tutorial's form of a restore to a moment, with the archive's storage inline.
      {"pointInTime",
       refused("mdbop restores to a moment from a PointInTimeRecovery's archive: write "
               "pointInTimeRecoveryRef: {name: <PointInTimeRecovery>} and targetRecoveryTime: "
               "<pointInTime.timestamp> instead, the binlogStorage being that "
               "PointInTimeRecovery's storage")},
      {"stagingStorage", staging_storage_schema()},
      {"encryption", encryption_schema()},
      {"artifact", text()},
  };
}

void check_restore_source(const json& source, const std::string& path,
                          const std::string& own_namespace, const std::vector<std::string>& refused,
                          std::vector<ValidationIssue>& issues) {
  check_exactly_one(source, {"backupRef", "s3", "volume", "pointInTimeRecoveryRef"}, refused, path,
                    "what to restore from", issues);
  if (source.contains("backupRef") && source.at("backupRef").is_object()) {
    if (find_text(source, "/backupRef/name").empty()) {
      issues.push_back(
          {path + ".backupRef.name", "required: the name of the Backup or PhysicalBackup"});
    }
    // A backupRef brings its Backup's storage credentials and encryption key, Secrets of the
    // Backup's namespace: following it into another namespace would let whoever may create a
    // Restore here read them.
    if (const std::string ns = find_text(source, "/backupRef/namespace");
        !ns.empty() && ns != own_namespace) {
      issues.push_back({path + ".backupRef.namespace",
                        "a backupRef names a Backup of namespace \"" + own_namespace +
                            "\" only: its storage credentials and encryption key are Secrets "
                            "of namespace \"" +
                            ns +
                            "\", not readable from here. Remove backupRef and give the "
                            "Backup's storage as s3 (or volume), with the same bucket and "
                            "prefix, and copies of its Secrets in namespace \"" +
                            own_namespace + "\" (and encryption for its key, if any)"});
    }
    if (source.contains("encryption")) {
      issues.push_back({path + ".encryption",
                        "a backupRef restores with its backup's own encryption key; remove "
                        "encryption"});
    }
  }
  if (source.contains("s3")) check_s3(source.at("s3"), path + ".s3", issues);
  if (source.contains("volume")) {
    check_storage_volume(source.at("volume"), path + ".volume", VolumeUse::kRead, issues);
  }
  check_point_in_time_target(source, path, issues);
  if (const json* artifact = find(source, "/artifact")) {
    if (source.contains("pointInTimeRecoveryRef")) {
      issues.push_back({path + ".artifact",
                        "a pointInTimeRecoveryRef restores the newest base backup at or before "
                        "the target; remove artifact (or restore exactly that backup with "
                        "backupRef, s3 or volume)"});
    } else if (*artifact == "") {
      issues.push_back({path + ".artifact",
                        "must not be empty; leave it out to choose the latest "
                        "backup"});
    } else if (source.contains("targetRecoveryTime")) {
      issues.push_back({path + ".artifact",
                        "set either artifact (restore exactly that backup) or "
                        "targetRecoveryTime (the backup closest before that time), not both"});
    }
  }
  check_encryption(source, path, issues);
}

Node bootstrap_from_schema() {
  std::vector<schema::Field> fields = restore_source_fields();
  const std::vector<schema::Field> more = {
      {"backupContentType", one_of({"Logical", "Physical"})},
      {"volumeSnapshotRef",
       refused("bootstrapping from a VolumeSnapshot needs Kubernetes; use backupRef, s3 or "
               "volume")},
      {"azureBlob", refused("Azure Blob Storage is not supported by mdbop; use s3 or volume")},
      {"restoreJob", any_object()},
      {"logLevel", log_level_schema()},
  };
  fields.insert(fields.end(), more.begin(), more.end());
  return schema::object(std::move(fields));
}

void check_bootstrap_from(const json& mariadb, std::vector<ValidationIssue>& issues) {
  const json* source = find(mariadb, "/spec/bootstrapFrom");
  if (source == nullptr || !source->is_object()) return;
  const std::string path = "spec.bootstrapFrom";
  std::string own_namespace = find_text(mariadb, "/metadata/namespace");
  if (own_namespace.empty()) own_namespace = "default";
  check_restore_source(*source, path, own_namespace, {"volumeSnapshotRef", "azureBlob"}, issues);
  const std::string kind = find_text(*source, "/backupRef/kind");
  const std::string content = find_text(*source, "/backupContentType");
  if (source->contains("pointInTimeRecoveryRef") && !content.empty() && content != "Physical") {
    issues.push_back({path + ".backupContentType",
                      "a pointInTimeRecoveryRef restores a physical base backup; write "
                      "backupContentType: Physical or remove it"});
  }
  if (!kind.empty() && !content.empty() && (kind == "PhysicalBackup") != (content == "Physical")) {
    issues.push_back({path + ".backupContentType",
                      "contradicts backupRef.kind " + kind + ": a " + kind + " holds " +
                          (kind == "PhysicalBackup" ? "Physical" : "Logical") +
                          " backups; correct or remove backupContentType"});
  }
}

void default_bootstrap_from(json& bootstrap_from) {
  if (bootstrap_from.contains("pointInTimeRecoveryRef")) {
    bootstrap_from["backupContentType"] = "Physical";  // the base of a restore to a moment
    return;
  }
  if (!bootstrap_from.contains("backupRef")) return;
  json& ref = bootstrap_from["backupRef"];
  if (ref.contains("kind") && !bootstrap_from.contains("backupContentType")) {
    bootstrap_from["backupContentType"] = ref["kind"] == "PhysicalBackup" ? "Physical" : "Logical";
  } else if (!ref.contains("kind") && bootstrap_from.contains("backupContentType")) {
    ref["kind"] = bootstrap_from["backupContentType"] == "Physical" ? "PhysicalBackup" : "Backup";
  }
}

}  // namespace mdbop
