// mdbop_archive_bench: the recovery point of continuous binary-log archiving (issue 12: "the
// archive trails the cluster by less than a second"). On a real cluster (a generated 3-node one,
// or the MariaDB of --manifest) archiving into a volume (encrypted, zstd), one session on the
// primary commits single-row transactions at a steady rate; for each, the lag is from its
// acknowledgement to the client until the segment holding its GTID is listed in the archive. It
// prints figures and never asserts a target. See bench/README.md.
#include <signal.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <limits>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <CLI/CLI.hpp>

#include "archived_cluster.h"
#include "backup/binlog_archive.h"
#include "bench_cluster.h"
#include "harness.h"
#include "sql/binlog_event.h"
#include "storage/filesystem_storage.h"

namespace mdbop::bench {
namespace {

using namespace std::chrono_literals;
using mdbop::testing::Installation;
using mdbop::testing::json;
using Clock = std::chrono::steady_clock;

constexpr const char* kPassword = "Bench-Archive-Secret-42";
constexpr auto kListEvery = 10ms;
// How long the last acknowledged transaction may take to be archived before a run is failed.
constexpr auto kDrainTimeout = 60s;
constexpr int kQuietTransactions = 10;
constexpr auto kQuietPause = 2s;

// Lists a history's folder every kListEvery and remembers when each segment was first seen,
// by its last sequence number (a segment is stored whole: every GTID in it is stored then).
class ArchivePoller {
 public:
  ArchivePoller(std::unique_ptr<FilesystemStorage> storage, std::string folder)
      : storage_(std::move(storage)), folder_(std::move(folder)), thread_([this] { run(); }) {}
  ~ArchivePoller() {
    stopping_ = true;
    thread_.join();
  }
  ArchivePoller(const ArchivePoller&) = delete;
  ArchivePoller& operator=(const ArchivePoller&) = delete;

  // When the segment holding `sequence` was first seen; nullopt while none holds it.
  std::optional<Clock::time_point> stored_at(std::uint64_t sequence) const {
    std::lock_guard lock(mutex_);
    auto it = seen_.lower_bound(sequence);
    if (it == seen_.end() || it->second.first_sequence > sequence) return std::nullopt;
    return it->second.seen;
  }
  // Segments seen whose last sequence is in [first, last].
  std::size_t segments_between(std::uint64_t first, std::uint64_t last) const {
    std::lock_guard lock(mutex_);
    return std::distance(seen_.lower_bound(first), seen_.upper_bound(last));
  }
  std::string error() const {
    std::lock_guard lock(mutex_);
    return error_;
  }

 private:
  struct Seen {
    std::uint64_t first_sequence;
    Clock::time_point seen;
  };
  void run() {
    while (!stopping_) {
      auto segments = list_binlog_segments(*storage_, folder_);
      const Clock::time_point now = Clock::now();
      {
        std::lock_guard lock(mutex_);
        if (!segments) {
          error_ = segments.error().what();
        } else {
          for (const BinlogSegmentName& name : *segments) {
            seen_.try_emplace(name.last_sequence, Seen{name.first_sequence, now});
          }
        }
      }
      std::this_thread::sleep_for(kListEvery);
    }
  }
  std::unique_ptr<FilesystemStorage> storage_;
  std::string folder_;
  mutable std::mutex mutex_;
  std::map<std::uint64_t, Seen> seen_;  // by last sequence
  std::string error_;
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

struct Acknowledged {
  std::uint64_t sequence;
  Clock::time_point at;
};

// Commits single-row transactions on `writer`, one every `pause` (zero: as fast as it can,
// each after the previous one's acknowledgement), for `duration` or `count` transactions,
// whichever ends first. The schedule is fixed from the start: a late commit is not made up
// for by a pause, nor the next ones delayed.
std::vector<Acknowledged> write(SqlConnection& writer, Clock::duration pause,
                                Clock::duration duration, long long count, long long& next_id) {
  std::vector<Acknowledged> acknowledged;
  const Clock::time_point start = Clock::now();
  for (long long i = 0; i < count && !interrupted; ++i) {
    const Clock::time_point due = start + i * pause;
    if (std::max(due, Clock::now()) - start >= duration) break;
    std::this_thread::sleep_until(due);
    auto inserted = writer.query("INSERT INTO bench.archived VALUES (" + std::to_string(next_id++) +
                                 "); SELECT @@last_gtid");
    const Clock::time_point at = Clock::now();
    if (!inserted || inserted->rows.empty() || !inserted->rows[0][0]) {
      throw StepFailed("INSERT: " + (inserted ? std::string("no GTID") : inserted.error().what()));
    }
    auto gtid = parse_gtid(*inserted->rows[0][0]);
    if (!gtid) throw StepFailed("@@last_gtid: " + gtid.error().what());
    acknowledged.push_back({gtid->sequence, at});
  }
  return acknowledged;
}

struct Lags {
  std::size_t transactions = 0;
  std::size_t segments = 0;
  std::vector<double> ms;  // sorted

  // Nearest rank.
  double percentile(double p) const {
    const auto rank = static_cast<std::size_t>(std::ceil(p * static_cast<double>(ms.size())));
    return ms[std::max<std::size_t>(rank, 1) - 1];
  }
  double share_under_1s() const {
    return static_cast<double>(std::lower_bound(ms.begin(), ms.end(), 1000.0) - ms.begin()) /
           static_cast<double>(ms.size());
  }
};

// Waits until the last acknowledged transaction is archived, then each one's lag.
Lags lags_of(const std::vector<Acknowledged>& acknowledged, const ArchivePoller& archive) {
  if (acknowledged.empty()) throw StepFailed("no transaction was acknowledged");
  const Clock::time_point deadline = Clock::now() + kDrainTimeout;
  while (!archive.stored_at(acknowledged.back().sequence)) {
    if (interrupted || Clock::now() > deadline) {
      throw StepFailed(fmt::format("GTID sequence {} not archived after {} s ({})",
                                   acknowledged.back().sequence, kDrainTimeout.count(),
                                   archive.error().empty() ? "no listing error" : archive.error()));
    }
    std::this_thread::sleep_for(kListEvery);
  }
  Lags lags;
  lags.transactions = acknowledged.size();
  lags.segments =
      archive.segments_between(acknowledged.front().sequence, acknowledged.back().sequence);
  for (const Acknowledged& a : acknowledged) {
    auto stored = archive.stored_at(a.sequence);
    if (!stored) throw StepFailed(fmt::format("GTID sequence {} not archived", a.sequence));
    lags.ms.push_back(std::chrono::duration<double, std::milli>(*stored - a.at).count());
  }
  std::sort(lags.ms.begin(), lags.ms.end());
  return lags;
}

void print(const std::string& name, const Lags& lags) {
  std::cout << fmt::format(
                   "{}_transactions {}\n{}_segments {}\n{}_lag_ms_median {:.0f}\n"
                   "{}_lag_ms_p95 {:.0f}\n{}_lag_ms_p99 {:.0f}\n{}_lag_ms_max {:.0f}\n"
                   "{}_share_under_1s {:.4f}",
                   name, lags.transactions, name, lags.segments, name, lags.percentile(0.5), name,
                   lags.percentile(0.95), name, lags.percentile(0.99), name, lags.ms.back(), name,
                   lags.share_under_1s())
            << std::endl;
}

std::string table_row(const std::string& name, const Lags& l) {
  return fmt::format("{:<8} {:>12} {:>9} {:>7.0f} {:>7.0f} {:>7.0f} {:>7.0f} {:>9.2f}%\n", name,
                     l.transactions, l.segments, l.percentile(0.5), l.percentile(0.95),
                     l.percentile(0.99), l.ms.back(), 100 * l.share_under_1s());
}

int run(const Cluster& cluster, int seconds, int rate, int runs) {
  Installation mdbop;
  note("MDBOP_HOME " + mdbop.home().string() +
       (std::getenv("MDBOP_KEEP_TEST_HOME") ? " (kept)" : " (removed at the end)"));
  std::string table =
      fmt::format("{:<8} {:>12} {:>9} {:>7} {:>7} {:>7} {:>7} {:>10}\n", "run", "transactions",
                  "segments", "median", "p95", "p99", "max", "under 1 s");
  int status = 0;
  try {
    const std::filesystem::path archive = mdbop.home() / "archive";
    const std::string password = start_archived_cluster(mdbop, cluster, archive);
    const std::string primary = mariadb_status(mdbop, cluster).value("currentPrimary", "");
    SqlConnection writer = connect(mdbop, cluster, primary, password);
    // Archiving begins at the cluster's position once it has a transaction.
    if (!writer.execute("CREATE DATABASE IF NOT EXISTS bench; "
                        "CREATE TABLE bench.archived (id BIGINT PRIMARY KEY)")) {
      throw StepFailed("cannot create bench.archived");
    }
    json archiving;
    if (!mdbop::testing::eventually(
            [&] {
              archiving =
                  mariadb_status(mdbop, cluster).value("pointInTimeRecovery", json::object());
              return interrupted || !archiving.value("node", "").empty();
            },
            60s) ||
        interrupted) {
      throw StepFailed("status.pointInTimeRecovery.node was not set within 60 s");
    }
    note("writing on " + primary + "; archive follows " + archiving.value("node", "") +
         ", history " + archiving.value("history", ""));
    auto storage = FilesystemStorage::open(archive);
    auto folder = binlog_history_folder(cluster.namespace_ + "/" + cluster.name,
                                        archiving.value("history", ""));
    if (!storage || !folder) throw StepFailed("cannot list the archive");
    ArchivePoller poller(std::move(*storage), *folder);
    long long next_id = 0;

    const Lags quiet = lags_of(
        write(writer, kQuietPause, kQuietPause * kQuietTransactions, kQuietTransactions, next_id),
        poller);
    print("quiet", quiet);
    table += table_row("quiet", quiet);

    const Clock::duration pause = rate > 0 ? Clock::duration(1s) / rate : Clock::duration(0);
    std::vector<double> medians, p99s;
    for (int r = 1; r <= runs && !interrupted; ++r) {
      const Lags lags = lags_of(write(writer, pause, std::chrono::seconds(seconds),
                                      std::numeric_limits<long long>::max(), next_id),
                                poller);
      const std::string name = "run" + std::to_string(r);
      print(name, lags);
      table += table_row(name, lags);
      medians.push_back(lags.percentile(0.5));
      p99s.push_back(lags.percentile(0.99));
    }
    if (!medians.empty()) {
      print_across_runs("lag_ms_median_over_runs", medians);
      print_across_runs("lag_ms_p99_over_runs", p99s);
    }
    if (interrupted) throw StepFailed("interrupted");
  } catch (const std::exception& e) {
    std::cerr << "bench stopped: " << e.what() << "\n"
              << mdbop.mdbop({"describe", "mariadb", cluster.name, "-n", cluster.namespace_}).out;
    status = 1;
  }
  std::cout << fmt::format(
                   "\nlag (ms) from acknowledgement to segment listed; --seconds={} "
                   "--rate={} --runs={}\n",
                   seconds, rate, runs)
            << table << std::flush;
  note("cleaning up");
  return status;
}

}  // namespace
}  // namespace mdbop::bench

int main(int argc, char** argv) {
  // The harness reports through gtest's EXPECTs; outside a test they print and are counted.
  ::testing::InitGoogleTest(&argc, argv);
  CLI::App app{"mdbop_archive_bench: how far the binary-log archive trails the cluster"};
  int seconds = 20;
  int rate = 200;
  int runs = 3;
  const char* env_manifest = std::getenv("MDBOP_BENCH_MANIFEST");
  std::string manifest_path = env_manifest ? env_manifest : "";
  app.add_option("--manifest", manifest_path,
                 "the MariaDB manifest to apply (with its root Secret), archived by a "
                 "PointInTimeRecovery the bench adds, e.g. "
                 "/work/shared/manifests/galera-production.yaml (env MDBOP_BENCH_MANIFEST; "
                 "default: a generated 3-node cluster)");
  app.add_option("--seconds", seconds, "length of each measured run (default 20)")
      ->check(CLI::Range(1, 3600));
  app.add_option("--rate", rate,
                 "transactions per second of the measured runs; 0: as fast as one session can "
                 "(default 200)")
      ->check(CLI::Range(0, 100000));
  app.add_option("--runs", runs, "measured runs on the same cluster (default 3)")
      ->check(CLI::Range(1, 100));
  CLI11_PARSE(app, argc, argv);
  auto cluster = mdbop::bench::chosen_cluster(
      manifest_path, mdbop::testing::galera_manifest("g", 3, mdbop::bench::kPassword));
  if (!cluster) return 2;
  mdbop::bench::end_steps_on_signals();
  return mdbop::bench::run(*cluster, seconds, rate, runs);
}
