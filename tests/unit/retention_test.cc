#include "backup/retention.h"

#include <gtest/gtest.h>

namespace mdbop {
namespace {

using namespace std::chrono;

const SysSeconds kNow = sys_days{2026y / 11 / 22} + 12h;

// One artifact a day, finished `ages[i]` days before kNow.
std::vector<ArtifactManifest> daily(std::vector<int> ages) {
  std::vector<ArtifactManifest> artifacts;
  for (int age : ages) {
    ArtifactManifest a;
    a.id = "b-" + std::to_string(age);
    a.finished = kNow - days(age);
    artifacts.push_back(a);
  }
  return artifacts;
}

std::set<std::string> as_set(const std::vector<std::string>& ids) {
  return {ids.begin(), ids.end()};
}

TEST(RetentionTest, KeepLastKeepsTheNewestOnesWhateverTheInputOrder) {
  RetentionSpec policy;
  policy.keep_last = 2;
  EXPECT_EQ(as_set(artifacts_beyond_retention(daily({3, 0, 4, 1, 2}), policy, kNow, {}, {})),
            (std::set<std::string>{"b-2", "b-3", "b-4"}));
}

TEST(RetentionTest, NoPolicyDeletesNothing) {
  EXPECT_TRUE(artifacts_beyond_retention(daily({0, 100, 1000}), {}, kNow, {}, {}).empty());
}

TEST(RetentionTest, AgeLimitsUseTheShorterOfTtlAndMaxRetention) {
  RetentionSpec policy;
  policy.ttl = days(10);
  policy.max_retention = days(3);
  EXPECT_EQ(as_set(artifacts_beyond_retention(daily({0, 2, 3, 4, 20}), policy, kNow, {}, {})),
            (std::set<std::string>{"b-4", "b-20"}));
  policy.max_retention.reset();
  EXPECT_EQ(as_set(artifacts_beyond_retention(daily({0, 2, 3, 4, 20}), policy, kNow, {}, {})),
            (std::set<std::string>{"b-20"}));
}

TEST(RetentionTest, TheNewestArtifactSurvivesEvenWhenTooOld) {
  RetentionSpec policy;
  policy.ttl = days(1);
  EXPECT_EQ(as_set(artifacts_beyond_retention(daily({30, 40}), policy, kNow, {}, {})),
            (std::set<std::string>{"b-40"}));
  policy.keep_last = 1;
  EXPECT_TRUE(artifacts_beyond_retention(daily({30}), policy, kNow, {}, {}).empty());
}

TEST(RetentionTest, AnArtifactARestoreReadsIsKept) {
  RetentionSpec policy;
  policy.keep_last = 1;
  EXPECT_EQ(as_set(artifacts_beyond_retention(daily({0, 1, 2}), policy, kNow, {"b-2"}, {})),
            (std::set<std::string>{"b-1"}));
}

TEST(RetentionTest, KeepLastCombinesWithAge) {
  RetentionSpec policy;
  policy.keep_last = 3;
  policy.ttl = days(2);
  EXPECT_EQ(as_set(artifacts_beyond_retention(daily({0, 1, 5, 6}), policy, kNow, {}, {})),
            (std::set<std::string>{"b-5", "b-6"}));
}

TEST(RetentionTest, ArtifactsThatFailedVerificationDoNotCountAmongKeepLast) {
  RetentionSpec policy;
  policy.keep_last = 2;
  // The two newest failed their check: the two good ones behind them stay, the older go; the
  // failed ones stay too (they are the newest).
  EXPECT_EQ(as_set(artifacts_beyond_retention(daily({0, 1, 2, 3, 4, 5}), policy, kNow, {},
                                              {"b-0", "b-1"})),
            (std::set<std::string>{"b-4", "b-5"}));
  // A failed one among good ones goes once keepLast good ones are newer than it.
  EXPECT_EQ(as_set(artifacts_beyond_retention(daily({0, 1, 2, 3}), policy, kNow, {}, {"b-1"})),
            (std::set<std::string>{"b-3"}));
  EXPECT_EQ(as_set(artifacts_beyond_retention(daily({0, 1, 2, 3}), policy, kNow, {}, {"b-2"})),
            (std::set<std::string>{"b-2", "b-3"}));
}

TEST(RetentionTest, TheNewestGoodArtifactSurvivesAgeBehindFailedOnes) {
  RetentionSpec policy;
  policy.ttl = days(1);
  // Everything is too old; the newest (failed) and the newest good one stay.
  EXPECT_EQ(as_set(artifacts_beyond_retention(daily({10, 20, 30, 40}), policy, kNow, {},
                                              {"b-10", "b-20"})),
            (std::set<std::string>{"b-20", "b-40"}));
}

}  // namespace
}  // namespace mdbop
