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
            (json{{"verified", false},
                  {"at", "2026-12-02T01:00:00Z"},
                  {"message", "artifact a is corrupted"}}));
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
