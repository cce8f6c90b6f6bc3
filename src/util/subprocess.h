// Subprocess: the one way mdbop runs another program. No shell is ever involved.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "util/result.h"

namespace mdbop {

struct SubprocessOptions {
  std::vector<std::string> argv;                 // argv[0] is looked up in PATH when it has no '/'.
  std::map<std::string, std::string> extra_env;  // added to (or replacing in) the inherited env
  std::optional<std::string> stdin_data;         // written to the child's stdin, then closed
  std::string working_dir;                       // empty: inherit
  // Where stdout and stderr go instead of pipes (appended). Empty: captured by run().
  std::string output_file;
  std::chrono::milliseconds timeout{std::chrono::minutes(10)};  // run() only
};

struct SubprocessResult {
  int exit_code = -1;   // valid when term_signal == 0
  int term_signal = 0;  // signal that ended the child, 0 if it exited
  bool timed_out = false;
  std::string stdout_text;
  std::string stderr_tail;  // the last 8 KiB of stderr

  bool ok() const { return !timed_out && term_signal == 0 && exit_code == 0; }
  // One line for errors: "exited with 1: <last stderr line>".
  std::string describe() const;
};

// Runs to completion (or timeout, then SIGKILL of the child) and captures output.
// Fails only when the program cannot be started.
Result<SubprocessResult> run_process(const SubprocessOptions& options);

// Starts a long-lived child in its own session (so it outlives mdbop and ignores the
// terminal's signals), stdout/stderr to options.output_file (or /dev/null), stdin from
// /dev/null. Returns its pid; the caller reaps it with reap_if_exited().
Result<pid_t> spawn_detached(const SubprocessOptions& options);

// True while the process exists and is not a zombie.
bool process_alive(pid_t pid);

// Reaps our own exited child without blocking; harmless for processes that are not ours.
void reap_if_exited(pid_t pid);

// The process's command line, arguments joined by spaces; empty when it is gone.
std::string process_cmdline(pid_t pid);
// The process's arguments, one element each; empty when it is gone.
std::vector<std::string> process_arguments(pid_t pid);

// Facts from /proc/<pid>/stat: the session id and how long the process has run.
struct ProcessStat {
  pid_t session = 0;
  std::chrono::seconds age{0};
};
std::optional<ProcessStat> process_stat(pid_t pid);

// Every pid in /proc.
std::vector<pid_t> all_pids();

}  // namespace mdbop
