// LeaderElection: one operator among several acts at a time, by holding a
// coordination.k8s.io/v1 Lease (lease_decision.h decides). The leader renews it every
// `renew_every`; once `renew_deadline` (shorter than the Lease's duration) has passed since
// its last renewal it has lost the Lease and must stop acting, before another may take it.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "kube/kube_client.h"
#include "kube/lease_decision.h"

namespace mdbop {

struct LeaseTiming {
  std::chrono::seconds duration{15};
  std::chrono::seconds renew_every{2};
  std::chrono::seconds renew_deadline{10};
};

class LeaderElection {
 public:
  LeaderElection(std::shared_ptr<const KubeClient> client, std::string namespace_, std::string name,
                 std::string identity, LeaseTiming timing = {});
  // Gives the Lease up (an empty holder) when it still holds it, so a successor need not wait.
  ~LeaderElection();
  LeaderElection(const LeaderElection&) = delete;
  LeaderElection& operator=(const LeaderElection&) = delete;

  // Blocks until this candidate holds the Lease (true) or should_stop() (false); then renews
  // it on a thread of its own.
  bool lead(const std::function<bool()>& should_stop);
  // True once another took the Lease, or renew_deadline passed since the last renewal.
  bool lost() const;
  const std::string& identity() const { return identity_; }

 private:
  // One step: reads the Lease and acts on it; true when this candidate holds it afterwards.
  // `other` receives the holder when another holds it.
  Result<bool> try_once(std::string* other);
  Result<bool> act_once(std::string* other);
  // Writes `lease` (as read, or as last written) held by this candidate; false when another
  // wrote it first (a conflict).
  Result<bool> write_lease(LeaseStep step, json lease);
  void renew_until_stopped();
  bool pause(std::chrono::seconds duration);  // false when stopping

  std::shared_ptr<const KubeClient> client_;
  std::string namespace_;
  std::string name_;
  std::string identity_;
  LeaseTiming timing_;

  // What this candidate last saw of another's record, and since when.
  std::string observed_record_;
  std::chrono::steady_clock::time_point observed_since_;
  // The Lease as this candidate last wrote it, while it holds it: renewed without reading it.
  std::optional<json> last_written_;

  std::atomic<bool> leading_ = false;
  std::atomic<bool> taken_ = false;  // another holds the Lease now
  // When the last successful renewal was sent (steady_clock ticks).
  std::atomic<std::chrono::steady_clock::rep> renewed_at_ = 0;
  std::mutex mutex_;
  std::condition_variable stop_;
  bool stopping_ = false;
  std::thread renewer_;
};

}  // namespace mdbop
