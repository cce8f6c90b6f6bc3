#include "backup/take_backup.h"

#include <filesystem>

#include "backup/client_options.h"
#include "backup/compression.h"
#include "backup/digest_sink.h"
#include "backup/encryption.h"
#include "backup/logical_users.h"
#include "backup/progress_sink.h"
#include "backup/xbstream_sniffer.h"
#include "util/subprocess.h"

namespace mdbop {
namespace {

// "fb4a29ea-...:13 0\n" (xtrabackup_galera_info) -> "fb4a29ea-...:13"
std::string galera_position_of(const std::string& galera_info) {
  const size_t end = galera_info.find_first_of(" \n");
  return galera_info.substr(0, end);
}

// A value of mariadb_backup_info's "name = value" lines.
std::string info_value(const std::string& info, const std::string& name) {
  const std::string prefix = name + " = ";
  size_t at = info.find(prefix);
  if (at == std::string::npos || (at > 0 && info[at - 1] != '\n')) return "";
  at += prefix.size();
  return info.substr(at, info.find('\n', at) - at);
}

std::vector<std::string> physical_command(const TakeBackupRequest& r,
                                          const std::filesystem::path& options) {
  std::vector<std::string> argv = {"mariadb-backup",
                                   "--defaults-extra-file=" + options.string(),
                                   "--backup",
                                   "--stream=xbstream",
                                   "--galera-info",
                                   "--target-dir=" + (r.work_dir / "target").string(),
                                   "--datadir=" + r.node.data_dir};
  argv.insert(argv.end(), r.extra_args.begin(), r.extra_args.end());
  return argv;
}

std::vector<std::string> logical_command(const TakeBackupRequest& r,
                                         const std::filesystem::path& options,
                                         const std::vector<std::string>& databases) {
  // A consistent InnoDB snapshot without table locks (Galera does not replicate LOCK TABLES),
  // with routines, events and triggers; --databases adds CREATE DATABASE and USE.
  std::vector<std::string> argv = {"mariadb-dump",
                                   "--defaults-extra-file=" + options.string(),
                                   "--single-transaction",
                                   "--skip-add-locks",
                                   "--routines",
                                   "--events",
                                   "--triggers",
                                   "--hex-blob",
                                   "--default-character-set=utf8mb4"};
  argv.insert(argv.end(), r.extra_args.begin(), r.extra_args.end());
  argv.push_back("--databases");
  argv.insert(argv.end(), databases.begin(), databases.end());
  return argv;
}

struct ServerFacts {
  std::string version;
  std::string galera_position;
  std::string gtid;
  std::vector<std::string> databases;
  std::string accounts_sql;
};

Result<ServerFacts> read_server_facts(const TakeBackupRequest& r) {
  SqlEndpoint endpoint;
  endpoint.socket = r.node.socket;
  endpoint.password = r.root_password;
  endpoint.timeout = std::chrono::seconds(30);
  auto connection = SqlConnection::connect(endpoint);
  if (!connection) return fail(r.node.pod + " does not answer: " + connection.error().message);
  auto facts_rows = connection->query(
      "SELECT @@version, @@gtid_binlog_pos, "
      "(SELECT VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS "
      " WHERE VARIABLE_NAME = 'wsrep_local_state_uuid'), "
      "(SELECT VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS "
      " WHERE VARIABLE_NAME = 'wsrep_last_committed')");
  if (!facts_rows) return tl::unexpected(facts_rows.error());
  ServerFacts facts;
  const auto& row = facts_rows->rows.at(0);
  facts.version = row[0].value_or("");
  facts.gtid = row[1].value_or("");
  if (row[2] && row[3]) facts.galera_position = *row[2] + ":" + *row[3];
  if (r.method == "logical") {
    facts.databases = r.databases;
    if (facts.databases.empty()) {
      auto names = connection->query(
          "SELECT SCHEMA_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME NOT IN "
          "('mysql', 'information_schema', 'performance_schema', 'sys') ORDER BY 1");
      if (!names) return tl::unexpected(names.error());
      for (const auto& name : names->rows) facts.databases.push_back(name[0].value_or(""));
    }
    auto accounts = read_accounts(*connection);
    if (!accounts) return fail("reading users and grants: " + accounts.error().message);
    facts.accounts_sql = accounts_sql(*accounts);
  }
  return facts;
}

}  // namespace

Result<ArtifactManifest> take_backup(const TakeBackupRequest& r, BackupStorage& storage,
                                     const ProgressCallback& progress,
                                     const std::function<bool()>& should_stop) {
  auto compression = parse_compression(r.compression);
  if (!compression) return tl::unexpected(compression.error());
  std::error_code ec;
  std::filesystem::create_directories(r.work_dir, ec);
  if (ec) return fail("cannot create " + r.work_dir.string() + ": " + ec.message());
  struct RemoveWorkDir {
    const std::filesystem::path& path;
    ~RemoveWorkDir() {
      std::error_code ignored;
      std::filesystem::remove_all(path, ignored);
    }
  } remove_work_dir{r.work_dir};
  const std::filesystem::path options = r.work_dir / "client.cnf";
  if (auto written = write_client_options(options, r.node.socket, r.root_password); !written) {
    return tl::unexpected(written.error());
  }
  auto facts = read_server_facts(r);
  if (!facts) return tl::unexpected(facts.error());

  ArtifactManifest m;
  m.id = r.id;
  m.method = r.method;
  m.backup = r.backup;
  m.backup_uid = r.backup_uid;
  m.mariadb = r.mariadb;
  m.pod = r.node.pod;
  m.server_version = facts->version;
  m.galera_position = facts->galera_position;
  m.gtid = facts->gtid;
  m.compression = std::string(compression_name(*compression));
  m.encryption = r.encryption_secret ? "aes-256-gcm" : "none";
  m.data_key = data_key(r.id, r.method, m.compression, r.encryption_secret.has_value());
  m.started = now_seconds();

  // The pipeline, built from its end: storage <- digest <- [encrypt] <- compress <- [sniff].
  auto writer = storage.create(m.data_key);
  if (!writer) return tl::unexpected(writer.error());
  DigestSink digest(**writer);
  std::unique_ptr<ByteSink> encryptor;
  if (r.encryption_secret) {
    auto made = make_encryptor(*r.encryption_secret, digest);
    if (!made) return tl::unexpected(made.error());
    encryptor = std::move(*made);
  }
  auto compressor = make_compressor(*compression, encryptor ? *encryptor : digest);
  XbstreamSniffer sniffer(*compressor, {"xtrabackup_galera_info", "mariadb_backup_info"});
  ByteSink& first = r.method == "physical" ? static_cast<ByteSink&>(sniffer) : *compressor;
  ProgressSink counted(first, progress, [&digest] { return digest.bytes(); });

  SubprocessOptions tool;
  tool.timeout = r.timeout;
  tool.argv = r.method == "physical" ? physical_command(r, options)
                                     : logical_command(r, options, facts->databases);
  const bool has_data = r.method == "physical" || !facts->databases.empty();
  if (has_data) {
    auto ran = run_process_to_sink(tool, counted, should_stop);
    if (!ran) return tl::unexpected(ran.error());
    if (!ran->ok()) return fail(tool.argv[0] + " " + ran->describe());
  }
  if (r.method == "logical") {
    if (auto written = counted.write(facts->accounts_sql); !written) {
      return tl::unexpected(written.error());
    }
  }
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
      if (std::string pos = info_value(info->second, "binlog_pos"); !pos.empty()) m.gtid = pos;
    }
  }
  // Last: only now does the artifact exist.
  if (auto put = storage.put_all(manifest_key(m.id), manifest_to_json(m).dump(2)); !put) {
    storage.remove(m.data_key);
    return fail("writing the manifest: " + put.error().message);
  }
  return m;
}

}  // namespace mdbop
