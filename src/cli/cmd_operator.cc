#include <signal.h>
#include <unistd.h>

#include <iostream>
#include <thread>

#include <spdlog/spdlog.h>

#include "agent/local/local_agent.h"
#include "cli/commands.h"
#include "cli/operator_process.h"
#include "controller/operator.h"
#include "store/local_store.h"
#include "util/files.h"
#include "util/pid_lock.h"
#include "util/subprocess.h"

namespace mdbop {

using namespace std::chrono_literals;

std::filesystem::path mdbop_home() {
  std::filesystem::path home;
  if (const char* configured = std::getenv("MDBOP_HOME"); configured && *configured != '\0') {
    home = configured;
  } else if (geteuid() == 0) {
    // Root's nodes run as the mysql user, who cannot enter /root (0700).
    home = "/var/lib/mdbop";
  } else {
    const char* user_home = std::getenv("HOME");
    home = std::filesystem::path(user_home ? user_home : "/") / ".local/state/mdbop";
  }
  // Absolute and normal: node processes are recognised by the paths in their arguments.
  return std::filesystem::weakly_canonical(std::filesystem::absolute(home));
}

int report_failure(const std::string& message) {
  std::cerr << "error: " << message << "\n";
  return 1;
}

Result<PortRange> parse_port_range(const std::string& text) {
  auto dash = text.find('-');
  try {
    if (dash != std::string::npos) {
      PortRange range{std::stoi(text.substr(0, dash)), std::stoi(text.substr(dash + 1))};
      if (range.first >= 1024 && range.last <= 65535 && range.last - range.first >= 16) {
        return range;
      }
    }
  } catch (const std::exception&) {
  }
  return fail(
      "--ports must be FROM-TO within 1024-65535 with at least 16 ports, e.g. "
      "33000-34999");
}

namespace {

// The operator process: one per installation, holding its lock for its whole life. Here the
// concrete store and node agent are chosen: the local ones.
Result<bool> run_operator_process(const std::filesystem::path& home, PortRange ports) {
  // Held for the operator's whole life: it is how others know that it runs, and which pid.
  auto lock = take_pid_lock(home / "operator.lock");
  if (!lock) {
    auto other = running_operator(home);
    return fail("another operator is already running for " + home.string() +
                (other ? " (pid " + std::to_string(other->pid) + ")" : ""));
  }
  // Signals are taken synchronously by the loop, never by a worker thread.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  signal(SIGPIPE, SIG_IGN);

  LocalStore store(home / "store");
  LocalAgent agent(home, ports);
  nlohmann::json info = {{"pid", getpid()},
                         {"portsFrom", ports.first},
                         {"portsTo", ports.last},
                         {"startedAt", rfc3339_now()}};
  if (auto written = write_file_atomic(home / "operator.json", info.dump() + "\n", 0644);
      !written) {
    return written;
  }
  spdlog::info("operator started pid={} home={} ports={}-{}", getpid(), home.string(), ports.first,
               ports.last);
  auto should_stop = [&] {
    timespec no_wait{0, 0};
    const int signal_number = sigtimedwait(&signals, nullptr, &no_wait);
    if (signal_number == SIGTERM || signal_number == SIGINT) return true;
    // A home removed under us (a test's, say) leaves nothing to manage.
    if (!std::filesystem::exists(home / "operator.lock")) {
      spdlog::warn("operator home {} is gone; stopping", home.string());
      return true;
    }
    return false;
  };
  auto ran = run_operator(store, agent, home, should_stop);
  std::error_code ignored;
  std::filesystem::remove(home / "operator.json", ignored);
  return ran;
}

}  // namespace

int cmd_operator_run(PortRange ports) {
  auto ran = run_operator_process(mdbop_home(), ports);
  if (!ran) return report_failure(ran.error().what());
  return 0;
}

int cmd_operator_start(PortRange ports) {
  auto home = mdbop_home();
  if (auto info = running_operator(home)) {
    std::cout << "operator already running (pid " << info->pid << ")\n";
    return 0;
  }
  SubprocessOptions options;
  options.argv = {"/proc/self/exe", "operator", "run", "--ports",
                  std::to_string(ports.first) + "-" + std::to_string(ports.last)};
  options.output_file = (home / "operator.log").string();
  options.extra_env["MDBOP_HOME"] = home.string();
  auto pid = spawn_detached(options);
  if (!pid) return report_failure(pid.error().what());
  for (int i = 0; i < 200; ++i) {
    if (auto info = running_operator(home); info && info->pid == *pid && info->serving) {
      std::cout << "operator started (pid " << *pid << ", log " << options.output_file << ")\n";
      return 0;
    }
    reap_if_exited(*pid);
    if (!process_alive(*pid)) break;
    std::this_thread::sleep_for(50ms);
  }
  return report_failure("the operator did not start; see " + options.output_file);
}

int cmd_operator_stop() {
  const auto lock = mdbop_home() / "operator.lock";
  auto signalled = signal_pid_lock_holder(lock, SIGTERM);
  if (!signalled) return report_failure(signalled.error().what());
  if (!*signalled) {
    std::cout << "operator not running\n";
    return 0;
  }
  // Stopped once it has let go of the lock: it does so last, as its process ends.
  for (int i = 0; i < 600; ++i) {
    if (pid_lock_holder(lock) != *signalled) {
      std::cout << "operator stopped (nodes keep running)\n";
      return 0;
    }
    std::this_thread::sleep_for(50ms);
  }
  return report_failure("operator pid " + std::to_string(**signalled) + " did not stop within 30s");
}

int cmd_operator_status() {
  auto home = mdbop_home();
  auto info = running_operator(home);
  if (!info) {
    std::cout << "operator not running (MDBOP_HOME " << home.string() << ")\n";
    return 1;
  }
  std::cout << "operator running\n  pid: " << info->pid << "\n  home: " << home.string()
            << "\n  ports: " << info->ports.first << "-" << info->ports.last
            << "\n  since: " << info->started_at << "\n";
  return 0;
}

}  // namespace mdbop
