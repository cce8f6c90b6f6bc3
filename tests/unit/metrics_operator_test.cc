// The operator's own metrics: reconcile passes, errors and durations per kind (all kinds from
// the start), build info, the process's figures from /proc, and mdbop_objects with the
// families computed from the store at a scrape.
#include <gtest/gtest.h>
#include <unistd.h>

#include "metrics/operator_stats.h"
#include "metrics/process_stats.h"
#include "metrics/store_collector.h"
#include "metrics_test_util.h"
#include "reconciler_test_util.h"
#include "store/memory_store.h"

namespace mdbop {
namespace {

using namespace std::chrono_literals;
using Lines = std::vector<std::string>;

const std::vector<std::string> kKinds = {"MariaDB", "Backup", "PhysicalBackup", "Restore"};

TEST(OperatorStats, EveryKindStartsAtZeroAndTheBuildIsNamed) {
  OperatorStats stats(kKinds, "1.2.3+abc");
  const std::string text = exposition(stats.Collect());
  EXPECT_EQ(samples(text, "mdbop_build_info"), Lines{R"(mdbop_build_info{version="1.2.3+abc"} 1)"});
  Lines zero_passes;
  for (const char* name : {"mdbop_reconcile_total", "mdbop_reconcile_errors_total"}) {
    for (const std::string& line : samples(text, name)) zero_passes.push_back(line);
  }
  std::sort(zero_passes.begin(), zero_passes.end());
  EXPECT_EQ(zero_passes, (Lines{R"(mdbop_reconcile_errors_total{kind="Backup"} 0)",
                                R"(mdbop_reconcile_errors_total{kind="MariaDB"} 0)",
                                R"(mdbop_reconcile_errors_total{kind="PhysicalBackup"} 0)",
                                R"(mdbop_reconcile_errors_total{kind="Restore"} 0)",
                                R"(mdbop_reconcile_total{kind="Backup"} 0)",
                                R"(mdbop_reconcile_total{kind="MariaDB"} 0)",
                                R"(mdbop_reconcile_total{kind="PhysicalBackup"} 0)",
                                R"(mdbop_reconcile_total{kind="Restore"} 0)"}));
  EXPECT_NE(text.find(R"(mdbop_reconcile_duration_seconds_count{kind="Restore"} 0)"),
            std::string::npos);
}

TEST(OperatorStats, PassesAreCountedAndTimedPerKind) {
  OperatorStats stats(kKinds, "1.2.3");
  stats.record_pass("Backup", 3ms, false);
  stats.record_pass("Backup", 2s, true);
  stats.record_pass("MariaDB", 40ms, false);
  const std::string text = exposition(stats.Collect());
  auto has = [&](const std::string& line) { return text.find(line + "\n") != std::string::npos; };
  EXPECT_TRUE(has(R"(mdbop_reconcile_total{kind="Backup"} 2)")) << text;
  EXPECT_TRUE(has(R"(mdbop_reconcile_errors_total{kind="Backup"} 1)"));
  EXPECT_TRUE(has(R"(mdbop_reconcile_total{kind="MariaDB"} 1)"));
  EXPECT_TRUE(has(R"(mdbop_reconcile_errors_total{kind="MariaDB"} 0)"));
  EXPECT_TRUE(has(R"(mdbop_reconcile_total{kind="Restore"} 0)"));
  EXPECT_TRUE(has(R"(mdbop_reconcile_duration_seconds_count{kind="Backup"} 2)"));
  EXPECT_TRUE(has(R"(mdbop_reconcile_duration_seconds_sum{kind="Backup"} 2.003)"));
  EXPECT_TRUE(has(R"(mdbop_reconcile_duration_seconds_bucket{kind="Backup",le="0.001"} 0)"));
  EXPECT_TRUE(has(R"(mdbop_reconcile_duration_seconds_bucket{kind="Backup",le="0.005"} 1)"));
  EXPECT_TRUE(has(R"(mdbop_reconcile_duration_seconds_bucket{kind="Backup",le="1"} 1)"));
  EXPECT_TRUE(has(R"(mdbop_reconcile_duration_seconds_bucket{kind="Backup",le="2.5"} 2)"));
  EXPECT_TRUE(has(R"(mdbop_reconcile_duration_seconds_bucket{kind="Backup",le="60"} 2)"));
  EXPECT_TRUE(has(R"(mdbop_reconcile_duration_seconds_bucket{kind="MariaDB",le="0.05"} 1)"));
  EXPECT_NE(text.find("# TYPE mdbop_reconcile_duration_seconds histogram"), std::string::npos);
}

TEST(ProcessStats, ProcStatFieldsAfterACommandNameWithSpacesAndParentheses) {
  // Fields 3.. of a real line, the name "(my (op) x)" made hard on purpose.
  const std::string line =
      "4242 (my (op) x) S 1 4242 4242 0 -1 4194560 1000 0 0 0 250 75 0 0 20 0 9 0 "
      "123456 1000000 2000 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0";
  const auto parsed = parse_proc_stat(line);
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->user_ticks, 250u);
  EXPECT_EQ(parsed->system_ticks, 75u);
  EXPECT_EQ(parsed->start_ticks, 123456u);
  EXPECT_FALSE(parse_proc_stat("4242 (cut short) S 1 2"));
  EXPECT_FALSE(parse_proc_stat("no name at all"));
}

TEST(ProcessStats, ThisProcessStartedBeforeNowAndUsesMemory) {
  const double now =
      std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
  const double started = process_start_time_seconds();
  EXPECT_GT(started, now - 24 * 3600 * 365);
  EXPECT_LE(started, now + 1);
  const std::string text = exposition(process_metrics(started));
  ASSERT_EQ(samples(text, "process_resident_memory_bytes").size(), 1u);
  ASSERT_EQ(samples(text, "process_cpu_seconds_total").size(), 1u);
  ASSERT_EQ(samples(text, "process_start_time_seconds").size(), 1u);
  const std::string rss = samples(text, "process_resident_memory_bytes")[0];
  EXPECT_GT(std::stod(rss.substr(rss.find(' ') + 1)), 1e6) << rss;
  EXPECT_NE(text.find("# TYPE process_cpu_seconds_total counter"), std::string::npos);
}

TEST(StoreCollector, CountsTheObjectsOfEachKindAndReadsThemAtEachScrape) {
  MemoryStore store;
  StoreCollector collector(store, kKinds);
  apply_yaml(store, R"(apiVersion: k8s.mariadb.com/v1alpha1
kind: MariaDB
metadata: {name: g, namespace: default}
spec: {replicas: 3, galera: {enabled: true}}
)");
  std::string text = exposition(collector.Collect());
  EXPECT_EQ(
      samples(text, "mdbop_objects"),
      (Lines{R"(mdbop_objects{kind="MariaDB"} 1)", R"(mdbop_objects{kind="Backup"} 0)",
             R"(mdbop_objects{kind="PhysicalBackup"} 0)", R"(mdbop_objects{kind="Restore"} 0)"}));
  EXPECT_EQ(samples(text, "mariadb_cluster_replicas"),
            Lines{R"(mariadb_cluster_replicas{namespace="default",mariadb="g"} 3)"});

  // Applied after the first scrape: the next one sees it.
  apply_yaml(store, R"(apiVersion: k8s.mariadb.com/v1alpha1
kind: PhysicalBackup
metadata: {name: nightly, namespace: default}
spec:
  mariaDbRef: {name: g}
  storage: {volume: {hostPath: {path: /backups}}}
)");
  text = exposition(collector.Collect());
  EXPECT_EQ(samples(text, "mdbop_objects")[2], R"(mdbop_objects{kind="PhysicalBackup"} 1)");
  EXPECT_EQ(
      samples(text, "mariadb_backup_attempts_total"),
      Lines{
          R"(mariadb_backup_attempts_total{namespace="default",mariadb="g",backup="nightly",kind="PhysicalBackup"} 0)"});
  EXPECT_EQ(samples(text, "mariadb_restore_running"), Lines{});
}

// A stored object whose status no code writes (here a phase that is a number) loses its own
// samples only: every family and every other object's samples are still served.
TEST(StoreCollector, AMalformedObjectIsLeftOutAlone) {
  MemoryStore store;
  StoreCollector collector(store, kKinds);
  apply_yaml(store, R"(apiVersion: k8s.mariadb.com/v1alpha1
kind: MariaDB
metadata: {name: g, namespace: default}
spec: {replicas: 3, galera: {enabled: true}}
)");
  for (const char* name : {"bad", "good"}) {
    apply_yaml(store, std::string(R"(apiVersion: k8s.mariadb.com/v1alpha1
kind: Backup
metadata: {name: )") + name +
                          R"(, namespace: default}
spec:
  mariaDbRef: {name: g}
  storage: {volume: {hostPath: {path: /backups}}}
)");
  }
  ASSERT_TRUE(store.update_status({"Backup", "default", "bad"}, [](json& s) { s["phase"] = 5; }));
  ASSERT_TRUE(
      store.update_status({"Backup", "default", "good"}, [](json& s) { s["phase"] = "Complete"; }));

  const std::string text = exposition(collector.Collect());
  EXPECT_EQ(samples(text, "mdbop_objects")[1], R"(mdbop_objects{kind="Backup"} 2)");
  EXPECT_EQ(
      samples(text, "mariadb_backup_attempts_total"),
      Lines{
          R"(mariadb_backup_attempts_total{namespace="default",mariadb="g",backup="good",kind="Backup"} 0)"});
  EXPECT_NE(
      text.find(
          R"(mariadb_backup_info{namespace="default",mariadb="g",backup="good",kind="Backup",status="Complete"} 1)"),
      std::string::npos);
  EXPECT_EQ(samples(text, "mariadb_cluster_replicas"),
            Lines{R"(mariadb_cluster_replicas{namespace="default",mariadb="g"} 3)"});
  EXPECT_EQ(samples(text, "mariadb_restore_running"), Lines{});
}

}  // namespace
}  // namespace mdbop
