// How checks of new artifacts (spec.verifyAfterBackup) are kept in a Backup's status.
#include "controller/backup/artifact_verification.h"

#include <gtest/gtest.h>

namespace mdbop {
namespace {

using json = nlohmann::json;
using namespace std::chrono;

const SysSeconds kAt = sys_days{2026y / 12 / 2} + 1h;

ArtifactManifest artifact(const std::string& id) {
  ArtifactManifest m;
  m.id = id;
  m.method = "physical";
  m.data_key = id + "/data.xbstream.zst";
  return m;
}

std::string at_disk(const std::string& key) { return "/backups/" + key; }

TEST(ArtifactVerificationTest, AStatusEntrySaysWhetherWhenAndWhy) {
  EXPECT_EQ(verification_status(false, kAt, "artifact a is corrupted"),
            (json{{"result", "Failed"},
                  {"verified", false},
                  {"at", "2026-12-02T01:00:00Z"},
                  {"message", "artifact a is corrupted"}}));
  EXPECT_EQ(verification_status(true, kAt, "good")["result"], "Verified");
}

// A check that could not be done is no verdict: no `verified`, and a next check that backs off.
TEST(ArtifactVerificationTest, AnUncheckedArtifactIsCheckedAgainAfterABackoff) {
  const json first = unchecked_status(kAt, "no space left", json());
  EXPECT_EQ(first, (json{{"result", "Unchecked"},
                         {"at", "2026-12-02T01:00:00Z"},
                         {"message", "no space left"},
                         {"checks", 1},
                         {"nextCheckAt", "2026-12-02T01:01:00Z"}}));
  const json second = unchecked_status(kAt + 1min, "storage unavailable", first);
  EXPECT_EQ(second["checks"], 2);
  EXPECT_EQ(second["nextCheckAt"], "2026-12-02T01:03:00Z");
  // After a verdict the count starts again.
  EXPECT_EQ(unchecked_status(kAt, "x", verification_status(true, kAt, "good"))["checks"], 1);
  // A check the operator's stop ended is due again at once, and is no failed check.
  const json interrupted = unchecked_status(kAt + 2min, "stopped", second, Recheck::kAtOnce);
  EXPECT_EQ(interrupted["checks"], 2);
  EXPECT_EQ(interrupted["nextCheckAt"], "2026-12-02T01:02:00Z");
  EXPECT_EQ(recheck_backoff(1), 60s);
  EXPECT_EQ(recheck_backoff(3), 240s);
  EXPECT_EQ(recheck_backoff(50), 3600s);
}

TEST(ArtifactVerificationTest, AfterTenChecksThatCouldNotBeDoneNoneIsDueAnymore) {
  json status = {{"artifacts", artifacts_status({artifact("a")}, at_disk, {})}};
  json verification;
  for (int check = 1; check <= kMaxUncheckedChecks; ++check) {
    verification = unchecked_status(kAt, "the scratch disk is too small", verification);
    EXPECT_EQ(verification["checks"], check);
    EXPECT_EQ(verification.contains("nextCheckAt"), check < kMaxUncheckedChecks) << check;
  }
  record_verification(status, status["artifacts"][0], verification);
  EXPECT_EQ(recheck_due(status, kAt + 24h), std::nullopt);
  EXPECT_TRUE(failed_verifications(status).empty()) << "still unchecked, not bad";
}

TEST(ArtifactVerificationTest, TheOldestUncheckedArtifactIsRecheckedWhenItsTimeComes) {
  json status = {
      {"artifacts", artifacts_status({artifact("c"), artifact("b"), artifact("a")}, at_disk, {})}};
  EXPECT_EQ(recheck_due(status, kAt), std::nullopt) << "none unchecked";
  record_verification(status, status["artifacts"][0], unchecked_status(kAt, "x", json()));
  record_verification(status, status["artifacts"][1], unchecked_status(kAt, "x", json()));
  record_verification(status, status["artifacts"][2], verification_status(false, kAt, "bad"));
  EXPECT_EQ(recheck_due(status, kAt + 59s), std::nullopt) << "not yet";
  EXPECT_EQ(recheck_due(status, kAt + 60s), "b");
  EXPECT_EQ(failed_verifications(status), (std::set<std::string>{"a"})) << "unchecked is not bad";
}

TEST(ArtifactVerificationTest, ANewListingKeepsEachArtifactsCheck) {
  json status = {{"artifacts", artifacts_status({artifact("b"), artifact("a")}, at_disk, {})}};
  record_verification(status, status["artifacts"][1], verification_status(false, kAt, "bad"));
  record_verification(status, status["artifacts"][0], verification_status(true, kAt, "good"));

  // The storage now lists a newer artifact, and "a" was pruned meanwhile.
  const json listed =
      artifacts_status({artifact("c"), artifact("b")}, at_disk, status["artifacts"]);
  ASSERT_EQ(listed.size(), 2u);
  EXPECT_EQ(listed[0]["id"], "c");
  EXPECT_FALSE(listed[0].contains("verification")) << "never checked";
  EXPECT_EQ(listed[0]["location"], "/backups/c/data.xbstream.zst");
  EXPECT_EQ(listed[1]["verification"]["message"], "good");
}

TEST(ArtifactVerificationTest, ACheckOfAnArtifactNotListedYetAddsItAsTheNewest) {
  json status = {{"artifacts", artifacts_status({artifact("a")}, at_disk, {})}};
  const json entry = artifact_status(artifact("b"), "/backups/b/data.xbstream.zst");
  record_verification(status, entry, verification_status(false, kAt, "bad"));
  ASSERT_EQ(status["artifacts"].size(), 2u);
  EXPECT_EQ(status["artifacts"][0]["id"], "b");
  EXPECT_EQ(status["artifacts"][0]["verification"]["verified"], false);

  json empty = json::object();
  record_verification(empty, entry, verification_status(true, kAt, "good"));
  EXPECT_EQ(empty["artifacts"].size(), 1u);
}

TEST(ArtifactVerificationTest, OnlyFailedChecksAreFailedVerifications) {
  json status = {
      {"artifacts", artifacts_status({artifact("c"), artifact("b"), artifact("a")}, at_disk, {})}};
  record_verification(status, status["artifacts"][0], verification_status(false, kAt, "bad"));
  record_verification(status, status["artifacts"][1], verification_status(true, kAt, "good"));
  EXPECT_EQ(failed_verifications(status), (std::set<std::string>{"c"}));
  EXPECT_TRUE(failed_verifications(json::object()).empty());
}

}  // namespace
}  // namespace mdbop
