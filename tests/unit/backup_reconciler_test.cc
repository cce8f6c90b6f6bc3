// BackupReconciler against a FakeNodeAgent, a MemoryStore and a storage directory: a one-shot
// run, when a schedule is due, and retention. The cron arithmetic itself is tested purely in
// cron_schedule_test.cc; here, what the reconciler does with it.
#include "controller/backup/backup_reconciler.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <vector>

#include "controller/conditions.h"
#include "controller/mariadb/reconciler.h"
#include "fake_node_agent.h"
#include "reconciler_test_util.h"
#include "store/memory_store.h"
#include "temp_dir_test.h"
#include "util/files.h"
#include "util/time_text.h"

namespace mdbop {
namespace {

using namespace std::chrono_literals;

const ObjectKey kBackup{"Backup", "default", "nightly"};

class BackupReconcilerTest : public TempDirTest {
 protected:
  void SetUp() override {
    TempDirTest::SetUp();
    // A Ready 3-node MariaDB "g" to back up.
    MariaDBReconciler mariadb(store_, agent_, {"MariaDB", "default", "g"});
    make_ready_cluster(store_, mariadb);
    agent_.clear_calls();
  }

  // Backup "nightly" of "g" into <dir>/backups, with `extra` spec lines (and annotations).
  json apply_backup(const std::string& extra, const std::string& run_now = "") {
    std::string yaml =
        "apiVersion: k8s.mariadb.com/v1alpha1\nkind: Backup\n"
        "metadata:\n  name: nightly\n  namespace: default\n";
    if (!run_now.empty()) yaml += "  annotations: {mdbop.io/run-now: \"" + run_now + "\"}\n";
    yaml +=
        "spec:\n  mariaDbRef: {name: g}\n  compression: none\n"
        "  storage: {volume: {hostPath: {path: " +
        backups().string() + "}}}\n" + extra;
    return apply_yaml(store_, yaml);
  }

  std::filesystem::path backups() const { return dir_ / "backups"; }
  json status() const { return store_.get(kBackup)->value("status", json::object()); }
  // status.totals as {attempts, successes, failures}.
  std::vector<long long> totals() const {
    const json t = status().value("totals", json::object());
    return {t.value("attempts", 0LL), t.value("successes", 0LL), t.value("failures", 0LL)};
  }
  using Totals = std::vector<long long>;

  std::vector<std::string> artifact_ids() const {
    std::vector<std::string> ids;
    for (const json& a : status().value("artifacts", json::array())) ids.push_back(a["id"]);
    return ids;
  }

  MemoryStore store_;
  FakeNodeAgent agent_;
};

TEST_F(BackupReconcilerTest, BackupWithoutScheduleRunsOnceAndListsItsArtifact) {
  apply_backup("");
  BackupReconciler reconciler(store_, agent_, dir_, kBackup);
  reconciler.reconcile();

  const json s = status();
  EXPECT_EQ(s.value("phase", ""), "Complete");
  EXPECT_TRUE(condition_is_true(*store_.get(kBackup), "Complete"));
  EXPECT_FALSE(s.contains("currentRun"));
  const std::string id = s.value("lastArtifact", "");
  ASSERT_FALSE(id.empty());
  ASSERT_EQ(artifact_ids(), std::vector<std::string>{id});
  const json artifact = s["artifacts"][0];
  // Taken from a replica (PreferReplica; g-0 is the primary), through the agent.
  EXPECT_EQ(artifact.value("pod", ""), "g-1");
  EXPECT_EQ(
      agent_.calls_starting("stream_backup"),
      (std::vector<std::string>{"stream_backup g-1 " + artifact.value("method", "") + " " + id}));
  // On disk where status says, as many bytes as the status says were stored.
  const std::filesystem::path data = artifact.value("location", "");
  ASSERT_TRUE(std::filesystem::exists(data)) << data;
  EXPECT_EQ(data.parent_path(), backups() / id);
  EXPECT_EQ(std::filesystem::file_size(data), artifact.value("storedBytes", 0u));
  EXPECT_GT(artifact.value("sourceBytes", 0u), 0u);
  EXPECT_TRUE(HasText(artifact.value("galeraPosition", ""), ":0"));

  // Done once: later passes take no other backup.
  reconciler.reconcile();
  reconciler.reconcile();
  EXPECT_EQ(agent_.calls_starting("stream_backup").size(), 1u);
  EXPECT_EQ(artifact_ids(), std::vector<std::string>{id});
  EXPECT_EQ(event_reasons(store_, kBackup),
            (std::vector<std::string>{"BackupStarted", "BackupComplete"}));
  EXPECT_EQ(totals(), (Totals{1, 1, 0}));
  // Held by the operator's finalizer, once, so that a deletion waits for the clean-up.
  EXPECT_EQ(store_.get(kBackup)->at("metadata").value("finalizers", json()),
            json::array({kCleanupFinalizer}));
}

TEST_F(BackupReconcilerTest, TheTutorialsPhysicalBackupRunsOnTheLabelledPodWithZstdForCompress) {
  apply_yaml(store_,
             "apiVersion: k8s.mariadb.com/v1alpha1\nkind: Backup\n"
             "metadata: {name: nightly, namespace: default}\n"
             "spec:\n  mariaDbRef: {name: g}\n  backupMethod: mariabackup\n"
             "  podSelector: {matchLabels: {statefulset.kubernetes.io/pod-name: g-0}}\n"
             "  mariabackup: {extraArgs: [--parallel=2, --compress, "
             "--compress-threads=2]}\n"
             "  storage: {volume: {hostPath: {path: " +
                 backups().string() + "}}}\n");
  BackupReconciler reconciler(store_, agent_, dir_, kBackup);
  reconciler.reconcile();
  reconciler.reconcile();
  const json artifact = status()["artifacts"][0];
  EXPECT_EQ(artifact.value("method", ""), "physical");
  EXPECT_EQ(artifact.value("compression", ""), "zstd");
  // The primary g-0, named by its label (mdbop's default would take a replica); qpress's
  // options left out of mariadb-backup's command line.
  EXPECT_EQ(agent_.calls_starting("stream_backup"),
            std::vector<std::string>{"stream_backup g-0 physical " + artifact.value("id", "") +
                                     " --parallel=2"});
  const std::vector<std::string> reasons = event_reasons(store_, kBackup);
  EXPECT_EQ(std::count(reasons.begin(), reasons.end(), "CompressionTranslated"), 1)
      << "said once over two passes";
}

// The instant in RFC 3339 as the reconciler writes it.
int year_of(const std::string& rfc3339) { return std::stoi(rfc3339.substr(0, 4)); }

TEST_F(BackupReconcilerTest, ScheduledBackupDoesNotRunBeforeItsTimeAndRecordsIt) {
  const json created = apply_backup("  schedule: {cron: '0 0 1 1 *', immediate: false}\n");
  BackupReconciler reconciler(store_, agent_, dir_, kBackup);
  const auto wait = reconciler.reconcile();

  EXPECT_TRUE(agent_.calls_starting("stream_backup").empty());
  const json s = status();
  EXPECT_EQ(s.value("phase", ""), "Scheduled");
  // The first New Year's midnight (UTC) after the Backup was created.
  const int year = year_of(created["metadata"].value("creationTimestamp", ""));
  EXPECT_EQ(s.value("nextScheduleTime", ""), std::to_string(year + 1) + "-01-01T00:00:00Z");
  EXPECT_EQ(wait, 30s);  // a far slot: the reconciler looks again, it does not sleep until then
  EXPECT_FALSE(s.contains("lastScheduleTime"));
  EXPECT_TRUE(artifact_ids().empty());
}

TEST_F(BackupReconcilerTest, MissedSlotsRunOnceThenTheNextSlotIsAwaited) {
  apply_backup("  schedule: {cron: '0 0 1 1 *', immediate: false}\n");
  // The last run was years ago: every slot since was missed (the operator was down).
  ASSERT_TRUE(store_.update_status(
      kBackup, [](json& s) { s["lastScheduleTime"] = "2020-01-01T00:00:00Z"; }));
  BackupReconciler reconciler(store_, agent_, dir_, kBackup);
  reconciler.reconcile();
  reconciler.reconcile();
  reconciler.reconcile();

  EXPECT_EQ(agent_.calls_starting("stream_backup").size(), 1u);
  const json s = status();
  EXPECT_EQ(artifact_ids().size(), 1u);
  const std::string last = s.value("lastScheduleTime", "");
  ASSERT_NE(last, "2020-01-01T00:00:00Z");
  EXPECT_EQ(s.value("nextScheduleTime", ""),
            std::to_string(year_of(last) + 1) + "-01-01T00:00:00Z");
  EXPECT_EQ(s.value("phase", ""), "Scheduled");
}

TEST_F(BackupReconcilerTest, RetentionKeepsTheConfiguredNumberOfArtifacts) {
  const std::string keep_two = "  retentionPolicy: {keepLast: 2}\n";
  std::vector<std::string> taken;
  apply_backup(keep_two);
  BackupReconciler reconciler(store_, agent_, dir_, kBackup);
  for (const std::string run_now : {"", "2", "3", "4"}) {
    if (!run_now.empty()) apply_backup(keep_two, run_now);
    reconciler.reconcile();
    taken.push_back(status().value("lastArtifact", ""));
  }
  ASSERT_EQ(agent_.calls_starting("stream_backup").size(), 4u);
  ASSERT_EQ(std::set<std::string>(taken.begin(), taken.end()).size(), 4u);

  // The two newest stay, in status and on disk; the two oldest are gone from both.
  std::vector<std::string> listed = artifact_ids();
  std::sort(listed.begin(), listed.end());
  EXPECT_EQ(listed, (std::vector<std::string>{taken[2], taken[3]}));
  const json s = status();
  for (const json& a : s["artifacts"]) {
    EXPECT_TRUE(std::filesystem::exists(a.value("location", ""))) << a.dump();
  }
  EXPECT_FALSE(std::filesystem::exists(backups() / taken[0]));
  EXPECT_FALSE(std::filesystem::exists(backups() / taken[1]));
  EXPECT_EQ(event_messages(store_, kBackup, "ArtifactPruned"),
            (std::vector<std::string>{taken[0] + " removed by the retention policy",
                                      taken[1] + " removed by the retention policy"}));
}

// A run that cannot start (no MariaDB) is an attempt and a failure; so is every retry.
TEST_F(BackupReconcilerTest, ARunThatCannotStartCountsAsAFailedAttempt) {
  ASSERT_TRUE(store_.remove({"MariaDB", "default", "g"}));
  apply_backup("");
  BackupReconciler reconciler(store_, agent_, dir_, kBackup);
  reconciler.reconcile();
  EXPECT_EQ(totals(), (Totals{1, 0, 1}));
  EXPECT_EQ(status().value("phase", ""), "Failed");
  // Not due again before its backoff: nothing more is counted.
  reconciler.reconcile();
  EXPECT_EQ(totals(), (Totals{1, 0, 1}));
  ASSERT_TRUE(store_.update_status(kBackup,
                                   [](json& s) { s["lastFailureTime"] = "2020-01-01T00:00:00Z"; }));
  reconciler.reconcile();
  EXPECT_EQ(totals(), (Totals{2, 0, 2}));
  EXPECT_TRUE(agent_.calls_starting("stream_backup").empty());
}

// Storage that cannot be opened when a run is due: a failed attempt, retried like one, and
// once the storage is back the retry succeeds.
TEST_F(BackupReconcilerTest, UnavailableStorageFailsTheDueRunAndItsRetrySucceeds) {
  std::filesystem::create_directories(dir_);
  { std::ofstream(backups()) << "a file where the directory should be"; }
  apply_backup("");
  BackupReconciler reconciler(store_, agent_, dir_, kBackup);
  reconciler.reconcile();
  EXPECT_EQ(totals(), (Totals{1, 0, 1}));
  EXPECT_EQ(status().value("attempts", 0), 1);
  EXPECT_TRUE(contains(event_reasons(store_, kBackup), "StorageUnavailable"));
  reconciler.reconcile();  // its retry is not due yet
  EXPECT_EQ(totals(), (Totals{1, 0, 1}));

  std::filesystem::remove(backups());
  reconciler.reconcile();  // the storage answers; the retry is not due yet
  EXPECT_EQ(status().value("phase", ""), "Failed") << "the last run did fail";
  EXPECT_EQ(condition(status(), "Complete").value("reason", ""), "LastRunFailed");
  EXPECT_TRUE(HasText(condition(status(), "Complete").value("message", ""), "answers again"));
  ASSERT_TRUE(store_.update_status(kBackup,
                                   [](json& s) { s["lastFailureTime"] = "2020-01-01T00:00:00Z"; }));
  reconciler.reconcile();
  EXPECT_EQ(agent_.calls_starting("stream_backup").size(), 1u);
  EXPECT_EQ(status().value("phase", ""), "Complete");
  EXPECT_TRUE(condition_is_true(*store_.get(kBackup), "Complete"));
  EXPECT_EQ(condition(status(), "Complete").value("reason", ""), "BackupComplete");
  EXPECT_EQ(totals(), (Totals{2, 1, 1}));
}

// While the storage stays unavailable, looks between the retries leave lastFailureTime alone,
// so each retry comes when its backoff has passed (here, as if it had), fails and counts, up
// to the last attempt.
TEST_F(BackupReconcilerTest, UnavailableStorageIsRetriedOnItsBackoffUntilTheLastAttempt) {
  std::filesystem::create_directories(dir_);
  { std::ofstream(backups()) << "a file where the directory should be"; }
  apply_backup("");
  BackupReconciler reconciler(store_, agent_, dir_, kBackup);
  reconciler.reconcile();
  EXPECT_EQ(totals(), (Totals{1, 0, 1}));
  for (long long attempt = 2; attempt <= 5; ++attempt) {
    ASSERT_TRUE(store_.update_status(
        kBackup, [](json& s) { s["lastFailureTime"] = "2020-01-01T00:00:00Z"; }));
    reconciler.reconcile();  // the retry, due
    EXPECT_EQ(totals(), (Totals{attempt, 0, attempt}));
    EXPECT_EQ(status().value("attempts", 0), attempt);
    const std::string failed_at = status().value("lastFailureTime", "");
    EXPECT_GT(year_of(failed_at), 2020);
    reconciler.reconcile();  // a look before the next retry is due: no failed run
    EXPECT_EQ(status().value("lastFailureTime", ""), failed_at);
    EXPECT_EQ(totals(), (Totals{attempt, 0, attempt}));
  }
  ASSERT_TRUE(store_.update_status(kBackup,
                                   [](json& s) { s["lastFailureTime"] = "2020-01-01T00:00:00Z"; }));
  reconciler.reconcile();  // five attempts: given up
  EXPECT_EQ(totals(), (Totals{5, 0, 5}));
  EXPECT_EQ(status().value("phase", ""), "Failed");
  EXPECT_EQ(status().value("lastFailureTime", ""), "2020-01-01T00:00:00Z");
}

// A run an operator left under way (it died) is found by the next one: a failure, its attempt
// counted already when it started.
TEST_F(BackupReconcilerTest, AnInterruptedRunCountsAsAFailure) {
  apply_backup("");
  ASSERT_TRUE(store_.update_status(kBackup, [](json& s) {
    s["currentRun"] = {{"id", "nightly-20261122T010000.000Z"},
                       {"startedAt", "2026-11-22T01:00:00Z"}};
    s["totals"] = {{"attempts", 1}};
  }));
  BackupReconciler reconciler(store_, agent_, dir_, kBackup);
  reconciler.reconcile();
  EXPECT_TRUE(contains(event_reasons(store_, kBackup), "BackupInterrupted"));
  EXPECT_FALSE(status().contains("currentRun"));
  EXPECT_EQ(totals(), (Totals{1, 0, 1}));
}

// spec.verifyAfterBackup: each new artifact is unpacked and prepared in a check's own area of
// the agent (never a Restore's), then thrown away; the outcome is in its status entry.
TEST_F(BackupReconcilerTest, VerifyAfterBackupMarksAGoodArtifactVerified) {
  apply_backup("  backupType: physical\n  verifyAfterBackup: true\n");
  BackupReconciler reconciler(store_, agent_, dir_, kBackup);
  reconciler.reconcile();

  const json s = status();
  EXPECT_EQ(s.value("phase", ""), "Complete");
  const std::string id = s.value("lastArtifact", "");
  ASSERT_EQ(artifact_ids(), std::vector<std::string>{id});
  const json verification = s["artifacts"][0].value("verification", json::object());
  EXPECT_EQ(verification.value("verified", false), true) << s.dump();
  EXPECT_TRUE(HasText(verification.value("message", ""), "prepared (mariadb-backup --prepare)"));
  EXPECT_FALSE(verification.value("at", "").empty());
  const std::string area = "verify:default/" + id;
  EXPECT_EQ(agent_.calls_starting("receive_backup"),
            std::vector<std::string>{"receive_backup " + area});
  EXPECT_EQ(agent_.calls_starting("prepare_received"),
            std::vector<std::string>{"prepare_received " + area});
  EXPECT_EQ(agent_.calls_starting("discard_received"),
            std::vector<std::string>{"discard_received " + area});
  EXPECT_EQ(event_reasons(store_, kBackup),
            (std::vector<std::string>{"BackupStarted", "ArtifactVerified", "BackupComplete"}));
  EXPECT_EQ(totals(), (Totals{1, 1, 0}));
}

TEST_F(BackupReconcilerTest, ALogicalArtifactIsVerifiedWithoutAScratchArea) {
  apply_backup("  backupType: logical\n  verifyAfterBackup: true\n");
  BackupReconciler reconciler(store_, agent_, dir_, kBackup);
  reconciler.reconcile();
  const json s = status();
  EXPECT_EQ(s.value("phase", ""), "Complete");
  EXPECT_EQ(s["artifacts"][0]["verification"].value("verified", false), true) << s.dump();
  EXPECT_TRUE(agent_.calls_starting("receive_backup").empty());
}

// A failed check is a failed run (status, totals, the retry), but the artifact stays, marked.
TEST_F(BackupReconcilerTest, AFailedVerificationIsAFailedRunAndKeepsTheArtifactMarked) {
  apply_backup("  backupType: physical\n  verifyAfterBackup: true\n");
  agent_.fail_next_prepare("[ERROR] InnoDB: page 7 is corrupted");
  BackupReconciler reconciler(store_, agent_, dir_, kBackup);
  reconciler.reconcile();

  const json s = status();
  EXPECT_EQ(s.value("phase", ""), "Failed");
  EXPECT_FALSE(s.contains("lastSuccessTime"));
  EXPECT_FALSE(s.contains("currentRun"));
  EXPECT_TRUE(HasText(s.value("lastFailureReason", ""), "page 7 is corrupted"));
  EXPECT_TRUE(HasText(s.value("lastFailureReason", ""), "the artifact is kept"));
  EXPECT_EQ(condition(s, "Complete").value("reason", ""), "VerificationFailed");
  EXPECT_EQ(totals(), (Totals{1, 0, 1}));
  EXPECT_EQ(s.value("attempts", 0), 1) << "retried as any failed run";
  ASSERT_EQ(s["artifacts"].size(), 1u);
  const json artifact = s["artifacts"][0];
  EXPECT_EQ(artifact["verification"].value("verified", true), false);
  EXPECT_TRUE(HasText(artifact["verification"].value("message", ""), "page 7 is corrupted"));
  EXPECT_TRUE(std::filesystem::exists(artifact.value("location", "")));
  EXPECT_EQ(event_reasons(store_, kBackup),
            (std::vector<std::string>{"BackupStarted", "VerificationFailed"}));
  EXPECT_EQ(agent_.calls_starting("discard_received").size(), 1u) << "its area is removed";
}

// A check the machine could not do (here no space for the scratch prepare; alike the storage
// unreadable, the prepare killed, the key's Secret unreadable) is no verdict on the artifact:
// the run succeeds, the artifact is Unchecked, a warning names the cause and the fix, and the
// artifact is checked again when its backoff has passed (here, as if it had), not taken again.
TEST_F(BackupReconcilerTest, ACheckThatCouldNotBeDoneLeavesTheArtifactUncheckedAndRechecksIt) {
  apply_backup("  backupType: physical\n  verifyAfterBackup: true\n");
  agent_.fail_next_prepare("[ERROR] InnoDB: No space left on device", ErrorCode::kUnavailable);
  BackupReconciler reconciler(store_, agent_, dir_, kBackup);
  reconciler.reconcile();

  json s = status();
  EXPECT_EQ(s.value("phase", ""), "Complete");
  EXPECT_TRUE(condition_is_true(*store_.get(kBackup), "Complete"));
  EXPECT_EQ(totals(), (Totals{1, 1, 0}));
  const std::string id = s.value("lastArtifact", "");
  ASSERT_EQ(artifact_ids(), std::vector<std::string>{id});
  const json unchecked = s["artifacts"][0].value("verification", json::object());
  EXPECT_EQ(unchecked.value("result", ""), "Unchecked") << s.dump();
  EXPECT_FALSE(unchecked.contains("verified"));
  EXPECT_TRUE(HasText(unchecked.value("message", ""), "No space left on device"));
  EXPECT_EQ(event_reasons(store_, kBackup),
            (std::vector<std::string>{"BackupStarted", "VerificationUnchecked", "BackupComplete"}));
  const std::vector<std::string> warnings =
      event_messages(store_, kBackup, "VerificationUnchecked");
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_TRUE(HasText(warnings[0], "No space left on device"));
  EXPECT_TRUE(HasText(warnings[0], "space or memory for the check's scratch area"));
  EXPECT_EQ(agent_.calls_starting("discard_received").size(), 1u) << "its area is removed";

  reconciler.reconcile();  // its next check is not due yet
  EXPECT_EQ(agent_.calls_starting("prepare_received").size(), 1u);
  ASSERT_TRUE(store_.update_status(kBackup, [](json& st) {
    st["artifacts"][0]["verification"]["nextCheckAt"] = "2020-01-01T00:00:00Z";
  }));
  reconciler.reconcile();
  s = status();
  EXPECT_EQ(agent_.calls_starting("stream_backup").size(), 1u) << "no new backup";
  EXPECT_EQ(agent_.calls_starting("prepare_received").size(), 2u);
  EXPECT_EQ(s["artifacts"][0]["verification"].value("result", ""), "Verified") << s.dump();
  EXPECT_EQ(s.value("phase", ""), "Complete");
  EXPECT_TRUE(HasText(condition(s, "Complete").value("message", ""), id + " verified"));
  EXPECT_EQ(totals(), (Totals{1, 1, 0}));
  EXPECT_TRUE(contains(event_reasons(store_, kBackup), "ArtifactVerified"));
}

// An Unchecked artifact counts for keepLast as any artifact: a machine that cannot check
// does not make backups pile up.
TEST_F(BackupReconcilerTest, RetentionCountsAnUncheckedArtifactAsAnyOther) {
  const std::string spec =
      "  backupType: physical\n  verifyAfterBackup: true\n"
      "  retentionPolicy: {keepLast: 2}\n";
  std::vector<std::string> taken;
  apply_backup(spec);
  BackupReconciler reconciler(store_, agent_, dir_, kBackup);
  for (const std::string run_now : {"", "2", "3"}) {
    if (!run_now.empty()) apply_backup(spec, run_now);
    agent_.fail_next_prepare("killed by signal 9", ErrorCode::kUnavailable);
    reconciler.reconcile();
    taken.push_back(artifact_ids().front());
  }
  EXPECT_EQ(agent_.calls_starting("stream_backup").size(), 3u) << "one backup per request";
  EXPECT_EQ(artifact_ids(), (std::vector<std::string>{taken[2], taken[1]}));
  EXPECT_EQ(event_messages(store_, kBackup, "ArtifactPruned"),
            (std::vector<std::string>{taken[0] + " removed by the retention policy"}));
}

// keepLast counts good artifacts only: an artifact that failed its check does not push an
// older good one out.
TEST_F(BackupReconcilerTest, RetentionDoesNotCountAnArtifactThatFailedItsCheck) {
  const std::string spec =
      "  backupType: physical\n  verifyAfterBackup: true\n"
      "  retentionPolicy: {keepLast: 2}\n";
  std::vector<std::string> taken;
  apply_backup(spec);
  BackupReconciler reconciler(store_, agent_, dir_, kBackup);
  for (const std::string run_now : {"", "2", "3", "4"}) {
    if (!run_now.empty()) apply_backup(spec, run_now);
    if (run_now == "2") agent_.fail_next_prepare("[ERROR] bad page");
    reconciler.reconcile();
    taken.push_back(artifact_ids().front());  // listed newest first
    if (run_now == "3") {
      // A good, B failed, C good: keeping two good ones keeps all three.
      EXPECT_EQ(artifact_ids(), (std::vector<std::string>{taken[2], taken[1], taken[0]}));
    }
  }
  // D good: C and D are the two newest good ones; B (failed) and A go.
  EXPECT_EQ(artifact_ids(), (std::vector<std::string>{taken[3], taken[2]}));
  EXPECT_EQ(event_messages(store_, kBackup, "ArtifactPruned"),
            (std::vector<std::string>{taken[1] + " removed by the retention policy",
                                      taken[0] + " removed by the retention policy"}));
}

// An operator that died checking a new artifact: the next one checks it again.
TEST_F(BackupReconcilerTest, AnArtifactLeftUncheckedByADeadOperatorIsCheckedByTheNext) {
  apply_backup("  backupType: physical\n  verifyAfterBackup: true\n");
  agent_.kill_operator_before("prepare_received");
  {
    BackupReconciler dying(store_, agent_, dir_, kBackup);
    EXPECT_THROW(dying.reconcile(), OperatorKilled);
  }
  const std::string id = status()["currentRun"].value("id", "");
  ASSERT_FALSE(id.empty());
  agent_.clear_calls();
  BackupReconciler next(store_, agent_, dir_, kBackup);
  next.reconcile();
  const json s = status();
  EXPECT_EQ(s.value("lastArtifact", ""), id);
  EXPECT_FALSE(s.contains("currentRun"));
  EXPECT_EQ(s["artifacts"][0]["verification"].value("verified", false), true) << s.dump();
  EXPECT_EQ(agent_.calls_starting("prepare_received"),
            std::vector<std::string>{"prepare_received verify:default/" + id});
  EXPECT_EQ(totals(), (Totals{1, 1, 0}));
}

// An operator that died after the run's manifest was written: the next one finds the artifact
// complete and finishes the run as a successful one, with the duration the manifest records.
TEST_F(BackupReconcilerTest, AnInterruptedRunWhoseArtifactIsCompleteFinishesAsASuccess) {
  apply_backup("");
  BackupReconciler(store_, agent_, dir_, kBackup).reconcile();
  const std::string id = status().value("lastArtifact", "");
  ASSERT_FALSE(id.empty());
  // Its manifest says it took 7 s; status is as the dead operator left it.
  const std::filesystem::path manifest_file = backups() / manifest_key(id);
  json manifest = json::parse(*read_file(manifest_file));
  const SysSeconds finished = *parse_rfc3339_seconds(manifest["finished"].get<std::string>());
  manifest["started"] = format_rfc3339(finished - 7s);
  ASSERT_TRUE(write_file_atomic(manifest_file, manifest.dump(), 0644));
  ASSERT_TRUE(store_.update_status(kBackup, [&](json& s) {
    for (const char* field : {"lastSuccessTime", "lastArtifact", "lastRunSeconds", "artifacts"}) {
      s.erase(field);
    }
    s["phase"] = "Running";
    s["currentRun"] = {{"id", id}, {"startedAt", format_rfc3339(finished - 7s)}};
    s["totals"] = {{"attempts", 1}};
    set_condition(s, "Complete", false, "Running", "taking " + id, 1);
  }));

  BackupReconciler(store_, agent_, dir_, kBackup).reconcile();
  const json s = status();
  EXPECT_EQ(s.value("phase", ""), "Complete");
  EXPECT_TRUE(condition_is_true(*store_.get(kBackup), "Complete"));
  EXPECT_FALSE(s.contains("currentRun"));
  EXPECT_EQ(s.value("lastRunSeconds", 0.0), 7.0);
  EXPECT_EQ(s.value("lastSuccessTime", ""), format_rfc3339(finished));
  EXPECT_EQ(s.value("lastArtifact", ""), id);
  EXPECT_EQ(artifact_ids(), std::vector<std::string>{id});
  EXPECT_EQ(totals(), (Totals{1, 1, 0}));
  EXPECT_EQ(agent_.calls_starting("stream_backup").size(), 1u);  // not taken again
}

// After a restart, a manifest the storage cannot read now (a directory in its place reads as
// EISDIR here; S3's 503 or a timeout alike) is not taken for an absent one: the artifact is
// kept, the run stays in currentRun and the storage is shown unavailable; once the manifest can
// be read the run is finished as it really ended.
TEST_F(BackupReconcilerTest, AnInterruptedRunIsKeptWhileItsManifestCannotBeRead) {
  apply_backup("");
  BackupReconciler(store_, agent_, dir_, kBackup).reconcile();
  const std::string id = status().value("lastArtifact", "");
  ASSERT_FALSE(id.empty());
  ASSERT_TRUE(store_.update_status(kBackup, [&](json& s) {
    for (const char* field : {"lastSuccessTime", "lastArtifact", "lastRunSeconds", "artifacts"}) {
      s.erase(field);
    }
    s["phase"] = "Running";
    s["currentRun"] = {{"id", id}, {"startedAt", "2026-11-22T01:00:00Z"}};
    s["totals"] = {{"attempts", 1}};
  }));
  const std::filesystem::path manifest_file = backups() / manifest_key(id);
  const std::filesystem::path aside = manifest_file.string() + ".aside";
  std::filesystem::rename(manifest_file, aside);
  std::filesystem::create_directory(manifest_file);

  BackupReconciler reconciler(store_, agent_, dir_, kBackup);
  reconciler.reconcile();
  json s = status();
  EXPECT_TRUE(std::filesystem::exists(aside)) << "the artifact's folder is kept";
  EXPECT_EQ(s["currentRun"].value("id", ""), id);
  EXPECT_EQ(condition(s, "Complete").value("reason", ""), "StorageUnavailable");
  EXPECT_TRUE(HasText(condition(s, "Complete").value("message", ""), id));
  EXPECT_FALSE(contains(event_reasons(store_, kBackup), "BackupInterrupted"));
  EXPECT_EQ(totals(), (Totals{1, 0, 0}));

  std::filesystem::remove(manifest_file);
  std::filesystem::rename(aside, manifest_file);
  reconciler.reconcile();
  s = status();
  EXPECT_FALSE(s.contains("currentRun"));
  EXPECT_EQ(s.value("lastArtifact", ""), id);
  EXPECT_EQ(s.value("phase", ""), "Complete");
  EXPECT_TRUE(condition_is_true(*store_.get(kBackup), "Complete"));
  EXPECT_EQ(totals(), (Totals{1, 1, 0}));
  EXPECT_EQ(agent_.calls_starting("stream_backup").size(), 1u) << "not taken again";
}

// The storage is unavailable while nothing is due, then answers again: status says the
// truth again at once, without waiting for a run.
TEST_F(BackupReconcilerTest, StatusIsTrueAgainOnceTheStorageAnswers) {
  apply_backup("");
  BackupReconciler reconciler(store_, agent_, dir_, kBackup);
  reconciler.reconcile();
  const std::string id = status().value("lastArtifact", "");
  ASSERT_FALSE(id.empty());

  std::filesystem::rename(backups(), dir_ / "aside");
  { std::ofstream(backups()) << "a file where the directory should be"; }
  reconciler.reconcile();
  EXPECT_EQ(status().value("phase", ""), "Failed");
  EXPECT_EQ(condition(status(), "Complete").value("reason", ""), "StorageUnavailable");

  std::filesystem::remove(backups());
  std::filesystem::rename(dir_ / "aside", backups());
  reconciler.reconcile();
  const json s = status();
  EXPECT_EQ(s.value("phase", ""), "Complete");
  EXPECT_TRUE(condition_is_true(*store_.get(kBackup), "Complete"));
  EXPECT_EQ(condition(s, "Complete").value("reason", ""), "BackupComplete");
  EXPECT_TRUE(HasText(condition(s, "Complete").value("message", ""), id));
  EXPECT_TRUE(contains(event_reasons(store_, kBackup), "StorageAvailable"));
  EXPECT_EQ(agent_.calls_starting("stream_backup").size(), 1u) << "nothing was due";
  EXPECT_EQ(totals(), (Totals{1, 1, 0}));
}

// The operator's stop (SIGTERM) ends a check in progress at once: the scratch area is removed,
// the artifact is left Unchecked (not failed) and the run to the next operator, which checks
// the artifact again and finishes the run.
TEST_F(BackupReconcilerTest, AStopEndsACheckInProgressAndLeavesTheArtifactToTheNextOperator) {
  apply_backup("  backupType: physical\n  verifyAfterBackup: true\n");
  {
    BackupReconciler stopping(store_, agent_, dir_, kBackup);
    agent_.stop_operator_during("prepare_received", [&] { stopping.stop_soon(); });
    stopping.reconcile();
  }
  json s = status();
  const std::string id = s["currentRun"].value("id", "");
  ASSERT_FALSE(id.empty()) << s.dump();
  EXPECT_NE(s.value("phase", ""), "Failed");
  EXPECT_EQ(totals(), (Totals{1, 0, 0}));
  ASSERT_EQ(artifact_ids(), std::vector<std::string>{id});
  const json verification = s["artifacts"][0]["verification"];
  EXPECT_EQ(verification.value("result", ""), "Unchecked") << s.dump();
  EXPECT_TRUE(HasText(verification.value("message", ""), "the operator stopped"));
  EXPECT_EQ(agent_.calls_starting("discard_received"),
            std::vector<std::string>{"discard_received verify:default/" + id});
  EXPECT_FALSE(contains(event_reasons(store_, kBackup), "VerificationFailed"));
  EXPECT_TRUE(contains(event_reasons(store_, kBackup), "VerificationInterrupted"));

  agent_.clear_calls();
  BackupReconciler next(store_, agent_, dir_, kBackup);
  next.reconcile();
  s = status();
  EXPECT_FALSE(s.contains("currentRun"));
  EXPECT_EQ(s.value("lastArtifact", ""), id);
  EXPECT_EQ(s["artifacts"][0]["verification"].value("result", ""), "Verified") << s.dump();
  EXPECT_EQ(totals(), (Totals{1, 1, 0}));
  EXPECT_TRUE(agent_.calls_starting("stream_backup").empty()) << "not taken again";
}

}  // namespace
}  // namespace mdbop
