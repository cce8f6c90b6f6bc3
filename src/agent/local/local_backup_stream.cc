#include "agent/local/local_backup_stream.h"

#include "backup/client_options.h"
#include "backup/logical_users.h"
#include "runtime/local/data_lineage.h"
#include "util/subprocess.h"

namespace mdbop {
namespace {

std::vector<std::string> physical_command(const LocalBackupPlace& place,
                                          const BackupStreamRequest& r) {
  std::vector<std::string> argv = {
      "mariadb-backup",
      "--defaults-extra-file=" + (place.work_dir / "client.cnf").string(),
      "--backup",
      "--stream=xbstream",
      "--galera-info",
      "--target-dir=" + (place.work_dir / "target").string(),
      "--datadir=" + place.data_dir};
  if (r.incremental_from_lsn) {
    argv.push_back("--incremental-lsn=" + std::to_string(*r.incremental_from_lsn));
  }
  argv.insert(argv.end(), r.extra_args.begin(), r.extra_args.end());
  return argv;
}

std::vector<std::string> logical_command(const LocalBackupPlace& place,
                                         const BackupStreamRequest& r,
                                         const std::vector<std::string>& databases) {
  // A consistent InnoDB snapshot without table locks (Galera does not replicate LOCK TABLES),
  // with routines, events and triggers; --databases adds CREATE DATABASE and USE.
  std::vector<std::string> argv = {
      "mariadb-dump",
      "--defaults-extra-file=" + (place.work_dir / "client.cnf").string(),
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

Result<ServerFacts> read_server_facts(const LocalBackupPlace& place, const BackupStreamRequest& r) {
  SqlEndpoint endpoint;
  endpoint.socket = place.socket;
  endpoint.password = r.root_password;
  endpoint.timeout = std::chrono::seconds(30);
  auto connection = SqlConnection::connect(endpoint);
  if (!connection) return fail(place.pod + " does not answer: " + connection.error().message);
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

Result<BackupSourceFacts> stream_local_backup(const LocalBackupPlace& place,
                                              const BackupStreamRequest& request, ByteSink& out,
                                              const std::function<bool()>& should_stop) {
  std::error_code ec;
  std::filesystem::remove_all(place.work_dir, ec);
  std::filesystem::create_directories(place.work_dir, ec);
  if (ec) return fail("cannot create " + place.work_dir.string() + ": " + ec.message());
  // It holds the root password: it goes whatever happens.
  struct RemoveWorkDir {
    const std::filesystem::path& path;
    ~RemoveWorkDir() {
      std::error_code ignored;
      std::filesystem::remove_all(path, ignored);
    }
  } remove_work_dir{place.work_dir};
  if (auto written =
          write_client_options(place.work_dir / "client.cnf", place.socket, request.root_password);
      !written) {
    return tl::unexpected(written.error());
  }
  auto facts = read_server_facts(place, request);
  if (!facts) return tl::unexpected(facts.error());
  std::string lineage;
  if (request.method == "physical") {
    auto before = data_lineage(place.data_dir, place.pod, place.lineage_lock);
    if (!before) return tl::unexpected(before.error());
    if (request.incremental_from_lsn && *before != request.lineage) {
      return fail(ErrorCode::kConflict,
                  "the data of " + place.pod +
                      " is no longer the lineage of the incremental "
                      "backup's base (replaced since by a state transfer or a restore)");
    }
    lineage = *before;
  }

  SubprocessOptions tool;
  tool.timeout = request.timeout;
  tool.argv = request.method == "physical" ? physical_command(place, request)
                                           : logical_command(place, request, facts->databases);
  const bool has_data = request.method == "physical" || !facts->databases.empty();
  if (has_data) {
    auto ran = run_process_to_sink(tool, out, should_stop);
    if (!ran) return tl::unexpected(ran.error());
    if (!ran->ok()) return fail(tool.argv[0] + " " + ran->describe());
  }
  if (request.method == "logical") {
    if (auto written = out.write(facts->accounts_sql); !written) {
      return tl::unexpected(written.error());
    }
  }
  if (request.method == "physical") {
    auto after = data_lineage(place.data_dir, place.pod, place.lineage_lock);
    if (!after) return tl::unexpected(after.error());
    if (*after != lineage) {
      return fail(ErrorCode::kConflict,
                  "the data of " + place.pod + " was replaced while it was copied");
    }
  }
  return BackupSourceFacts{facts->version, facts->galera_position, facts->gtid, lineage};
}

}  // namespace mdbop
