// Leader election on a coordination.k8s.io/v1 Lease, decided purely: what a candidate does
// next with the Lease as it last read it. Time is the candidate's own: a Lease is taken over
// when its record (holder and renew time) has not changed for its whole duration as this
// candidate watched it, so the clocks of the two machines never need to agree (as client-go).
#pragma once

#include <chrono>
#include <string>

namespace mdbop {

struct LeaseView {
  bool exists = false;
  std::string holder;                // spec.holderIdentity; empty: released
  std::string renew_time;            // spec.renewTime
  std::chrono::seconds duration{0};  // spec.leaseDurationSeconds
};

enum class LeaseStep {
  kCreate,    // there is no Lease: make it, held by this candidate
  kRenew,     // this candidate holds it: renew it
  kTakeOver,  // released, or expired as this candidate watched it: take it
  kWait,      // another holds it and renews it
};

// `unchanged_for`: how long this candidate has seen the same holder and renew time.
LeaseStep next_lease_step(const LeaseView& lease, const std::string& identity,
                          std::chrono::steady_clock::duration unchanged_for);

}  // namespace mdbop
