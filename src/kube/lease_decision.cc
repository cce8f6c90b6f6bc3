#include "kube/lease_decision.h"

namespace mdbop {

LeaseStep next_lease_step(const LeaseView& lease, const std::string& identity,
                          std::chrono::steady_clock::duration unchanged_for) {
  if (!lease.exists) return LeaseStep::kCreate;
  if (lease.holder == identity) return LeaseStep::kRenew;
  if (lease.holder.empty()) return LeaseStep::kTakeOver;
  // A Lease without a duration never expires by itself: it waits for its holder's release.
  if (lease.duration > std::chrono::seconds(0) && unchanged_for >= lease.duration) {
    return LeaseStep::kTakeOver;
  }
  return LeaseStep::kWait;
}

}  // namespace mdbop
