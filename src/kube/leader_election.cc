#include "kube/leader_election.h"

#include <spdlog/spdlog.h>

#include "util/json_text.h"

namespace mdbop {

namespace {

const ApiResource kLeases{"coordination.k8s.io/v1", "leases"};

LeaseView view_of(const json& lease) {
  const json spec = lease.value("spec", json::object());
  const json duration = spec.value("leaseDurationSeconds", json());
  return {true, text_at(spec, "holderIdentity"), text_at(spec, "renewTime"),
          std::chrono::seconds(duration.is_number_integer() ? duration.get<long long>() : 0)};
}

}  // namespace

LeaderElection::LeaderElection(std::shared_ptr<const KubeClient> client, std::string namespace_,
                               std::string name, std::string identity, LeaseTiming timing)
    : client_(std::move(client)),
      namespace_(std::move(namespace_)),
      name_(std::move(name)),
      identity_(std::move(identity)),
      timing_(timing) {}

LeaderElection::~LeaderElection() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  stop_.notify_all();
  if (renewer_.joinable()) renewer_.join();
  if (!leading_ || lost_) return;
  auto lease = client_->get(api_path(kLeases, namespace_, name_));
  if (!lease || view_of(*lease).holder != identity_) return;
  (*lease)["spec"]["holderIdentity"] = "";
  (*lease)["spec"]["leaseDurationSeconds"] = 1;
  if (auto released = client_->replace(api_path(kLeases, namespace_, name_), *lease); !released) {
    spdlog::warn("could not give up the lease {}/{}: {}", namespace_, name_,
                 released.error().what());
  }
}

Result<bool> LeaderElection::try_once(std::string* other) {
  const std::string path = api_path(kLeases, namespace_, name_);
  auto read = client_->get(path);
  if (!read && !is_not_found(read.error())) return tl::unexpected(read.error());
  const LeaseView view = read ? view_of(*read) : LeaseView{};
  const auto now = std::chrono::steady_clock::now();
  const std::string record = view.holder + "@" + view.renew_time;
  if (record != observed_record_) {
    observed_record_ = record;
    observed_since_ = now;
  }
  const LeaseStep step = next_lease_step(view, identity_, now - observed_since_);
  if (step == LeaseStep::kWait) {
    if (other != nullptr) *other = view.holder;
    return false;
  }
  const std::string time = kube_micro_time_now();
  json lease = read ? *read
                    : json{{"apiVersion", kLeases.api_version},
                           {"kind", "Lease"},
                           {"metadata", {{"name", name_}, {"namespace", namespace_}}},
                           {"spec", {{"leaseTransitions", 0}}}};
  json& spec = lease["spec"];
  if (step != LeaseStep::kRenew) {
    spec["acquireTime"] = time;
    if (step == LeaseStep::kTakeOver)
      spec["leaseTransitions"] = spec.value("leaseTransitions", 0) + 1;
  }
  spec["holderIdentity"] = identity_;
  spec["leaseDurationSeconds"] = timing_.duration.count();
  spec["renewTime"] = time;
  // A create or replace that meets another's write (a conflict) has lost this round.
  auto written = step == LeaseStep::kCreate ? client_->create(api_path(kLeases, namespace_), lease)
                                            : client_->replace(path, lease);
  if (!written) {
    if (written.error().code == ErrorCode::kConflict) return false;
    return tl::unexpected(written.error());
  }
  if (step != LeaseStep::kRenew) {
    spdlog::info("leading: took the lease {}/{} as {}", namespace_, name_, identity_);
  }
  return true;
}

bool LeaderElection::lead(const std::function<bool()>& should_stop) {
  std::string said;
  while (!should_stop()) {
    std::string other;
    auto held = try_once(&other);
    if (held && *held) {
      leading_ = true;
      renewer_ = std::thread([this] { renew_until_stopped(); });
      return true;
    }
    // Said once per change, not at every try.
    const std::string now =
        held ? "waiting to lead: the lease " + namespace_ + "/" + name_ + " is held by " + other
             : "cannot read the lease: " + held.error().what();
    if (now != said) spdlog::info("{}", now);
    said = now;
    // Short waits, so that a request to stop is taken at once.
    for (int tick = 0; tick < 4 && !should_stop(); ++tick) {
      std::this_thread::sleep_for(timing_.renew_every / 4);
    }
  }
  return false;
}

void LeaderElection::renew_until_stopped() {
  auto renewed_at = std::chrono::steady_clock::now();
  while (pause(timing_.renew_every)) {
    auto held = try_once(nullptr);
    if (held && *held) {
      renewed_at = std::chrono::steady_clock::now();
      continue;
    }
    const bool taken = held.has_value();  // read, and another holds it
    if (taken || std::chrono::steady_clock::now() - renewed_at >= timing_.renew_deadline) {
      spdlog::error("lost the lease {}/{}: {}", namespace_, name_,
                    taken ? "another operator holds it" : held.error().what());
      lost_ = true;
      return;
    }
  }
}

bool LeaderElection::pause(std::chrono::seconds duration) {
  std::unique_lock lock(mutex_);
  return !stop_.wait_for(lock, duration, [&] { return stopping_; });
}

}  // namespace mdbop
