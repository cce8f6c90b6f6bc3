#include "store/storage_access.h"

#include "storage/filesystem_storage.h"
#include "storage/s3_storage.h"
#include "store/secrets.h"

namespace mdbop {
namespace {

std::filesystem::path directory_of(const std::string& directory,
                                   const std::filesystem::path& home) {
  std::filesystem::path path(directory);
  return path.is_absolute() ? path : home / path;
}

// The references of a storage or an encryption key carry no `generate` (api's key_ref), so
// nothing is generated here.
Result<std::string> secret_value(Store& store, const std::string& namespace_,
                                 const std::optional<SecretKeyRef>& ref, const std::string& field) {
  if (!ref) return std::string();
  auto value = resolve_secret_value(store, namespace_, *ref, json::object());
  if (!value) return fail_field(field, value.error().message);
  return *value;
}

}  // namespace

Result<std::unique_ptr<BackupStorage>> open_storage(Store& store, const std::string& namespace_,
                                                    const StorageSpec& spec,
                                                    const std::filesystem::path& home,
                                                    const std::string& field) {
  if (spec.directory) {
    auto opened = FilesystemStorage::open(directory_of(*spec.directory, home));
    if (!opened) return fail_field(field, opened.error().message);
    return std::unique_ptr<BackupStorage>(std::move(*opened));
  }
  const S3StorageSpec& s3 = *spec.s3;
  S3Config config;
  config.endpoint = s3.endpoint;
  config.bucket = s3.bucket;
  config.region = s3.region.empty() ? "us-east-1" : s3.region;
  config.prefix = s3.prefix;
  config.tls_enabled = s3.tls_enabled;
  config.storage_class = s3.storage_class;
  config.server_side_encryption = s3.server_side_encryption;
  config.kms_key_id = s3.kms_key_id;
  const std::string s3_field = field + ".s3";
  const std::pair<const std::optional<SecretKeyRef>*, std::pair<std::string*, const char*>>
      secrets[] = {
          {&s3.access_key_id, {&config.access_key_id, "accessKeyIdSecretKeyRef"}},
          {&s3.secret_access_key, {&config.secret_access_key, "secretAccessKeySecretKeyRef"}},
          {&s3.session_token, {&config.session_token, "sessionTokenSecretKeyRef"}},
          {&s3.tls_ca, {&config.ca_bundle_pem, "tls.caSecretKeyRef"}},
      };
  for (const auto& [ref, target] : secrets) {
    auto value = secret_value(store, namespace_, *ref, s3_field + "." + target.second);
    if (!value) return tl::unexpected(value.error());
    *target.first = *value;
  }
  auto opened = S3Storage::open(std::move(config));
  if (!opened) return fail_field(s3_field, opened.error().message);
  return std::unique_ptr<BackupStorage>(std::move(*opened));
}

std::string describe_storage(const StorageSpec& spec, const std::filesystem::path& home) {
  if (spec.directory) return directory_of(*spec.directory, home).string();
  std::string text = "s3://" + spec.s3->bucket;
  if (!spec.s3->prefix.empty()) text += "/" + spec.s3->prefix;
  return text;
}

bool same_storage(const StorageSpec& a, const StorageSpec& b, const std::filesystem::path& home) {
  if (a.s3 && b.s3) {
    return a.s3->endpoint == b.s3->endpoint && a.s3->bucket == b.s3->bucket &&
           a.s3->prefix == b.s3->prefix;
  }
  if (!a.directory || !b.directory) return false;
  const auto plain = [&](const std::string& directory) {
    std::string path = directory_of(directory, home).lexically_normal().string();
    while (path.size() > 1 && path.back() == '/') path.pop_back();
    return path;
  };
  return plain(*a.directory) == plain(*b.directory);
}

Result<BackupArtifacts> open_backup_artifacts(Store& store, const nlohmann::json& backup,
                                              const std::filesystem::path& home) {
  const std::string namespace_ = backup["metadata"].value("namespace", "default");
  const std::string object =
      backup.value("kind", "Backup") + " " + backup["metadata"].value("name", "");
  const BackupSpec spec = backup_spec_from(backup);
  BackupArtifacts artifacts;
  auto opened = open_storage(store, namespace_, spec.storage, home, object + " spec.storage");
  if (!opened) return tl::unexpected(opened.error());
  artifacts.storage = std::move(*opened);
  artifacts.location = describe_storage(spec.storage, home);
  if (spec.incremental_base_storage) {
    auto base = open_storage(store, namespace_, *spec.incremental_base_storage, home,
                             object + " spec.mariabackup.incrementalBasePath");
    if (!base) return tl::unexpected(base.error());
    artifacts.base_storage = std::move(*base);
  }
  if (spec.encryption_key) {
    auto key = secret_value(store, namespace_, spec.encryption_key,
                            object + " spec.encryption.keySecretKeyRef");
    if (!key) return tl::unexpected(key.error());
    artifacts.encryption_secret = *key;
  }
  return artifacts;
}

}  // namespace mdbop
