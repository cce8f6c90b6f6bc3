// A container's process on this machine: started in a session of its own, so that its pid is
// the id of a process group holding everything it starts, which is signalled as one, as a
// container runtime stops a container. Only processes the double started are ever signalled.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <map>
#include <optional>
#include <string>

#include "kubelet_double/container_command.h"
#include "util/result.h"

namespace mdbop::kubelet {

// Starts `spec` with the double's own environment, then `spec.env`, then `extra_env` (the name
// resolution every process gets); stdin from /dev/null, stdout and stderr appended to `log`. A
// program named without a '/' is looked up in the container's PATH (else the double's).
Result<pid_t> start_container_process(const LaunchSpec& spec,
                                      const std::map<std::string, std::string>& extra_env,
                                      const std::filesystem::path& log);

// The exit code of our child `pid` once it has exited (128 + the signal when one ended it);
// nullopt while it runs. Before reaping it, kills with SIGKILL whatever is left of its process
// group, while its zombie still keeps the group's id from being reused.
std::optional<int> take_exit(pid_t pid);

// Sends `signal` to the process group `pid` leads.
void signal_group(pid_t pid, int signal);

}  // namespace mdbop::kubelet
