#include "kube/leader_election.h"

#include <spdlog/spdlog.h>

#include "util/json_text.h"

namespace mdbop {

namespace {

const ApiResource kLeases{"coordination.k8s.io/v1", "leases"};

LeaseView view_of(const json& lease) {
  const json spec = lease.value("spec", json::object());
  const json duration = spec.is_object() ? spec.value("leaseDurationSeconds", json()) : json();
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
  if (!leading_ || lost()) return;
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
  // A Lease of an unexpected shape fails this round, never the operator.
  try {
    return act_once(other);
  } catch (const json::exception& e) {
    return fail(ErrorCode::kCorrupt,
                "the lease is not shaped as expected: " + std::string(e.what()));
  }
}

Result<bool> LeaderElection::act_once(std::string* other) {
  const std::string path = api_path(kLeases, namespace_, name_);
  // Renewing, the Lease as this candidate last wrote it saves a read: its resourceVersion makes
  // the write fail (a conflict) if another has written since, and then the Lease is read.
  if (std::optional<json> written = std::exchange(last_written_, std::nullopt)) {
    auto renewed = write_lease(LeaseStep::kRenew, std::move(*written));
    if (!renewed || *renewed) return renewed;
  }
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
  return write_lease(step, read ? *read
                                : json{{"apiVersion", kLeases.api_version},
                                       {"kind", "Lease"},
                                       {"metadata", {{"name", name_}, {"namespace", namespace_}}},
                                       {"spec", {{"leaseTransitions", 0}}}});
}

Result<bool> LeaderElection::write_lease(LeaseStep step, json lease) {
  const std::string path = api_path(kLeases, namespace_, name_);
  const std::string time = kube_micro_time_now();
  json& spec = lease["spec"];
  if (!spec.is_object()) spec = json::object();
  if (step != LeaseStep::kRenew) {
    spec["acquireTime"] = time;
    if (step == LeaseStep::kTakeOver) {
      const json transitions = spec.value("leaseTransitions", json());
      spec["leaseTransitions"] =
          transitions.is_number_integer() ? transitions.get<long long>() + 1 : 1;
    }
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
  last_written_ = std::move(*written);
  if (step != LeaseStep::kRenew) {
    spdlog::info("leading: took the lease {}/{} as {}", namespace_, name_, identity_);
  }
  return true;
}

bool LeaderElection::lead(const std::function<bool()>& should_stop) {
  std::string said;
  while (!should_stop()) {
    std::string other;
    const auto sent = std::chrono::steady_clock::now();
    auto held = try_once(&other);
    if (held && *held) {
      renewed_at_ = sent.time_since_epoch().count();
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
    const auto tick =
        std::chrono::duration_cast<std::chrono::milliseconds>(timing_.renew_every) / 4;
    for (int ticks = 0; ticks < 4 && !should_stop(); ++ticks) std::this_thread::sleep_for(tick);
  }
  return false;
}

bool LeaderElection::lost() const {
  if (!leading_) return false;
  if (taken_) return true;
  // Measured from when the last successful renewal was sent, whatever request is under way:
  // a leader stuck on a hung request stops before another may take over.
  const std::chrono::steady_clock::time_point renewed{
      std::chrono::steady_clock::duration(renewed_at_.load())};
  return std::chrono::steady_clock::now() - renewed >= timing_.renew_deadline;
}

void LeaderElection::renew_until_stopped() {
  std::string said;
  while (pause(timing_.renew_every)) {
    const auto sent = std::chrono::steady_clock::now();
    auto held = try_once(nullptr);
    if (held && *held) {
      renewed_at_ = sent.time_since_epoch().count();
      said.clear();
      continue;
    }
    if (held) {  // read, and another holds it
      spdlog::error("lost the lease {}/{}: another operator holds it", namespace_, name_);
      taken_ = true;
      return;
    }
    if (held.error().what() != said) {
      spdlog::warn("cannot renew the lease {}/{}: {}", namespace_, name_, held.error().what());
    }
    said = held.error().what();
  }
}

bool LeaderElection::pause(std::chrono::seconds duration) {
  std::unique_lock lock(mutex_);
  return !stop_.wait_for(lock, duration, [&] { return stopping_; });
}

}  // namespace mdbop
