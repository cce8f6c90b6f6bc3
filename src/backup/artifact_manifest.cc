#include "backup/artifact_manifest.h"

#include "backup/compression.h"

namespace mdbop {
namespace {

using json = nlohmann::json;

Result<std::string> text_field(const json& object, const char* name, bool may_be_empty) {
  if (!object.contains(name) || !object[name].is_string()) {
    return fail(std::string("manifest field \"") + name + "\" is missing");
  }
  std::string value = object[name];
  if (value.empty() && !may_be_empty) {
    return fail(std::string("manifest field \"") + name + "\" is empty");
  }
  return value;
}

Result<std::uint64_t> count_field(const json& object, const char* name) {
  if (!object.contains(name) || !object[name].is_number_unsigned()) {
    return fail(std::string("manifest field \"") + name + "\" is missing or not a byte count");
  }
  return object[name].get<std::uint64_t>();
}

bool is_sha256_hex(const std::string& text) {
  return text.size() == 64 && text.find_first_not_of("0123456789abcdef") == std::string::npos;
}

}  // namespace

std::string manifest_key(const std::string& id) { return id + "/" + kManifestFileName; }

std::string data_key(const std::string& id, const std::string& method,
                     const std::string& compression, bool encrypted) {
  std::string name = method == "physical" ? "data.xbstream" : "dump.sql";
  if (auto known = parse_compression(compression)) name += compression_suffix(*known);
  if (encrypted) name += ".enc";
  return id + "/" + name;
}

std::string cluster_uuid_of(const std::string& galera_position) {
  return galera_position.substr(0, galera_position.find(':'));
}

json manifest_to_json(const ArtifactManifest& m) {
  return {{"format", kManifestFormat},
          {"id", m.id},
          {"method", m.method},
          {"backup", m.backup},
          {"backupUid", m.backup_uid},
          {"mariadb", m.mariadb},
          {"pod", m.pod},
          {"serverVersion", m.server_version},
          {"galeraPosition", m.galera_position},
          {"gtid", m.gtid},
          {"binlogHistory", m.binlog_history},
          {"fromLsn", m.from_lsn},
          {"toLsn", m.to_lsn},
          {"lineage", m.lineage},
          {"incrementalBase", m.incremental_base},
          {"started", format_rfc3339(m.started)},
          {"finished", format_rfc3339(m.finished)},
          {"sourceBytes", m.source_bytes},
          {"storedBytes", m.stored_bytes},
          {"compression", m.compression},
          {"encryption", m.encryption},
          {"dataKey", m.data_key},
          {"sha256", m.sha256}};
}

json artifact_status(const ArtifactManifest& m, const std::string& location) {
  json status = {{"id", m.id},
                 {"method", m.method},
                 {"finished", format_rfc3339(m.finished)},
                 {"pod", m.pod},
                 {"sourceBytes", m.source_bytes},
                 {"storedBytes", m.stored_bytes},
                 {"compression", m.compression},
                 {"encryption", m.encryption},
                 {"galeraPosition", m.galera_position},
                 {"gtid", m.gtid},
                 {"binlogHistory", m.binlog_history},
                 {"sha256", m.sha256},
                 {"location", location}};
  if (!m.incremental_base.empty()) status["incrementalBase"] = m.incremental_base;
  return status;
}

Result<ArtifactManifest> parse_manifest(const std::string& text) {
  const json object = json::parse(text, nullptr, false);
  if (object.is_discarded() || !object.is_object()) return fail("manifest is not a JSON object");
  if (object.value("format", 0) != kManifestFormat) {
    return fail("manifest format " + object.value("format", json()).dump() +
                " is not one this mdbop reads (" + std::to_string(kManifestFormat) + ")");
  }
  ArtifactManifest m;
  // Each field is required: a manifest cut short is not a manifest.
  const std::pair<const char*, std::string*> required[] = {{"id", &m.id},
                                                           {"method", &m.method},
                                                           {"backup", &m.backup},
                                                           {"mariadb", &m.mariadb},
                                                           {"pod", &m.pod},
                                                           {"compression", &m.compression},
                                                           {"encryption", &m.encryption},
                                                           {"dataKey", &m.data_key},
                                                           {"sha256", &m.sha256}};
  for (const auto& [name, into] : required) {
    auto value = text_field(object, name, false);
    if (!value) return tl::unexpected(value.error());
    *into = *value;
  }
  const std::pair<const char*, std::string*> optional_text[] = {
      {"backupUid", &m.backup_uid},
      {"serverVersion", &m.server_version},
      {"galeraPosition", &m.galera_position},
      {"gtid", &m.gtid}};
  for (const auto& [name, into] : optional_text) {
    auto value = text_field(object, name, true);
    if (!value) return tl::unexpected(value.error());
    *into = *value;
  }
  for (const auto& [name, into] : {std::pair{"started", &m.started}, {"finished", &m.finished}}) {
    auto value = text_field(object, name, false);
    if (!value) return tl::unexpected(value.error());
    auto when = parse_rfc3339_seconds(*value);
    if (!when) return fail(std::string("manifest field \"") + name + "\": " + when.error().message);
    *into = *when;
  }
  for (const auto& [name, into] :
       {std::pair{"sourceBytes", &m.source_bytes}, {"storedBytes", &m.stored_bytes}}) {
    auto value = count_field(object, name);
    if (!value) return tl::unexpected(value.error());
    *into = *value;
  }
  // Absent from the manifests of mdbop before incremental backups.
  for (const auto& [name, into] : {std::pair{"fromLsn", &m.from_lsn}, {"toLsn", &m.to_lsn}}) {
    if (!object.contains(name)) continue;
    auto value = count_field(object, name);
    if (!value) return tl::unexpected(value.error());
    *into = *value;
  }
  for (const auto& [name, into] :
       {std::pair{"lineage", &m.lineage}, {"incrementalBase", &m.incremental_base}}) {
    if (!object.contains(name)) continue;
    auto value = text_field(object, name, true);
    if (!value) return tl::unexpected(value.error());
    *into = *value;
  }
  // Absent from the manifests of mdbop before restores to a moment: the cluster's UUID then.
  if (object.contains("binlogHistory")) {
    auto history = text_field(object, "binlogHistory", true);
    if (!history) return tl::unexpected(history.error());
    m.binlog_history = *history;
  }
  if (m.binlog_history.empty()) m.binlog_history = cluster_uuid_of(m.galera_position);
  if (m.method != "physical" && m.method != "logical") {
    return fail("manifest field \"method\" is \"" + m.method + "\", not physical or logical");
  }
  if (m.encryption != "none" && m.encryption != "aes-256-gcm") {
    return fail("manifest field \"encryption\" names an unknown cipher \"" + m.encryption + "\"");
  }
  if (!is_sha256_hex(m.sha256)) return fail("manifest field \"sha256\" is not a SHA-256 digest");
  if (!m.incremental_base.empty() && (m.method != "physical" || m.from_lsn == 0)) {
    return fail(
        "manifest field \"incrementalBase\" is set on an artifact that is no "
        "incremental physical backup (fromLsn 0 or a logical one)");
  }
  if (m.incremental_base.empty() && m.from_lsn != 0) {
    return fail(
        "manifest field \"fromLsn\" is that of an incremental backup, and "
        "\"incrementalBase\" names no base");
  }
  if (!m.data_key.starts_with(m.id + "/")) {
    return fail("manifest field \"dataKey\" lies outside the artifact's folder");
  }
  return m;
}

}  // namespace mdbop
