// Subprocess: the one way mdbop runs another program. No shell is ever involved.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "util/byte_sink.h"
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

// Runs to completion like run_process, but passes the child's stdout to `sink` as it arrives
// instead of capturing it (sink.finish() is left to the caller). When sink.write fails or
// `should_stop` returns true the child is killed and the sink's error (or "stopped") returned.
// stdin_data and output_file must not be set; options.timeout applies.
Result<SubprocessResult> run_process_to_sink(const SubprocessOptions& options, ByteSink& sink,
                                             const std::function<bool()>& should_stop = {});

// A running child fed through its stdin: write() passes bytes on (draining the child's output
// so that it cannot block), finish() closes its stdin and waits, failing with the child's
// reason unless it exits 0. Destroying one that was not finished kills the child.
class ProcessInputSink : public ByteSink {
 public:
  // Starts the child; its stdout and stderr go to options.output_file, or are kept as a tail
  // for the error message. stdin_data must not be set.
  static Result<std::unique_ptr<ProcessInputSink>> start(const SubprocessOptions& options);
  ~ProcessInputSink() override;

  Result<void> write(std::string_view bytes) override;
  Result<void> finish() override;

 private:
  ProcessInputSink(std::string program, pid_t pid, int input, int output);
  void drain_output();
  Result<void> fail_with_status(const std::string& during);

  std::string program_;
  pid_t pid_;
  int input_;   // -1 once closed
  int output_;  // -1 when the output goes to a file, or after EOF
  std::string output_tail_;
  bool finished_ = false;
};

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
// The process's arguments, one element each; empty when it is gone. For a child of ours in the
// middle of an exec, those it shows once the exec is done (waiting up to a second).
std::vector<std::string> process_arguments(pid_t pid);

// Whether a process that shows no arguments may be a child of `self` in the middle of an exec
// (its arguments come once the exec is done), from the text of its /proc/<pid>/stat. A kernel
// thread, a zombie, or a process someone else started shows none for good: waiting for it is
// pointless.
bool may_be_own_child_in_exec(std::string_view proc_stat, pid_t self);

// The user the process runs as: its real user id, when its effective one is the same (from
// /proc/<pid>/status); nullopt when it is gone or the two differ.
std::optional<uid_t> process_user(pid_t pid);

// Facts from /proc/<pid>/stat: the session id and how long the process has run.
struct ProcessStat {
  pid_t session = 0;
  std::chrono::seconds age{0};
};
std::optional<ProcessStat> process_stat(pid_t pid);

// Every pid in /proc.
std::vector<pid_t> all_pids();

}  // namespace mdbop
