#include "kubelet_double/pod_worker.h"

#include <signal.h>
#include <spdlog/spdlog.h>
#include <sys/wait.h>

#include <thread>

#include "kubelet_double/container_process.h"
#include "kubelet_double/pod_volumes.h"
#include "kubelet_double/probe_runner.h"

namespace mdbop::kubelet {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;
using namespace std::chrono_literals;
using Phase = ContainerState::Phase;

// How long a container whose spec or program cannot be started waits before the next try.
constexpr auto kRetryStart = 10s;

}  // namespace

PodWorker::PodWorker(const KubeletSettings& settings, json pod, std::string pod_ip)
    : settings_(settings), pod_(std::move(pod)), pod_ip_(std::move(pod_ip)) {
  const json& metadata = pod_.at("metadata");
  uid_ = metadata.value("uid", "");
  namespace_ = metadata.value("namespace", "default");
  name_ = metadata.value("name", "");
  pod_directory_ = settings_.directory / "pods" / uid_;
  const json& spec = pod_.at("spec");
  policy_ = restart_policy(spec);
  start_time_ = now_seconds();
  const std::string phase = pod_.value("status", json::object()).value("phase", "");
  inert_ = phase == "Succeeded" || phase == "Failed";
  const auto now = Clock::now();
  const bool has_init = !spec.value("initContainers", json::array()).empty();
  for (const char* field : {"initContainers", "containers"}) {
    for (const json& container_spec : spec.value(field, json::array())) {
      ContainerRun container;
      container.spec = container_spec;
      container.init = std::string(field) == "initContainers";
      container.state.name = container_spec.value("name", "");
      container.state.image = container_spec.value("image", "");
      // Containers wait for the init containers, as a kubelet says.
      if (!container.init && has_init) container.state.waiting_reason = "PodInitializing";
      container.start_at = now;
      container.startup.probe = container_spec.value("startupProbe", json());
      container.readiness.probe = container_spec.value("readinessProbe", json());
      container.liveness.probe = container_spec.value("livenessProbe", json());
      for (ProbeRun* probe : {&container.startup, &container.readiness, &container.liveness}) {
        if (!probe->probe.is_null()) probe->timing = probe_timing(probe->probe);
      }
      (container.init ? init_containers_ : containers_).push_back(std::move(container));
    }
  }
  if (pod_.at("metadata").contains("deletionTimestamp")) begin_ending(Ending::kDeleteObject, 0s);
}

PodWorker::~PodWorker() {
  for (auto* list : {&init_containers_, &containers_}) {
    for (ContainerRun& container : *list) {
      if (container.state.phase != Phase::kRunning) continue;
      signal_group(container.state.pid, SIGKILL);
      while (!take_exit(container.state.pid)) {
        std::this_thread::sleep_for(10ms);
      }
    }
  }
}

void PodWorker::update(json pod) {
  if (pod.at("metadata").value("uid", "") != uid_) return;
  pod_ = std::move(pod);
  if (ending_ == Ending::kNone && pod_.at("metadata").contains("deletionTimestamp")) {
    begin_ending(Ending::kDeleteObject, grace_period());
  }
}

void PodWorker::object_gone() {
  if (ending_ != Ending::kNone) {
    ending_ = Ending::kForget;
    return;
  }
  begin_ending(Ending::kForget, grace_period());
}

void PodWorker::shut_down(std::chrono::seconds grace) { begin_ending(Ending::kForget, grace); }

std::chrono::seconds PodWorker::grace_period() const {
  const json& metadata = pod_.at("metadata");
  if (auto given = metadata.find("deletionGracePeriodSeconds"); given != metadata.end()) {
    return std::chrono::seconds(given->get<long>());
  }
  return std::chrono::seconds(pod_.at("spec").value("terminationGracePeriodSeconds", 30L));
}

void PodWorker::begin_ending(Ending ending, std::chrono::seconds grace) {
  ending_ = ending;
  const auto now = Clock::now();
  for (auto* list : {&init_containers_, &containers_}) {
    for (ContainerRun& container : *list) {
      container.start_at.reset();
      if (container.state.phase != Phase::kRunning) continue;
      spdlog::info("stopping pod={}/{} container={} pid={} grace={}s", namespace_, name_,
                   container.state.name, container.state.pid, grace.count());
      signal_group(container.state.pid, SIGTERM);
      container.kill_at = now + grace;
    }
  }
}

PodFacts PodWorker::facts() const {
  const json& spec = pod_.at("spec");
  return {name_,
          namespace_,
          uid_,
          spec.value("nodeName", ""),
          pod_ip_,
          "127.0.0.1",
          spec.value("serviceAccountName", "default")};
}

PodHostEntry PodWorker::host_entry() const {
  const json& spec = pod_.at("spec");
  return {pod_ip_, name_, namespace_, spec.value("hostname", ""), spec.value("subdomain", "")};
}

std::string PodWorker::describe(const ContainerRun& container) const {
  return "pod=" + namespace_ + "/" + name_ + " container=" + container.state.name;
}

void PodWorker::step() {
  const auto now = Clock::now();
  if (ending_ != Ending::kNone) {
    step_ending(now);
    return;
  }
  if (inert_) return;
  if (!volumes_ && !map_volumes(now)) {
    write_status();
    return;
  }
  for (ContainerRun& init : init_containers_) {
    if (init.state.phase == Phase::kTerminated && init.state.terminated.exit_code == 0) continue;
    step_container(init, now);
    write_status();
    return;  // the next init container waits for this one
  }
  for (ContainerRun& container : containers_) step_container(container, now);
  write_status();
}

bool PodWorker::map_volumes(Clock::time_point now) {
  if (now < next_volume_try_) return false;
  next_volume_try_ = now + 1s;
  std::error_code ec;
  fs::create_directories(pod_directory_, ec);
  fs::permissions(pod_directory_, fs::perms::owner_all, ec);
  auto mapped = map_pod_volumes(*settings_.client, pod_, pod_directory_);
  if (!mapped) {
    if (volume_wait_ != mapped.error().what()) {
      volume_wait_ = mapped.error().what();
      spdlog::info("pod={}/{} waits: {}", namespace_, name_, volume_wait_);
    }
    return false;
  }
  volumes_ = std::move(*mapped);
  return true;
}

void PodWorker::step_container(ContainerRun& container, Clock::time_point now) {
  if (container.state.phase == Phase::kRunning) {
    if (auto exit_code = take_exit(container.state.pid)) {
      on_exit(container, *exit_code);
    } else {
      step_probes(container, now);
      return;
    }
  }
  if (container.state.phase == Phase::kWaiting && container.start_at &&
      now >= *container.start_at) {
    start(container, now);
  }
}

void PodWorker::start(ContainerRun& container, Clock::time_point now) {
  ContainerState& state = container.state;
  if (container.init && settings_.skip_init.contains(state.name)) {
    state.phase = Phase::kTerminated;
    state.terminated = {0, "Completed", now_seconds(), now_seconds(), 0};
    container.start_at.reset();
    spdlog::info("{} skipped (--skip-init)", describe(container));
    return;
  }
  auto mounts = container_mounts(container.spec, *volumes_);
  auto launch = mounts.and_then([&](const std::vector<MountMapping>& mapped) {
    return launch_spec(container.spec, facts(), settings_.exec_rules, mapped);
  });
  if (!launch) {
    state.waiting_reason = "CreateContainerConfigError";
    state.waiting_message = launch.error().what();
    container.start_at = now + kRetryStart;
    return;
  }
  std::map<std::string, std::string> extra = settings_.process_env;
  extra["HOSTNAME"] = pod_.at("spec").value("hostname", name_);
  const fs::path log =
      settings_.directory / "logs" / (namespace_ + "_" + name_ + "_" + state.name + ".log");
  auto pid = start_container_process(*launch, extra, log);
  if (!pid) {
    state.waiting_reason = "RunContainerError";
    state.waiting_message = pid.error().what();
    container.start_at = now + kRetryStart;
    return;
  }
  if (container.runs > 0) ++state.restart_count;
  ++container.runs;
  state.phase = Phase::kRunning;
  state.pid = *pid;
  state.started_at = now_seconds();
  state.waiting_message.clear();
  container.started = now;
  container.start_at.reset();
  container.launch = std::move(*launch);
  container.mounts = std::move(*mounts);
  // Probes start over with each run, from the kubelet's initial results.
  container.startup.record = {};
  container.readiness.record = {};
  container.liveness.record = {.result = true};
  for (ProbeRun* probe : {&container.startup, &container.readiness, &container.liveness}) {
    probe->last_run.reset();
  }
  state.started = container.startup.probe.is_null();
  state.ready = false;
  spdlog::info("{} started pid={} restarts={}", describe(container), *pid, state.restart_count);
}

void PodWorker::on_exit(ContainerRun& container, int exit_code) {
  ContainerState& state = container.state;
  const Termination ended{exit_code, exit_code == 0 ? "Completed" : "Error", state.started_at,
                          now_seconds(), state.pid};
  spdlog::info("{} pid={} exited with {}", describe(container), state.pid, exit_code);
  container.kill_at.reset();
  container.killed = false;
  state.ready = false;
  state.started = false;
  if (ending_ == Ending::kNone && restarts(policy_, exit_code, container.init)) {
    const auto delay = restart_delay(state.restart_count);
    state.last = ended;
    state.phase = Phase::kWaiting;
    state.waiting_reason = delay > 0s ? "CrashLoopBackOff" : "ContainerCreating";
    state.waiting_message = delay > 0s ? "back-off " + std::to_string(delay.count()) +
                                             "s restarting failed container=" + state.name
                                       : "";
    container.start_at = Clock::now() + delay;
    return;
  }
  state.phase = Phase::kTerminated;
  state.terminated = ended;
  container.start_at.reset();
}

void PodWorker::launch_if_due(ProbeRun& probe, const ContainerRun& container,
                              Clock::time_point now) {
  if (probe.pending.valid() ||
      now < next_probe_time(probe.timing, container.started, probe.last_run)) {
    return;
  }
  probe.last_run = now;
  probe.pending_run = container.runs;
  ProbeTarget target{
      pod_ip_,          container.spec,        container.launch,    settings_.exec_rules,
      container.mounts, settings_.process_env, settings_.probe_http};
  probe.pending = std::async(
      std::launch::async, [handler = probe.probe, target] { return run_probe(handler, target); });
}

void PodWorker::step_probes(ContainerRun& container, Clock::time_point now) {
  if (container.kill_at) {
    enforce_grace(container, now);  // being stopped: no more probing
    return;
  }
  for (ProbeRun* probe : {&container.startup, &container.readiness, &container.liveness}) {
    if (probe->pending.valid() && probe->pending.wait_for(0s) == std::future_status::ready) {
      const bool success = probe->pending.get();
      if (probe->pending_run == container.runs) {
        probe->record = record_probe(probe->timing, probe->record, success);
      }
    }
  }
  ContainerState& state = container.state;
  if (!state.started) {
    if (container.startup.record.result) {
      state.started = true;
    } else if (container.startup.record.failures >= container.startup.timing.failure_threshold) {
      kill_for_restart(container, "startup probe failed", now);
      return;
    } else {
      launch_if_due(container.startup, container, now);
      return;
    }
  }
  if (container.readiness.probe.is_null()) {
    state.ready = true;
  } else {
    launch_if_due(container.readiness, container, now);
    state.ready = container.readiness.record.result;
  }
  if (!container.liveness.probe.is_null()) {
    if (!container.liveness.record.result) {
      kill_for_restart(container, "liveness probe failed", now);
      return;
    }
    launch_if_due(container.liveness, container, now);
  }
}

void PodWorker::kill_for_restart(ContainerRun& container, const std::string& why,
                                 Clock::time_point now) {
  spdlog::info("{} {}: stopping pid={}", describe(container), why, container.state.pid);
  container.state.ready = false;
  signal_group(container.state.pid, SIGTERM);
  container.kill_at = now + grace_period();
}

void PodWorker::enforce_grace(ContainerRun& container, Clock::time_point now) {
  if (!container.kill_at || now < *container.kill_at || container.killed) return;
  spdlog::info("{} grace period over: SIGKILL", describe(container));
  signal_group(container.state.pid, SIGKILL);
  container.killed = true;
}

void PodWorker::step_ending(Clock::time_point now) {
  bool running = false;
  for (auto* list : {&init_containers_, &containers_}) {
    for (ContainerRun& container : *list) {
      if (container.state.phase != Phase::kRunning) continue;
      if (auto exit_code = take_exit(container.state.pid)) {
        on_exit(container, *exit_code);
        continue;
      }
      running = true;
      enforce_grace(container, now);
    }
  }
  if (running || finished_) return;
  if (ending_ == Ending::kForget) {
    finished_ = true;
    return;
  }
  // Deleted through the API: the final status, then the object goes for good. The uid
  // precondition keeps a new pod of the same name from being deleted instead.
  if (!inert_) write_status();
  const json options = {{"apiVersion", "v1"},
                        {"kind", "DeleteOptions"},
                        {"gracePeriodSeconds", 0},
                        {"preconditions", {{"uid", uid_}}}};
  auto removed = settings_.client->remove(api_path({"v1", "pods"}, namespace_, name_), options);
  if (removed || is_not_found(removed.error()) || removed.error().code == ErrorCode::kConflict) {
    spdlog::info("pod={}/{} deleted", namespace_, name_);
    finished_ = true;
  } else {
    spdlog::warn("pod={}/{} cannot be deleted yet: {}", namespace_, name_, removed.error().what());
  }
}

void PodWorker::write_status() {
  PodState state;
  state.policy = policy_;
  state.pod_ip = pod_ip_;
  state.host_ip = "127.0.0.1";
  state.start_time = start_time_;
  for (const ContainerRun& init : init_containers_) state.init_containers.push_back(init.state);
  for (const ContainerRun& container : containers_) {
    state.containers.push_back(container.state);
    if (!volumes_ && !volume_wait_.empty() && container.state.phase == Phase::kWaiting) {
      state.containers.back().waiting_message = volume_wait_;
    }
  }
  const json status = render_pod_status(state, pod_.value("status", json::object()), now_seconds());
  if (status == last_written_) return;
  // The uid in the patch is a precondition: a pod recreated under the same name refuses it.
  const json patch = {{"metadata", {{"uid", uid_}}}, {"status", status}};
  auto patched = settings_.client->patch(api_path({"v1", "pods"}, namespace_, name_, "status"),
                                         patch, PatchType::kMerge);
  if (!patched) {
    if (!is_not_found(patched.error())) {
      spdlog::warn("pod={}/{} status not written: {}", namespace_, name_, patched.error().what());
    }
    return;
  }
  last_written_ = status;
  pod_["status"] = patched->value("status", json::object());
}

}  // namespace mdbop::kubelet
