#include "backup/take_backup.h"

#include <charconv>

#include "backup/compression.h"
#include "backup/digest_sink.h"
#include "backup/encryption.h"
#include "backup/progress_sink.h"
#include "backup/xbstream_sniffer.h"

namespace mdbop {
namespace {

// "fb4a29ea-...:13 0\n" (xtrabackup_galera_info) -> "fb4a29ea-...:13"
std::string galera_position_of(const std::string& galera_info) {
  const size_t end = galera_info.find_first_of(" \n");
  return galera_info.substr(0, end);
}

// The GTID position of mariadb_backup_info's binlog_pos ("filename 'mariadb-bin.000002',
// position '385', GTID of the last change '0-1-7'"); the whole value when it names none.
std::string gtid_of_binlog_pos(const std::string& binlog_pos) {
  const std::string marker = "GTID of the last change '";
  const size_t at = binlog_pos.find(marker);
  if (at == std::string::npos) return binlog_pos;
  const size_t begin = at + marker.size();
  return binlog_pos.substr(begin, binlog_pos.find('\'', begin) - begin);
}

// A value of mariadb_backup_info's "name = value" lines.
std::string info_value(const std::string& info, const std::string& name) {
  const std::string prefix = name + " = ";
  size_t at = info.find(prefix);
  if (at == std::string::npos || (at > 0 && info[at - 1] != '\n')) return "";
  at += prefix.size();
  return info.substr(at, info.find('\n', at) - at);
}

// A log sequence number of xtrabackup_checkpoints; nullopt unless the whole text is one.
std::optional<std::uint64_t> parse_lsn(const std::string& text) {
  std::uint64_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size() || text.empty()) return {};
  return value;
}

}  // namespace

Result<ArtifactManifest> take_backup(const TakeBackupRequest& r, BackupStorage& storage,
                                     const BackupSource& source, const ProgressCallback& progress) {
  auto compression = parse_compression(r.compression);
  if (!compression) return tl::unexpected(compression.error());

  ArtifactManifest m;
  m.id = r.id;
  m.method = r.method;
  m.backup = r.backup;
  m.backup_uid = r.backup_uid;
  m.mariadb = r.mariadb;
  m.pod = r.pod;
  m.compression = std::string(compression_name(*compression));
  m.encryption = r.encryption_secret ? "aes-256-gcm" : "none";
  m.data_key = data_key(r.id, r.method, m.compression, r.encryption_secret.has_value());
  m.started = now_seconds();

  // The pipeline, built from its end: storage <- digest <- [encrypt] <- compress <- [sniff].
  auto writer = storage.create(m.data_key, ObjectUse::kData);
  if (!writer) return tl::unexpected(writer.error());
  DigestSink digest(**writer);
  std::unique_ptr<ByteSink> encryptor;
  if (r.encryption_secret) {
    auto made = make_encryptor(*r.encryption_secret, digest);
    if (!made) return tl::unexpected(made.error());
    encryptor = std::move(*made);
  }
  auto compressor =
      make_compressor(*compression, encryptor ? *encryptor : digest, r.compression_threads);
  XbstreamSniffer sniffer(
      *compressor, {"xtrabackup_galera_info", "mariadb_backup_info", "xtrabackup_checkpoints"});
  ByteSink& first = r.method == "physical" ? static_cast<ByteSink&>(sniffer) : *compressor;
  ProgressSink counted(first, progress, [&digest] { return digest.bytes(); });

  auto facts = source(counted);
  if (!facts) return tl::unexpected(facts.error());
  m.server_version = facts->server_version;
  m.galera_position = facts->galera_position;
  m.gtid = facts->gtid;
  m.lineage = facts->lineage;
  m.incremental_base = r.incremental_base;
  if (auto finished = counted.finish(); !finished) return tl::unexpected(finished.error());
  m.finished = now_seconds();
  m.source_bytes = counted.bytes();
  m.stored_bytes = digest.bytes();
  m.sha256 = digest.hex_sha256();
  if (r.method == "physical") {
    const auto& files = sniffer.files();
    if (auto info = files.find("xtrabackup_galera_info"); info != files.end()) {
      m.galera_position = galera_position_of(info->second);
    }
    if (auto info = files.find("mariadb_backup_info"); info != files.end()) {
      if (std::string pos = info_value(info->second, "binlog_pos"); !pos.empty()) {
        m.gtid = gtid_of_binlog_pos(pos);
      }
    }
    // What an incremental one continues from; a full one without it begins no chain.
    const auto checkpoints = files.find("xtrabackup_checkpoints");
    const std::string text = checkpoints == files.end() ? "" : checkpoints->second;
    const auto from = parse_lsn(info_value(text, "from_lsn"));
    const auto to = parse_lsn(info_value(text, "to_lsn"));
    // An incremental stream stored as a full backup, or one from another point, could not
    // be restored: what mariadb-backup says it made must be what was asked.
    const std::uint64_t asked = r.incremental_base.empty() ? 0 : r.incremental_from_lsn;
    if (from && to && *from == asked) {
      m.from_lsn = *from;
      m.to_lsn = *to;
    } else if (!r.incremental_base.empty() || (from && *from != 0)) {
      storage.remove(m.data_key);
      return fail("mariadb-backup's xtrabackup_checkpoints is not that of the " +
                  (asked == 0
                       ? std::string("full backup asked for")
                       : "incremental backup from log sequence number " + std::to_string(asked)) +
                  ": \"" + text + "\"");
    }
  }
  m.binlog_history =
      r.binlog_history.empty() ? cluster_uuid_of(m.galera_position) : r.binlog_history;
  // Last: only now does the artifact exist.
  if (auto put = storage.put_all(manifest_key(m.id), manifest_to_json(m).dump(2)); !put) {
    storage.remove(m.data_key);
    return fail("writing the manifest: " + put.error().message);
  }
  return m;
}

}  // namespace mdbop
