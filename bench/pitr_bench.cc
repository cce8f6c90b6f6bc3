// mdbop_pitr_bench: how long a restore to a chosen second takes, and how fast the archive is
// replayed. Per run, on a fresh real cluster (a generated 3-node one, or the MariaDB of
// --manifest) archived into a volume (encrypted, zstd): bulk data, a physical base backup,
// steady single-row writes (each acknowledged row's id, GTID and commit second recorded), then a
// new MariaDB bootstrapped from the archive to the middle second of the writes, timed from its
// apply until it is Ready and its Restore Complete. It prints figures and never asserts; a
// restored row count other than the rows stamped at or before the target prints MISMATCH. See
// bench/README.md.
#include <signal.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <CLI/CLI.hpp>

#include "api/manifest.h"
#include "archived_cluster.h"
#include "backup/binlog_archive.h"
#include "backup/binlog_segment_name.h"
#include "bench_cluster.h"
#include "bench_load.h"
#include "harness.h"
#include "sql/binlog_event.h"
#include "storage/filesystem_storage.h"
#include "store/local_store.h"
#include "util/time_text.h"

namespace mdbop::bench {
namespace {

using namespace std::chrono_literals;
using mdbop::testing::Installation;
using mdbop::testing::json;
using Clock = std::chrono::steady_clock;

constexpr const char* kPassword = "Bench-Pitr-Secret-42";
constexpr const char* kRestored = "restored";  // the MariaDB bootstrapped from the archive
// How often the restored MariaDB and its Restore are read from the store while timing.
constexpr auto kWatchEvery = 20ms;
constexpr auto kBackupTimeout = "--timeout=1800s";
constexpr auto kArchiveTimeout = 600s;
constexpr auto kRestoreTimeout = 3600s;

double seconds_between(Clock::time_point from, Clock::time_point to) {
  return std::chrono::duration<double>(to - from).count();
}

struct Options {
  int data_mb = 1024;
  int write_seconds = 600;
  int rate = 100;
  int runs = 3;
  int load_threads = 2;
};

struct Acknowledged {
  long long id;
  std::string gtid;
  long long committed_at;  // Unix second the server stamped the row (and its binary-log events)
};

// What one run measured.
struct Figures {
  double restore_seconds = 0;  // apply of the restored MariaDB → Ready and Restore Complete
  long long transactions = 0;  // Restore status.pointInTime.transactions
  double replay_seconds = 0;   // phase Replaying first seen → the next phase first seen
  double replay_archived_mb = 0;
  long long restored_rows = 0;
  long long expected_rows = 0;

  double replay_transactions_per_second() const {
    return replay_seconds > 0 ? static_cast<double>(transactions) / replay_seconds : 0;
  }
  double replay_archived_mb_per_second() const {
    return replay_seconds > 0 ? replay_archived_mb / replay_seconds : 0;
  }
};

std::string text_of(SqlConnection& connection, const std::string& sql) {
  auto rows = connection.query(sql);
  if (!rows || rows->rows.empty() || !rows->rows[0][0]) {
    throw StepFailed(sql + ": " + (rows ? "no value" : rows.error().what()));
  }
  return *rows->rows[0][0];
}

std::vector<int> sql_ports(Installation& mdbop, const Cluster& cluster) {
  std::vector<int> ports;
  for (const json& pod : pods_of(mdbop, cluster)) ports.push_back(pod["status"]["ports"]["sql"]);
  if (ports.empty()) throw StepFailed("no pod of " + cluster.name + " is listed");
  return ports;
}

// The PointInTimeRecovery's physicalBackupRef, "nightly", taken once and waited for.
void take_base_backup(Installation& mdbop, const Cluster& cluster) {
  const std::string yaml =
      "apiVersion: k8s.mariadb.com/v1alpha1\nkind: PhysicalBackup\nmetadata: {name: nightly, "
      "namespace: " +
      cluster.namespace_ + "}\nspec:\n  mariaDbRef: {name: " + cluster.name +
      "}\n  storage: {volume: {hostPath: {path: " + (mdbop.home() / "backups").string() + "}}}\n";
  if (auto applied = mdbop.mdbop({"apply", "-f", "-"}, yaml); applied.exit_code != 0) {
    throw StepFailed("apply PhysicalBackup: " + applied.out + applied.err);
  }
  auto complete = mdbop.mdbop({"wait", "physicalbackup/nightly", "-n", cluster.namespace_,
                               "--for=condition=Complete", kBackupTimeout});
  if (complete.exit_code != 0) throw StepFailed("PhysicalBackup nightly: " + complete.err);
}

// Single-row transactions on `writer`, one every 1/rate s on a schedule fixed from the start (a
// late commit is neither made up for nor delays the next), for `seconds`. Each row carries the
// second the server stamped it with: UNIX_TIMESTAMP() is the statement's start, the time its
// binary-log events carry, which is what targetRecoveryTime compares.
std::vector<Acknowledged> write_steadily(SqlConnection& writer, int rate, int seconds) {
  std::vector<Acknowledged> acknowledged;
  const Clock::duration pause = Clock::duration(1s) / rate;
  const Clock::time_point start = Clock::now();
  for (long long id = 1; !interrupted; ++id) {
    const Clock::time_point due = start + (id - 1) * pause;
    if (due - start >= std::chrono::seconds(seconds)) break;
    std::this_thread::sleep_until(due);
    auto inserted =
        writer.query(fmt::format("INSERT INTO bench.pitr VALUES ({0}, UNIX_TIMESTAMP()); "
                                 "SELECT @@last_gtid, committed_at FROM bench.pitr WHERE id = {0}",
                                 id));
    if (!inserted || inserted->rows.empty() || !inserted->rows[0][0] || !inserted->rows[0][1]) {
      throw StepFailed("INSERT: " + (inserted ? std::string("no GTID") : inserted.error().what()));
    }
    acknowledged.push_back({id, *inserted->rows[0][0], std::stoll(*inserted->rows[0][1])});
  }
  if (interrupted) throw StepFailed("interrupted");
  if (acknowledged.empty()) throw StepFailed("no write was acknowledged");
  return acknowledged;
}

// The manifest's MariaDB renamed `kRestored` and bootstrapped from the archive to `target`, as
// JSON for `mdbop apply` (its Secret is the source cluster's, already applied).
std::string restored_mariadb(const Cluster& cluster, const std::string& target) {
  auto documents = decode_yaml_documents(cluster.manifest);
  if (!documents) throw StepFailed("the manifest: " + documents.error().what());
  for (json& document : *documents) {
    if (document.value("kind", "") != "MariaDB") continue;
    document["metadata"]["name"] = kRestored;
    document["metadata"]["namespace"] = cluster.namespace_;
    document["spec"]["bootstrapFrom"] = {{"pointInTimeRecoveryRef", {{"name", "pitr"}}},
                                         {"targetRecoveryTime", target}};
    return document.dump();
  }
  throw StepFailed("the manifest declares no MariaDB");
}

// Stored megabytes of the history's segments the replay read: those after the base (sequence
// `base`) up to the one holding the first transaction after the target (`recovered` + 1), which
// the replay reads to find where to stop.
double replayed_archive_mb(const std::filesystem::path& archive, const std::string& prefix,
                           const std::string& history, std::uint64_t base,
                           std::uint64_t recovered) {
  auto storage = FilesystemStorage::open(archive);
  auto folder = binlog_history_folder(prefix, history);
  if (!storage || !folder) throw StepFailed("cannot open the archive");
  auto segments = list_binlog_segments(**storage, *folder);
  if (!segments) throw StepFailed("listing the archive: " + segments.error().what());
  std::uintmax_t bytes = 0;
  for (const BinlogSegmentName& segment : *segments) {
    if (segment.last_sequence <= base || segment.first_sequence > recovered + 1) continue;
    auto key = binlog_segment_key(prefix, segment);
    if (!key) throw StepFailed("segment key: " + key.error().what());
    bytes += std::filesystem::file_size(archive / *key);
  }
  return static_cast<double>(bytes) / 1e6;
}

// One run on a fresh installation: steps 1 to 7 of the README.
Figures measure(const Cluster& cluster, const Options& options, int run) {
  Installation mdbop;
  note(fmt::format("run {}: MDBOP_HOME {}{}", run, mdbop.home().string(),
                   std::getenv("MDBOP_KEEP_TEST_HOME") ? " (kept)" : " (removed at the end)"));
  try {
    // 1. The operator, the PointInTimeRecovery and the archived cluster.
    const std::filesystem::path archive = mdbop.home() / "archive";
    const std::string password = start_archived_cluster(mdbop, cluster, archive);
    const std::string primary = mariadb_status(mdbop, cluster).value("currentPrimary", "");
    SqlConnection writer = connect(mdbop, cluster, primary, password);
    // Archiving begins at the cluster's position once it has a transaction: before the base.
    if (!writer.execute("CREATE DATABASE IF NOT EXISTS bench; CREATE TABLE bench.pitr "
                        "(id BIGINT PRIMARY KEY, committed_at BIGINT NOT NULL)")) {
      throw StepFailed("cannot create bench.pitr");
    }
    if (!mdbop::testing::eventually(
            [&] {
              return interrupted || !mariadb_status(mdbop, cluster)
                                         .value("pointInTimeRecovery", json::object())
                                         .value("node", "")
                                         .empty();
            },
            60s) ||
        interrupted) {
      throw StepFailed("status.pointInTimeRecovery.node was not set within 60 s");
    }

    // 2. Bulk data.
    const Clock::time_point load_start = Clock::now();
    const long long rows = std::max(1LL, static_cast<long long>(options.data_mb) * 1024);
    if (auto loaded = load_bench_data(sql_ports(mdbop, cluster), password, rows,
                                      options.load_threads, interrupted);
        !loaded) {
      throw StepFailed(loaded.error().what());
    }
    note(fmt::format("loaded {} rows ({} MiB of payload) in {:.1f} s", rows, options.data_mb,
                     seconds_between(load_start, Clock::now())));

    // 3. The base backup.
    const Clock::time_point backup_start = Clock::now();
    take_base_backup(mdbop, cluster);
    note(fmt::format("PhysicalBackup nightly Complete in {:.1f} s",
                     seconds_between(backup_start, Clock::now())));

    // 4. Steady writes; the target is the middle second of the period.
    note(fmt::format("writing on {} for {} s at {}/s", primary, options.write_seconds,
                     options.rate));
    const std::vector<Acknowledged> written =
        write_steadily(writer, options.rate, options.write_seconds);
    const long long target_second =
        written.front().committed_at +
        (written.back().committed_at - written.front().committed_at) / 2;
    const std::string target = format_rfc3339(SysSeconds(std::chrono::seconds(target_second)));
    Figures figures;
    std::string expected_gtid;
    for (const Acknowledged& row : written) {
      if (row.committed_at > target_second) break;
      ++figures.expected_rows;
      expected_gtid = row.gtid;
    }
    note(fmt::format("{} writes acknowledged, {} to {}; target {} ({} rows, GTID {})",
                     written.size(), written.front().gtid, written.back().gtid, target,
                     figures.expected_rows, expected_gtid));

    // 5. Until the archive holds the last write.
    json archiving;
    if (!mdbop::testing::eventually(
            [&] {
              archiving =
                  mariadb_status(mdbop, cluster).value("pointInTimeRecovery", json::object());
              return interrupted || archiving.value("lastArchivedGtid", "") == written.back().gtid;
            },
            kArchiveTimeout) ||
        interrupted) {
      throw StepFailed("the archive's lastArchivedGtid is " +
                       archiving.value("lastArchivedGtid", "") + ", not " + written.back().gtid);
    }

    // 6. The restored MariaDB, watched in the store from its apply.
    const Clock::time_point applied_at = Clock::now();
    if (auto applied = mdbop.mdbop({"apply", "-f", "-"}, restored_mariadb(cluster, target));
        applied.exit_code != 0) {
      throw StepFailed("apply MariaDB " + std::string(kRestored) + ": " + applied.out +
                       applied.err);
    }
    LocalStore store(mdbop.home() / "store");
    const std::string restore_name = std::string(kRestored) + "-bootstrap";
    std::vector<std::pair<std::string, double>> phases;  // each phase, s after the apply
    std::string phase;
    std::optional<Clock::time_point> replay_start;
    std::optional<Clock::time_point> replay_end;
    json restore;
    while (true) {
      const Clock::time_point now = Clock::now();
      auto restore_object = store.get({"Restore", cluster.namespace_, restore_name});
      auto mariadb_object = store.get({"MariaDB", cluster.namespace_, kRestored});
      if (restore_object) {
        restore = *restore_object;
        const std::string seen = restore.value("status", json::object()).value("phase", "");
        if (seen != phase) {
          phases.emplace_back(seen, seconds_between(applied_at, now));
          if (seen == "Replaying") replay_start = now;
          if (phase == "Replaying") replay_end = now;
          phase = seen;
        }
      }
      if (phase == "Failed")
        throw StepFailed("Restore " + restore_name + " failed: " + restore["status"].dump());
      if (phase == "Complete" && mariadb_object && ready_condition(*mariadb_object)) {
        figures.restore_seconds = seconds_between(applied_at, now);
        break;
      }
      if (interrupted) throw StepFailed("interrupted");
      if (now - applied_at > kRestoreTimeout) throw StepFailed("the restore did not end in time");
      std::this_thread::sleep_for(kWatchEvery);
    }
    std::string timeline;
    for (const auto& [name, at] : phases) timeline += fmt::format(" {} +{:.2f}s", name, at);
    note("Restore phases first seen:" + timeline);

    // 7. What was replayed, and the restored rows.
    const json moment = restore["status"].value("pointInTime", json::object());
    figures.transactions = moment.value("transactions", 0LL);
    const std::string recovered_gtid = moment.value("recoveredGtid", "");
    if (replay_start && replay_end) {
      figures.replay_seconds = seconds_between(*replay_start, *replay_end);
      auto recovered = parse_gtid(recovered_gtid);
      if (recovered && figures.transactions > 0) {
        const std::uint64_t base =
            recovered->sequence - static_cast<std::uint64_t>(figures.transactions);
        figures.replay_archived_mb =
            replayed_archive_mb(archive, cluster.namespace_ + "/" + cluster.name,
                                archiving.value("history", ""), base, recovered->sequence);
      }
    } else {
      note("the Replaying phase was not seen (shorter than the store's polling)");
    }
    if (recovered_gtid != expected_gtid) {
      std::cout << fmt::format("MISMATCH run{} recovered GTID {}, expected {}", run, recovered_gtid,
                               expected_gtid)
                << std::endl;
    }
    Cluster restored = cluster;
    restored.name = kRestored;
    for (const json& pod : pods_of(mdbop, restored)) {
      const std::string name = pod["metadata"].value("name", "");
      SqlConnection session = connect(mdbop, restored, name, password);
      const long long counted = std::stoll(text_of(session, "SELECT COUNT(*) FROM bench.pitr"));
      if (name == std::string(kRestored) + "-0") figures.restored_rows = counted;
      if (counted != figures.expected_rows) {
        std::cout << fmt::format("MISMATCH run{} {} holds {} rows of bench.pitr, expected {}", run,
                                 name, counted, figures.expected_rows)
                  << std::endl;
      }
    }
    note("cleaning up run " + std::to_string(run));
    return figures;
  } catch (const StepFailed&) {
    std::cerr << mdbop.mdbop({"describe", "mariadb", kRestored, "-n", cluster.namespace_}).out
              << mdbop.mdbop({"events", "-n", cluster.namespace_}).out;
    throw;
  }
}

void print(int run, const Figures& f) {
  const std::string name = "run" + std::to_string(run);
  std::cout << fmt::format(
                   "{0}_restore_seconds {1:.2f}\n{0}_replayed_transactions {2}\n"
                   "{0}_replay_seconds {3:.2f}\n{0}_replay_transactions_per_second {4:.0f}\n"
                   "{0}_replay_archived_mb {5:.2f}\n{0}_replay_archived_mb_per_second {6:.2f}\n"
                   "{0}_restored_rows {7}\n{0}_expected_rows {8}",
                   name, f.restore_seconds, f.transactions, f.replay_seconds,
                   f.replay_transactions_per_second(), f.replay_archived_mb,
                   f.replay_archived_mb_per_second(), f.restored_rows, f.expected_rows)
            << std::endl;
}

int run(const Cluster& cluster, const Options& options) {
  std::vector<Figures> measured;
  int status = 0;
  for (int r = 1; r <= options.runs && !interrupted; ++r) {
    try {
      measured.push_back(measure(cluster, options, r));
      print(r, measured.back());
    } catch (const std::exception& e) {
      std::cerr << "bench stopped in run " << r << ": " << e.what() << std::endl;
      status = 1;
      break;
    }
  }
  if (measured.empty()) return status;
  auto over_runs = [&](const std::string& name, auto figure, int decimals) {
    std::vector<double> values;
    for (const Figures& f : measured) values.push_back(static_cast<double>(figure(f)));
    print_across_runs(name, values, decimals);
  };
  over_runs(
      "restore_seconds", [](const Figures& f) { return f.restore_seconds; }, 2);
  over_runs(
      "replayed_transactions", [](const Figures& f) { return f.transactions; }, 0);
  over_runs(
      "replay_seconds", [](const Figures& f) { return f.replay_seconds; }, 2);
  over_runs(
      "replay_transactions_per_second",
      [](const Figures& f) { return f.replay_transactions_per_second(); }, 0);
  over_runs(
      "replay_archived_mb_per_second",
      [](const Figures& f) { return f.replay_archived_mb_per_second(); }, 2);
  std::cout << fmt::format(
      "\n--data-mb={} --write-seconds={} --rate={} --runs={}\n{:<5} {:>10} {:>12} {:>9} {:>9} "
      "{:>11} {:>8} {:>9}\n",
      options.data_mb, options.write_seconds, options.rate, options.runs, "run", "restore s",
      "transactions", "replay s", "tx/s", "archived MB", "MB/s", "rows ok");
  for (std::size_t i = 0; i < measured.size(); ++i) {
    const Figures& f = measured[i];
    std::cout << fmt::format("{:<5} {:>10.2f} {:>12} {:>9.2f} {:>9.0f} {:>11.2f} {:>8.2f} {:>9}\n",
                             i + 1, f.restore_seconds, f.transactions, f.replay_seconds,
                             f.replay_transactions_per_second(), f.replay_archived_mb,
                             f.replay_archived_mb_per_second(),
                             f.restored_rows == f.expected_rows ? "yes" : "MISMATCH");
  }
  std::cout << std::flush;
  if (interrupted) status = 1;
  return status;
}

}  // namespace
}  // namespace mdbop::bench

int main(int argc, char** argv) {
  // The harness reports through gtest's EXPECTs; outside a test they print and are counted.
  ::testing::InitGoogleTest(&argc, argv);
  CLI::App app{"mdbop_pitr_bench: time to restore to a chosen second, and replay throughput"};
  mdbop::bench::Options options;
  const char* env_manifest = std::getenv("MDBOP_BENCH_MANIFEST");
  std::string manifest_path = env_manifest ? env_manifest : "";
  app.add_option("--manifest", manifest_path,
                 "the MariaDB manifest to apply (with its root Secret), archived by a "
                 "PointInTimeRecovery the bench adds (env MDBOP_BENCH_MANIFEST; default: a "
                 "generated 3-node cluster)");
  app.add_option("--data-mb", options.data_mb, "MiB of bulk data before the base backup (1024)")
      ->check(CLI::Range(0, 1 << 20));
  app.add_option("--write-seconds", options.write_seconds,
                 "length of the steady writes after the base backup (600)")
      ->check(CLI::Range(2, 86400));
  app.add_option("--rate", options.rate, "single-row transactions per second of the writes (100)")
      ->check(CLI::Range(1, 100000));
  app.add_option("--runs", options.runs, "runs, each on a fresh installation (3)")
      ->check(CLI::Range(1, 100));
  app.add_option("--load-threads", options.load_threads, "sessions loading the bulk data (2)")
      ->check(CLI::Range(1, 64));
  CLI11_PARSE(app, argc, argv);
  auto cluster = mdbop::bench::chosen_cluster(
      manifest_path, mdbop::testing::galera_manifest("g", 3, mdbop::bench::kPassword));
  if (!cluster) return 2;
  mdbop::bench::end_steps_on_signals();
  return mdbop::bench::run(*cluster, options);
}
