// One pod on one of the double's nodes, from the moment it is seen bound there until its object
// is gone: maps its volumes, runs its init containers in order and then its containers as
// processes, probes them, runs them again per restartPolicy, writes the pod's status, and when
// the pod is deleted stops its processes and deletes the object for good. Driven by step() from
// the double's main loop; not thread-safe (probes run on threads of their own and are only
// looked at by step()).
#pragma once

#include <chrono>
#include <filesystem>
#include <future>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "kube/kube_client.h"
#include "kubelet_double/container_command.h"
#include "kubelet_double/hosts_file.h"
#include "kubelet_double/pod_status.h"
#include "kubelet_double/probe_timing.h"
#include "util/http_transport.h"

namespace mdbop::kubelet {

// What every pod of the double shares.
struct KubeletSettings {
  std::shared_ptr<KubeClient> client;
  std::filesystem::path directory;  // the double's: pods/<uid>/ and logs/ under it
  std::vector<ExecRule> exec_rules;
  std::set<std::string> skip_init;                 // init containers marked completed unrun
  std::map<std::string, std::string> process_env;  // given to every process (name resolution)
  std::shared_ptr<HttpTransport> probe_http;
};

class PodWorker {
 public:
  // A pod found already Succeeded or Failed (by an earlier run of the double) is never run: it
  // only waits for its deletion.
  PodWorker(const KubeletSettings& settings, nlohmann::json pod, std::string pod_ip);
  // Kills (SIGKILL) and reaps any process still running: a worker never leaves one behind.
  ~PodWorker();
  PodWorker(const PodWorker&) = delete;
  PodWorker& operator=(const PodWorker&) = delete;

  // The pod as the API server has it now (a watch event). A deletionTimestamp starts the
  // pod's termination: SIGTERM, SIGKILL after its grace period, then the object's deletion.
  void update(nlohmann::json pod);
  // The object is gone (deleted outright, or missing from a listing): the processes are
  // stopped as on deletion, and nothing more is written.
  void object_gone();
  // The double is stopping: SIGTERM now, SIGKILL after `grace`; the object is left as it is.
  void shut_down(std::chrono::seconds grace);

  void step();
  // Nothing left to do: no process runs and the object is deleted, gone, or left (shut_down).
  bool finished() const { return finished_; }

  const std::string& uid() const { return uid_; }
  PodHostEntry host_entry() const;

 private:
  struct ProbeRun {
    nlohmann::json probe;  // null when the container has none
    ProbeTiming timing;
    ProbeRecord record;
    std::optional<Clock::time_point> last_run;
    std::future<bool> pending;
    int pending_run = 0;  // the container's run it probes: results of an older run are dropped
  };
  struct ContainerRun {
    nlohmann::json spec;
    bool init = false;
    ContainerState state;
    int runs = 0;
    Clock::time_point started;                  // of the current run
    std::optional<Clock::time_point> start_at;  // when it may start (again)
    std::optional<Clock::time_point> kill_at;   // SIGKILL then (SIGTERM was sent)
    bool killed = false;                        // SIGKILL was sent
    LaunchSpec launch;                          // of the current run, for exec probes
    std::vector<MountMapping> mounts;
    ProbeRun startup, readiness, liveness;
  };
  enum class Ending { kNone, kDeleteObject, kForget };

  void begin_ending(Ending ending, std::chrono::seconds grace);
  bool map_volumes(Clock::time_point now);
  void step_container(ContainerRun& container, Clock::time_point now);
  void start(ContainerRun& container, Clock::time_point now);
  void on_exit(ContainerRun& container, int exit_code);
  void step_probes(ContainerRun& container, Clock::time_point now);
  void launch_if_due(ProbeRun& probe, const ContainerRun& container, Clock::time_point now);
  void kill_for_restart(ContainerRun& container, const std::string& why, Clock::time_point now);
  // Past its grace period a container being stopped gets SIGKILL (its whole group), once.
  void enforce_grace(ContainerRun& container, Clock::time_point now);
  void step_ending(Clock::time_point now);
  void write_status();
  PodFacts facts() const;
  std::chrono::seconds grace_period() const;
  std::string describe(const ContainerRun& container) const;

  const KubeletSettings& settings_;
  nlohmann::json pod_;
  std::string uid_;
  std::string namespace_;
  std::string name_;
  std::string pod_ip_;
  std::filesystem::path pod_directory_;
  RestartPolicy policy_;
  SysSeconds start_time_;
  std::vector<ContainerRun> init_containers_;
  std::vector<ContainerRun> containers_;
  std::optional<std::map<std::string, std::string>> volumes_;
  Clock::time_point next_volume_try_{};
  std::string volume_wait_;  // why the volumes are not mapped yet
  bool inert_ = false;       // found completed: never run
  Ending ending_ = Ending::kNone;
  bool finished_ = false;
  nlohmann::json last_written_;
};

}  // namespace mdbop::kubelet
