#include "util/subprocess.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <sstream>
#include <thread>
#include <utility>

#include "util/files.h"

extern char** environ;

namespace mdbop {

namespace {

constexpr size_t kStderrTailBytes = 8192;

std::string errno_text(int error) { return std::strerror(error); }

// The fields of a /proc/<pid>/stat text after the command name (field 2, which may hold spaces
// and parentheses, so the fields follow the last ')'): element 0 is field 3 (state).
std::vector<std::string> stat_fields_after_name(std::string_view text) {
  std::vector<std::string> fields;
  const size_t close = text.rfind(')');
  if (close == std::string_view::npos) return fields;
  std::istringstream words{std::string(text.substr(close + 1))};
  for (std::string word; words >> word;) fields.push_back(word);
  return fields;
}

// Owns one file descriptor.
class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) : fd_(fd) {}
  Fd(Fd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  Fd& operator=(Fd&& other) noexcept {
    if (this != &other) {
      reset();
      fd_ = std::exchange(other.fd_, -1);
    }
    return *this;
  }
  ~Fd() { reset(); }
  int get() const { return fd_; }
  int release() { return std::exchange(fd_, -1); }
  bool open() const { return fd_ >= 0; }
  void reset() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

 private:
  int fd_ = -1;
};

struct Pipe {
  Fd read;
  Fd write;
};

Result<Pipe> make_pipe() {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) < 0) return fail("cannot create a pipe: " + errno_text(errno));
  return Pipe{Fd(fds[0]), Fd(fds[1])};
}

Result<Fd> open_output(const std::string& path) {
  // 0600: node logs may show a statement or a configuration value meant to stay private.
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (fd < 0) return fail("cannot open " + path + ": " + errno_text(errno));
  return Fd(fd);
}

Result<Fd> open_dev_null(int flags) {
  int fd = ::open("/dev/null", flags | O_CLOEXEC);
  if (fd < 0) return fail("cannot open /dev/null: " + errno_text(errno));
  return Fd(fd);
}

// The inherited environment with extra_env laid over it, as "NAME=value" strings.
std::vector<std::string> build_env(const std::map<std::string, std::string>& extra) {
  std::map<std::string, std::string> merged;
  for (char** entry = environ; entry != nullptr && *entry != nullptr; ++entry) {
    std::string text = *entry;
    size_t eq = text.find('=');
    if (eq == std::string::npos) continue;
    merged.emplace(text.substr(0, eq), text.substr(eq + 1));
  }
  for (const auto& [name, value] : extra) merged[name] = value;
  std::vector<std::string> env;
  for (const auto& [name, value] : merged) env.push_back(name + "=" + value);
  return env;
}

std::vector<char*> c_strings(std::vector<std::string>& strings) {
  std::vector<char*> pointers;
  for (std::string& s : strings) pointers.push_back(s.data());
  pointers.push_back(nullptr);
  return pointers;
}

// Starts argv with the given descriptors as its stdin, stdout and stderr. posix_spawn (glibc
// runs it with CLONE_VFORK) reports a failed exec as its return value, so "no such program"
// reaches the caller as an error instead of as an exit code 127.
Result<pid_t> spawn(const SubprocessOptions& options, int in, int out, int err, bool new_session) {
  if (options.argv.empty()) return fail("cannot run a program: empty command line");
  std::vector<std::string> argv_strings = options.argv;
  std::vector<std::string> env_strings = build_env(options.extra_env);
  std::vector<char*> argv = c_strings(argv_strings);
  std::vector<char*> env = c_strings(env_strings);

  posix_spawn_file_actions_t actions;
  posix_spawnattr_t attr;
  posix_spawn_file_actions_init(&actions);
  posix_spawnattr_init(&attr);
  posix_spawn_file_actions_adddup2(&actions, in, STDIN_FILENO);
  posix_spawn_file_actions_adddup2(&actions, out, STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, err, STDERR_FILENO);
  // Nothing else of ours (sockets, lock files) may leak into a child that can outlive us.
  posix_spawn_file_actions_addclosefrom_np(&actions, STDERR_FILENO + 1);
  if (!options.working_dir.empty()) {
    posix_spawn_file_actions_addchdir_np(&actions, options.working_dir.c_str());
  }
  // Ignored signals (SIGPIPE, often) and our signal mask would otherwise survive exec.
  sigset_t all_signals;
  sigset_t no_signals;
  sigfillset(&all_signals);
  sigemptyset(&no_signals);
  posix_spawnattr_setsigdefault(&attr, &all_signals);
  posix_spawnattr_setsigmask(&attr, &no_signals);
  short flags = POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK;
  if (new_session) flags |= POSIX_SPAWN_SETSID;
  posix_spawnattr_setflags(&attr, flags);

  pid_t pid = -1;
  int rc = ::posix_spawnp(&pid, argv[0], &actions, &attr, argv.data(), env.data());
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  if (rc != 0) {
    std::string where = options.working_dir.empty() ? "" : " in " + options.working_dir;
    return fail("cannot run " + options.argv[0] + where + ": " + errno_text(rc));
  }
  return pid;
}

// write() to a pipe whose reader is gone raises SIGPIPE, which would kill mdbop when a child
// exits without reading its stdin. Block it around the write and swallow the one we caused.
ssize_t write_without_sigpipe(int fd, const char* data, size_t size) {
  sigset_t sigpipe;
  sigset_t old_mask;
  sigemptyset(&sigpipe);
  sigaddset(&sigpipe, SIGPIPE);
  pthread_sigmask(SIG_BLOCK, &sigpipe, &old_mask);
  ssize_t n = ::write(fd, data, size);
  int error = errno;
  if (n < 0 && error == EPIPE && !sigismember(&old_mask, SIGPIPE)) {
    timespec no_wait{};
    ::sigtimedwait(&sigpipe, nullptr, &no_wait);
  }
  pthread_sigmask(SIG_SETMASK, &old_mask, nullptr);
  errno = error;
  return n;
}

// One read per call, so that a chatty child cannot keep us from the deadline or its stdin.
// Keeps at most the last `limit` bytes; closes `fd` at EOF or on error.
void read_some(Fd& fd, std::string& into, size_t limit) {
  char buffer[65536];
  ssize_t n = ::read(fd.get(), buffer, sizeof buffer);
  if (n > 0) {
    into.append(buffer, static_cast<size_t>(n));
    if (into.size() > limit) into.erase(0, into.size() - limit);
  } else if (n == 0 || (errno != EINTR && errno != EAGAIN)) {
    fd.reset();
  }
}

void set_nonblocking(int fd) { ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK); }

// Waits for the child `pid` to exit; its wait status, or nullopt when it was reaped elsewhere.
std::optional<int> wait_for_exit(pid_t pid) {
  int status = 0;
  pid_t r;
  do {
    r = ::waitpid(pid, &status, 0);
  } while (r < 0 && errno == EINTR);
  if (r != pid) return std::nullopt;
  return status;
}

std::optional<int> kill_and_wait(pid_t pid) {
  ::kill(pid, SIGKILL);
  return wait_for_exit(pid);
}

void record_status(int status, SubprocessResult& result) {
  if (WIFEXITED(status)) result.exit_code = WEXITSTATUS(status);
  if (WIFSIGNALED(status)) result.term_signal = WTERMSIG(status);
}

}  // namespace

std::string SubprocessResult::describe() const {
  std::string text;
  if (timed_out) {
    text = "timed out";
  } else if (term_signal != 0) {
    text = "killed by signal " + std::to_string(term_signal);
  } else {
    text = "exited with " + std::to_string(exit_code);
  }
  // The last non-empty stderr line is usually the program's own reason.
  size_t end = stderr_tail.find_last_not_of(" \t\r\n");
  if (end == std::string::npos) return text;
  size_t start = stderr_tail.find_last_of('\n', end);
  start = start == std::string::npos ? 0 : start + 1;
  return text + ": " + stderr_tail.substr(start, end + 1 - start);
}

Result<SubprocessResult> run_process(const SubprocessOptions& options) {
  Fd child_in, child_out, child_err;  // the child's ends, closed once it is started
  Fd in, out, err;                    // our ends
  if (options.stdin_data) {
    auto pipe = make_pipe();
    if (!pipe) return tl::unexpected(pipe.error());
    child_in = std::move(pipe->read);
    in = std::move(pipe->write);
  } else {
    // Never the operator's own stdin: a child must not read the user's terminal.
    auto null = open_dev_null(O_RDONLY);
    if (!null) return tl::unexpected(null.error());
    child_in = std::move(*null);
  }
  if (!options.output_file.empty()) {
    auto file = open_output(options.output_file);
    if (!file) return tl::unexpected(file.error());
    child_out = std::move(*file);
  } else {
    auto out_pipe = make_pipe();
    auto err_pipe = make_pipe();
    if (!out_pipe) return tl::unexpected(out_pipe.error());
    if (!err_pipe) return tl::unexpected(err_pipe.error());
    child_out = std::move(out_pipe->write);
    child_err = std::move(err_pipe->write);
    out = std::move(out_pipe->read);
    err = std::move(err_pipe->read);
  }
  int err_target = child_err.open() ? child_err.get() : child_out.get();
  auto pid = spawn(options, child_in.get(), child_out.get(), err_target, false);
  if (!pid) return tl::unexpected(pid.error());
  child_in.reset();
  child_out.reset();
  child_err.reset();
  for (Fd* fd : {&in, &out, &err}) {
    if (fd->open()) set_nonblocking(fd->get());
  }

  SubprocessResult result;
  const std::string empty;
  const std::string& input = options.stdin_data ? *options.stdin_data : empty;
  size_t written = 0;
  if (in.open() && input.empty()) in.reset();

  const auto deadline = std::chrono::steady_clock::now() + options.timeout;
  bool reaped = false;
  int status = 0;
  auto kill_and_reap = [&] {
    if (auto killed = kill_and_wait(*pid)) record_status(*killed, result);
  };
  while (true) {
    if (!reaped) {
      pid_t r = ::waitpid(*pid, &status, WNOHANG);
      if (r == *pid) {
        reaped = true;
        record_status(status, result);
      } else if (r < 0 && errno != EINTR) {
        reaped = true;  // someone else reaped it (SIGCHLD ignored): the status is unknown
      }
    }
    if (reaped && !out.open() && !err.open()) break;
    auto now = std::chrono::steady_clock::now();
    if (now >= deadline) {
      if (!reaped) {
        kill_and_reap();
        result.timed_out = true;
      }
      break;
    }

    pollfd fds[3];
    nfds_t count = 0;
    if (in.open()) fds[count++] = {in.get(), POLLOUT, 0};
    if (out.open()) fds[count++] = {out.get(), POLLIN, 0};
    if (err.open()) fds[count++] = {err.get(), POLLIN, 0};
    // Pipes normally reach EOF when the child exits; the periodic waitpid above covers a
    // child that closed them early or left a grandchild holding them.
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now).count();
    int wait_ms = reaped ? 0 : static_cast<int>(std::min<long long>(left + 1, 100));
    int ready = ::poll(fds, count, wait_ms);
    if (ready < 0 && errno != EINTR) {
      std::string error = errno_text(errno);
      if (!reaped) kill_and_reap();
      return fail("cannot wait for " + options.argv[0] + ": " + error);
    }
    if (ready == 0 && reaped) break;  // the child is gone and nothing more is coming
    if (ready <= 0) continue;

    for (nfds_t i = 0; i < count; ++i) {
      if (fds[i].revents == 0) continue;
      if (fds[i].fd == in.get()) {
        ssize_t n = write_without_sigpipe(in.get(), input.data() + written, input.size() - written);
        if (n > 0) written += static_cast<size_t>(n);
        // EPIPE: the child stopped reading, which is its business, not an error of ours.
        if ((n < 0 && errno != EAGAIN && errno != EINTR) || written == input.size()) in.reset();
      } else if (fds[i].fd == out.get()) {
        read_some(out, result.stdout_text, std::string::npos);
      } else {
        read_some(err, result.stderr_tail, kStderrTailBytes);
      }
    }
  }
  return result;
}

Result<SubprocessResult> run_process_to_sink(const SubprocessOptions& options, ByteSink& sink,
                                             const std::function<bool()>& should_stop) {
  auto in = open_dev_null(O_RDONLY);
  if (!in) return tl::unexpected(in.error());
  auto out_pipe = make_pipe();
  auto err_pipe = make_pipe();
  if (!out_pipe) return tl::unexpected(out_pipe.error());
  if (!err_pipe) return tl::unexpected(err_pipe.error());
  // A bigger pipe means fewer wake-ups per gigabyte; failure to grow it is harmless.
  ::fcntl(out_pipe->write.get(), F_SETPIPE_SZ, 1 << 20);
  auto pid = spawn(options, in->get(), out_pipe->write.get(), err_pipe->write.get(), false);
  if (!pid) return tl::unexpected(pid.error());
  out_pipe->write.reset();
  err_pipe->write.reset();
  Fd out = std::move(out_pipe->read);
  Fd err = std::move(err_pipe->read);
  set_nonblocking(err.get());

  SubprocessResult result;
  auto kill_and_reap = [&] { kill_and_wait(*pid); };
  const auto deadline = std::chrono::steady_clock::now() + options.timeout;
  std::string buffer(1 << 20, '\0');
  while (out.open() || err.open()) {
    if (should_stop && should_stop()) {
      kill_and_reap();
      return fail(options.argv[0] + " stopped: mdbop is shutting down");
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      kill_and_reap();
      result.timed_out = true;
      return result;
    }
    pollfd fds[2];
    nfds_t count = 0;
    if (out.open()) fds[count++] = {out.get(), POLLIN, 0};
    if (err.open()) fds[count++] = {err.get(), POLLIN, 0};
    int ready = ::poll(fds, count, 200);
    if (ready < 0 && errno != EINTR) {
      std::string error = errno_text(errno);
      kill_and_reap();
      return fail("cannot wait for " + options.argv[0] + ": " + error);
    }
    if (ready <= 0) continue;
    for (nfds_t i = 0; i < count; ++i) {
      if (fds[i].revents == 0) continue;
      if (fds[i].fd == err.get()) {
        read_some(err, result.stderr_tail, kStderrTailBytes);
        continue;
      }
      ssize_t n = ::read(out.get(), buffer.data(), buffer.size());
      if (n > 0) {
        if (auto written = sink.write(std::string_view(buffer.data(), static_cast<size_t>(n)));
            !written) {
          kill_and_reap();
          return tl::unexpected(written.error());
        }
      } else if (n == 0 || errno != EINTR) {
        out.reset();
      }
    }
  }
  if (auto exited = wait_for_exit(*pid)) record_status(*exited, result);
  return result;
}

ProcessInputSink::ProcessInputSink(std::string program, pid_t pid, int input, int output)
    : program_(std::move(program)), pid_(pid), input_(input), output_(output) {}

Result<std::unique_ptr<ProcessInputSink>> ProcessInputSink::start(
    const SubprocessOptions& options) {
  auto in_pipe = make_pipe();
  if (!in_pipe) return tl::unexpected(in_pipe.error());
  ::fcntl(in_pipe->write.get(), F_SETPIPE_SZ, 1 << 20);
  Fd child_out;
  Fd out;
  if (!options.output_file.empty()) {
    auto file = open_output(options.output_file);
    if (!file) return tl::unexpected(file.error());
    child_out = std::move(*file);
  } else {
    auto out_pipe = make_pipe();
    if (!out_pipe) return tl::unexpected(out_pipe.error());
    child_out = std::move(out_pipe->write);
    out = std::move(out_pipe->read);
    set_nonblocking(out.get());
  }
  auto pid = spawn(options, in_pipe->read.get(), child_out.get(), child_out.get(), false);
  if (!pid) return tl::unexpected(pid.error());
  set_nonblocking(in_pipe->write.get());
  int input = in_pipe->write.release();
  int output = out.open() ? out.release() : -1;
  return std::unique_ptr<ProcessInputSink>(
      new ProcessInputSink(options.argv[0], *pid, input, output));
}

ProcessInputSink::~ProcessInputSink() {
  if (input_ >= 0) ::close(input_);
  if (output_ >= 0) ::close(output_);
  if (!finished_) kill_and_wait(pid_);
}

void ProcessInputSink::drain_output() {
  if (output_ < 0) return;
  Fd fd(output_);
  read_some(fd, output_tail_, kStderrTailBytes);
  output_ = fd.release();
}

Result<void> ProcessInputSink::fail_with_status(const std::string& during) {
  if (input_ >= 0) ::close(input_);
  input_ = -1;
  SubprocessResult result;
  while (output_ >= 0) {
    pollfd fd{output_, POLLIN, 0};
    if (::poll(&fd, 1, 1000) <= 0) break;
    drain_output();
  }
  auto exited = wait_for_exit(pid_);
  finished_ = true;
  if (exited) record_status(*exited, result);
  result.stderr_tail = output_tail_;
  if (result.ok() && during.empty()) return {};
  return fail(program_ + " " + result.describe() + during);
}

Result<void> ProcessInputSink::write(std::string_view bytes) {
  while (!bytes.empty()) {
    pollfd fds[2] = {{input_, POLLOUT, 0}, {output_, POLLIN, 0}};
    int ready = ::poll(fds, output_ >= 0 ? 2 : 1, 1000);
    if (ready < 0 && errno != EINTR)
      return fail("cannot feed " + program_ + ": " + errno_text(errno));
    if (output_ >= 0 && fds[1].revents != 0) drain_output();
    if (fds[0].revents == 0) continue;
    ssize_t n = write_without_sigpipe(input_, bytes.data(), bytes.size());
    if (n > 0) {
      bytes.remove_prefix(static_cast<size_t>(n));
    } else if (n < 0 && errno != EINTR && errno != EAGAIN) {
      // The child stopped reading: it failed, and its own message says why.
      return fail_with_status(" (it stopped reading its input)");
    }
  }
  return {};
}

Result<void> ProcessInputSink::finish() { return fail_with_status(""); }

Result<pid_t> spawn_detached(const SubprocessOptions& options) {
  auto in = open_dev_null(O_RDONLY);
  if (!in) return tl::unexpected(in.error());
  auto out =
      options.output_file.empty() ? open_dev_null(O_WRONLY) : open_output(options.output_file);
  if (!out) return tl::unexpected(out.error());
  return spawn(options, in->get(), out->get(), out->get(), true);
}

bool process_alive(pid_t pid) {
  if (pid <= 0 || ::kill(pid, 0) != 0) return false;
  auto stat = read_file("/proc/" + std::to_string(pid) + "/stat");
  if (!stat) return false;
  // "pid (comm) S ...": comm may itself contain ") ", so look after the last one.
  size_t paren = stat->rfind(')');
  if (paren == std::string::npos || paren + 2 >= stat->size()) return false;
  return (*stat)[paren + 2] != 'Z';
}

void reap_if_exited(pid_t pid) {
  if (pid <= 0) return;
  // ECHILD (not our child, or already reaped) is the expected harmless case.
  while (::waitpid(pid, nullptr, WNOHANG) < 0 && errno == EINTR) {
  }
}

std::string process_cmdline(pid_t pid) {
  if (pid <= 0) return "";
  auto text = read_file("/proc/" + std::to_string(pid) + "/cmdline");
  if (!text) return "";
  std::string cmdline = std::move(*text);
  while (!cmdline.empty() && cmdline.back() == '\0') cmdline.pop_back();
  for (char& c : cmdline) {
    if (c == '\0') c = ' ';
  }
  return cmdline;
}

std::vector<std::string> process_arguments(pid_t pid) {
  std::vector<std::string> arguments;
  if (pid <= 0) return arguments;
  const std::string proc = "/proc/" + std::to_string(pid);
  auto text = read_file(proc + "/cmdline");
  // A child of ours in the middle of an exec (setpriv becoming the program it runs, just after
  // we started it) shows none for a moment: wait for them rather than take it for someone
  // else's process, or for one started with other arguments.
  for (int tries = 0; tries < 500 && text && text->empty(); ++tries) {
    const auto stat = read_file(proc + "/stat");
    if (!stat || !may_be_own_child_in_exec(*stat, getpid())) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
    text = read_file(proc + "/cmdline");
  }
  if (!text) return arguments;
  std::string current;
  for (char c : *text) {
    if (c == '\0') {
      arguments.push_back(std::move(current));
      current.clear();
    } else {
      current += c;
    }
  }
  if (!current.empty()) arguments.push_back(std::move(current));
  return arguments;
}

std::optional<uid_t> process_user(pid_t pid) {
  auto text = read_file("/proc/" + std::to_string(pid) + "/status");
  if (!text) return std::nullopt;
  // "Uid:\t<real>\t<effective>\t<saved>\t<filesystem>"
  const size_t at = text->find("\nUid:");
  if (at == std::string::npos) return std::nullopt;
  std::istringstream ids(text->substr(at + 5, text->find('\n', at + 1) - at - 5));
  long long real = -1;
  long long effective = -1;
  if (!(ids >> real >> effective) || real != effective) return std::nullopt;
  return static_cast<uid_t>(real);
}

std::optional<ProcessStat> process_stat(pid_t pid) {
  auto text = read_file("/proc/" + std::to_string(pid) + "/stat");
  auto uptime = read_file("/proc/uptime");
  if (!text || !uptime) return std::nullopt;
  const std::vector<std::string> values = stat_fields_after_name(*text);
  // values[0] is field 3 (state): the session is field 6, the start time field 22.
  if (values.size() < 20) return std::nullopt;
  ProcessStat stat;
  stat.session = static_cast<pid_t>(std::stol(values[3]));
  double started = std::stod(values[19]) / static_cast<double>(sysconf(_SC_CLK_TCK));
  double now = std::stod(*uptime);
  stat.age = std::chrono::seconds(static_cast<long long>(now - started));
  return stat;
}

bool may_be_own_child_in_exec(std::string_view proc_stat, pid_t self) {
  const std::vector<std::string> values = stat_fields_after_name(proc_stat);
  // values[0] is field 3 (state): the parent is field 4, the flags field 9.
  if (values.size() < 7 || values[0] == "Z") return false;
  constexpr unsigned long kKernelThread = 0x00200000;  // PF_KTHREAD
  try {
    return std::stol(values[1]) == self && (std::stoul(values[6]) & kKernelThread) == 0;
  } catch (const std::exception&) {
    return false;
  }
}

std::vector<pid_t> all_pids() {
  std::vector<pid_t> pids;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator("/proc", ec)) {
    std::string name = entry.path().filename().string();
    if (name.empty() || name.find_first_not_of("0123456789") != std::string::npos) continue;
    pids.push_back(static_cast<pid_t>(std::stol(name)));
  }
  return pids;
}

}  // namespace mdbop
