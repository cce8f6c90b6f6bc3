// What a candidate does with the Lease as it read it: create, renew, take over a released or
// expired one, or wait; expiry measured by the candidate's own clock.
#include "kube/lease_decision.h"

#include <gtest/gtest.h>

namespace mdbop {
namespace {

using namespace std::chrono_literals;

const LeaseView kHeldByOther{true, "operator-b", "2026-12-03T07:00:00.000000Z", 15s};

TEST(LeaseDecisionTest, NoLeaseIsCreatedAndOursIsRenewed) {
  EXPECT_EQ(next_lease_step(LeaseView{}, "operator-a", 0s), LeaseStep::kCreate);
  LeaseView ours = kHeldByOther;
  ours.holder = "operator-a";
  EXPECT_EQ(next_lease_step(ours, "operator-a", 1h), LeaseStep::kRenew);
}

TEST(LeaseDecisionTest, AnotherHoldersLeaseIsTakenOnlyOnceItExpiredAsWeWatched) {
  EXPECT_EQ(next_lease_step(kHeldByOther, "operator-a", 0s), LeaseStep::kWait);
  EXPECT_EQ(next_lease_step(kHeldByOther, "operator-a", 14999ms), LeaseStep::kWait);
  EXPECT_EQ(next_lease_step(kHeldByOther, "operator-a", 15s), LeaseStep::kTakeOver);
}

TEST(LeaseDecisionTest, AReleasedLeaseIsTakenAtOnceAndOneWithoutDurationNeverExpires) {
  LeaseView released = kHeldByOther;
  released.holder = "";
  EXPECT_EQ(next_lease_step(released, "operator-a", 0s), LeaseStep::kTakeOver);
  LeaseView forever = kHeldByOther;
  forever.duration = 0s;
  EXPECT_EQ(next_lease_step(forever, "operator-a", 24h), LeaseStep::kWait);
}

}  // namespace
}  // namespace mdbop
