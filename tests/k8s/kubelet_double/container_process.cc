#include "kubelet_double/container_process.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>

#include "util/subprocess.h"

namespace mdbop::kubelet {
namespace {

namespace fs = std::filesystem;

std::string find_program(const std::string& program,
                         const std::map<std::string, std::string>& env) {
  if (program.find('/') != std::string::npos) return program;
  std::string path;
  if (auto own = env.find("PATH"); own != env.end()) {
    path = own->second;
  } else if (const char* inherited = std::getenv("PATH")) {
    path = inherited;
  }
  size_t start = 0;
  while (start <= path.size()) {
    const size_t end = std::min(path.find(':', start), path.size());
    const fs::path candidate = fs::path(path.substr(start, end - start)) / program;
    if (end > start && ::access(candidate.c_str(), X_OK) == 0) return candidate.string();
    start = end + 1;
  }
  return program;  // the spawn's own lookup then says it is not found
}

}  // namespace

Result<pid_t> start_container_process(const LaunchSpec& spec,
                                      const std::map<std::string, std::string>& extra_env,
                                      const fs::path& log) {
  SubprocessOptions process;
  process.argv = spec.argv;
  process.argv[0] = find_program(spec.argv[0], spec.env);
  process.extra_env = spec.env;
  for (const auto& [name, value] : extra_env) process.extra_env[name] = value;
  process.working_dir = spec.working_dir;
  process.output_file = log.string();
  return spawn_detached(process);
}

std::optional<int> take_exit(pid_t pid) {
  siginfo_t info{};
  if (::waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOHANG | WNOWAIT) != 0 ||
      info.si_pid != pid) {
    return std::nullopt;
  }
  ::kill(-pid, SIGKILL);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return WEXITSTATUS(status);
}

void signal_group(pid_t pid, int signal) {
  if (pid > 0) ::kill(-pid, signal);
}

}  // namespace mdbop::kubelet
