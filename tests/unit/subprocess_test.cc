#include "util/subprocess.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <thread>

#include <gtest/gtest.h>

#include "temp_dir_test.h"

#include "util/files.h"

namespace mdbop {
namespace {

using namespace std::chrono_literals;

class SubprocessTest : public TempDirTest {
 protected:
  // Polls until `done` holds or about five seconds pass.
  template <class Predicate>
  static bool eventually(Predicate done) {
    for (int i = 0; i < 500; ++i) {
      if (done()) return true;
      std::this_thread::sleep_for(10ms);
    }
    return done();
  }
};

Result<SubprocessResult> run(std::vector<std::string> argv) {
  SubprocessOptions options;
  options.argv = std::move(argv);
  return run_process(options);
}

TEST_F(SubprocessTest, RunsTrue) {
  auto result = run({"/bin/true"});
  ASSERT_TRUE(result) << result.error().message;
  EXPECT_TRUE(result->ok());
  EXPECT_EQ(result->exit_code, 0);
  EXPECT_EQ(result->describe(), "exited with 0");
}

TEST_F(SubprocessTest, LooksUpPath) {
  auto result = run({"true"});
  ASSERT_TRUE(result) << result.error().message;
  EXPECT_TRUE(result->ok());
}

TEST_F(SubprocessTest, ReportsExitCode) {
  auto result = run({"/bin/sh", "-c", "exit 3"});
  ASSERT_TRUE(result);
  EXPECT_FALSE(result->ok());
  EXPECT_EQ(result->exit_code, 3);
  EXPECT_EQ(result->term_signal, 0);
}

TEST_F(SubprocessTest, ArgumentsAreNotInterpretedByAShell) {
  auto result = run({"/bin/echo", "a b", "$HOME", ";", "`id`"});
  ASSERT_TRUE(result);
  EXPECT_EQ(result->stdout_text, "a b $HOME ; `id`\n");
}

TEST_F(SubprocessTest, CapturesStdoutAndDescribesStderr) {
  auto result = run({"/bin/sh", "-c", "echo out; echo first >&2; echo 'last line' >&2; exit 1"});
  ASSERT_TRUE(result);
  EXPECT_EQ(result->stdout_text, "out\n");
  EXPECT_EQ(result->stderr_tail, "first\nlast line\n");
  EXPECT_EQ(result->describe(), "exited with 1: last line");
}

TEST_F(SubprocessTest, KeepsOnlyTheStderrTail) {
  auto result = run({"/bin/sh", "-c", "head -c 100000 /dev/zero | tr '\\0' x >&2; echo END >&2"});
  ASSERT_TRUE(result);
  EXPECT_EQ(result->stderr_tail.size(), 8192u);
  EXPECT_TRUE(result->stderr_tail.ends_with("xxEND\n"));
}

TEST_F(SubprocessTest, CapturesLargeStdoutFully) {
  auto result = run({"/bin/sh", "-c", "head -c 3000000 /dev/zero"});
  ASSERT_TRUE(result);
  EXPECT_EQ(result->stdout_text.size(), 3000000u);
}

TEST_F(SubprocessTest, WritesStdin) {
  SubprocessOptions options;
  options.argv = {"cat"};
  options.stdin_data = "hello\nworld\n";
  auto result = run_process(options);
  ASSERT_TRUE(result);
  EXPECT_EQ(result->stdout_text, "hello\nworld\n");
}

TEST_F(SubprocessTest, LargeStdinAndStdoutDoNotDeadlock) {
  SubprocessOptions options;
  options.argv = {"cat"};
  options.stdin_data = std::string(5 * 1024 * 1024, 'y');
  options.timeout = 20s;
  auto result = run_process(options);
  ASSERT_TRUE(result);
  EXPECT_FALSE(result->timed_out);
  EXPECT_EQ(result->stdout_text, *options.stdin_data);
}

TEST_F(SubprocessTest, ChildIgnoringStdinDoesNotKillUs) {
  SubprocessOptions options;
  options.argv = {"/bin/true"};
  options.stdin_data = std::string(4 * 1024 * 1024, 'z');
  auto result = run_process(options);
  ASSERT_TRUE(result);
  EXPECT_TRUE(result->ok());
}

TEST_F(SubprocessTest, StdinIsDevNullWithoutData) {
  auto result = run({"cat"});
  ASSERT_TRUE(result);
  EXPECT_TRUE(result->ok());
  EXPECT_EQ(result->stdout_text, "");
}

TEST_F(SubprocessTest, TimeoutKillsTheChild) {
  SubprocessOptions options;
  options.argv = {"sleep", "10"};
  options.timeout = 200ms;
  auto start = std::chrono::steady_clock::now();
  auto result = run_process(options);
  auto elapsed = std::chrono::steady_clock::now() - start;
  ASSERT_TRUE(result);
  EXPECT_TRUE(result->timed_out);
  EXPECT_FALSE(result->ok());
  EXPECT_EQ(result->term_signal, SIGKILL);
  EXPECT_LT(elapsed, 1500ms);
  EXPECT_TRUE(result->describe().starts_with("timed out"));
}

TEST_F(SubprocessTest, TimeoutHoldsForAChattyChild) {
  SubprocessOptions options;
  options.argv = {"/bin/sh", "-c", "exec yes >&2"};
  options.timeout = 300ms;
  auto start = std::chrono::steady_clock::now();
  auto result = run_process(options);
  ASSERT_TRUE(result);
  EXPECT_TRUE(result->timed_out);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 1500ms);
  EXPECT_EQ(result->stderr_tail.size(), 8192u);
  EXPECT_EQ(result->describe(), "timed out: y");
}

TEST_F(SubprocessTest, ReportsTheKillingSignal) {
  auto result = run({"/bin/sh", "-c", "kill -9 $$"});
  ASSERT_TRUE(result);
  EXPECT_EQ(result->term_signal, SIGKILL);
  EXPECT_EQ(result->describe(), "killed by signal 9");
}

TEST_F(SubprocessTest, MissingBinaryFailsCleanly) {
  auto result = run({"mdbop-no-such-program"});
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().message, "cannot run mdbop-no-such-program: No such file or directory");

  auto absolute = run({"/nonexistent/prog"});
  ASSERT_FALSE(absolute);
  EXPECT_EQ(absolute.error().message, "cannot run /nonexistent/prog: No such file or directory");

  EXPECT_FALSE(run({}));
}

TEST_F(SubprocessTest, ExtraEnvAddsAndOverrides) {
  SubprocessOptions options;
  options.argv = {"/bin/sh", "-c", "echo \"$MDBOP_TEST_VAR:$HOME\""};
  options.extra_env = {{"MDBOP_TEST_VAR", "added"}, {"HOME", "/overridden"}};
  auto result = run_process(options);
  ASSERT_TRUE(result);
  EXPECT_EQ(result->stdout_text, "added:/overridden\n");
}

TEST_F(SubprocessTest, InheritsTheEnvironment) {
  ::setenv("MDBOP_INHERITED", "yes", 1);
  auto result = run({"/bin/sh", "-c", "echo $MDBOP_INHERITED"});
  ::unsetenv("MDBOP_INHERITED");
  ASSERT_TRUE(result);
  EXPECT_EQ(result->stdout_text, "yes\n");
}

TEST_F(SubprocessTest, RunsInWorkingDir) {
  SubprocessOptions options;
  options.argv = {"/bin/pwd"};
  options.working_dir = dir_.string();
  auto result = run_process(options);
  ASSERT_TRUE(result);
  EXPECT_EQ(result->stdout_text, dir_.string() + "\n");

  options.working_dir = (dir_ / "missing").string();
  auto missing = run_process(options);
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().message.find("in " + options.working_dir), std::string::npos);
}

TEST_F(SubprocessTest, OutputFileIsAppended) {
  auto log = dir_ / "out.log";
  SubprocessOptions options;
  options.argv = {"/bin/sh", "-c", "echo one; echo two >&2"};
  options.output_file = log.string();
  auto first = run_process(options);
  ASSERT_TRUE(first);
  EXPECT_EQ(first->stdout_text, "");
  options.argv = {"/bin/echo", "three"};
  ASSERT_TRUE(run_process(options));
  EXPECT_EQ(read_file(log).value(), "one\ntwo\nthree\n");
  EXPECT_EQ(std::filesystem::status(log).permissions() & std::filesystem::perms::all,
            std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
}

TEST_F(SubprocessTest, OutputFileWithTimeout) {
  SubprocessOptions options;
  options.argv = {"sleep", "10"};
  options.output_file = (dir_ / "out.log").string();
  options.timeout = 100ms;
  auto result = run_process(options);
  ASSERT_TRUE(result);
  EXPECT_TRUE(result->timed_out);
}

TEST_F(SubprocessTest, SpawnDetachedLifecycle) {
  SubprocessOptions options;
  options.argv = {"sleep", "30"};
  auto pid = spawn_detached(options);
  ASSERT_TRUE(pid) << pid.error().message;
  EXPECT_TRUE(process_alive(*pid));
  EXPECT_EQ(::getsid(*pid), *pid);  // its own session
  EXPECT_TRUE(eventually([&] { return process_cmdline(*pid) == "sleep 30"; }));

  ASSERT_EQ(::kill(*pid, SIGKILL), 0);
  // Dead but unreaped is a zombie, which does not count as alive.
  EXPECT_TRUE(eventually([&] { return !process_alive(*pid); }));
  reap_if_exited(*pid);
  EXPECT_NE(::kill(*pid, 0), 0);
  EXPECT_EQ(process_cmdline(*pid), "");
  reap_if_exited(*pid);  // harmless twice
}

TEST_F(SubprocessTest, SpawnDetachedAppendsOutputAndClosesOtherFds) {
  // A descriptor without O_CLOEXEC, as a careless library might leave one.
  int leaked = ::open("/dev/null", O_RDONLY);
  ASSERT_GE(leaked, 0);
  auto log = dir_ / "node.log";
  ASSERT_TRUE(write_file_atomic(log, "earlier\n"));
  SubprocessOptions options;
  options.argv = {"/bin/sh", "-c",
                  "echo out; echo err >&2; read x || echo stdin-empty; "
                  "if [ -e /proc/$$/fd/" +
                      std::to_string(leaked) + " ]; then echo leaked; else echo closed; fi"};
  options.output_file = log.string();
  auto pid = spawn_detached(options);
  ::close(leaked);
  ASSERT_TRUE(pid) << pid.error().message;
  EXPECT_TRUE(eventually([&] { return !process_alive(*pid); }));
  reap_if_exited(*pid);
  EXPECT_EQ(read_file(log).value(), "earlier\nout\nerr\nstdin-empty\nclosed\n");
}

TEST_F(SubprocessTest, SpawnDetachedMissingBinaryFails) {
  SubprocessOptions options;
  options.argv = {"mdbop-no-such-program"};
  auto pid = spawn_detached(options);
  ASSERT_FALSE(pid);
  EXPECT_EQ(pid.error().message, "cannot run mdbop-no-such-program: No such file or directory");
}

TEST_F(SubprocessTest, ProcessAliveForOddPids) {
  EXPECT_TRUE(process_alive(::getpid()));
  EXPECT_FALSE(process_alive(0));
  EXPECT_FALSE(process_alive(-1));
  EXPECT_NE(process_cmdline(::getpid()), "");
}

TEST_F(SubprocessTest, ProcessUserIsItsRealAndEffectiveUser) {
  EXPECT_EQ(process_user(::getpid()), ::getuid());
  EXPECT_EQ(process_user(0), std::nullopt);
}

}  // namespace
}  // namespace mdbop

namespace mdbop {
namespace {

// Counts what reaches it, or fails once it has seen `fail_after` bytes.
class CountingSink : public ByteSink {
 public:
  explicit CountingSink(size_t fail_after = SIZE_MAX) : fail_after_(fail_after) {}
  Result<void> write(std::string_view bytes) override {
    count += bytes.size();
    if (count > fail_after_) return fail("storage refused the bytes");
    return {};
  }
  Result<void> finish() override { return {}; }
  size_t count = 0;

 private:
  size_t fail_after_;
};

SubprocessOptions shell(const std::string& script) {
  SubprocessOptions options;
  options.argv = {"sh", "-c", script};
  return options;
}

TEST(ProcessStreamTest, StdoutReachesTheSinkWhole) {
  CountingSink sink;
  auto result = run_process_to_sink(shell("head -c 5000000 /dev/zero; echo note >&2"), sink);
  ASSERT_TRUE(result) << result.error().what();
  EXPECT_TRUE(result->ok()) << result->describe();
  EXPECT_EQ(sink.count, 5000000u);
  EXPECT_NE(result->stderr_tail.find("note"), std::string::npos);
}

TEST(ProcessStreamTest, AFailingSinkStopsTheChildAndReportsItsError) {
  CountingSink sink(1000);
  auto result = run_process_to_sink(shell("exec cat /dev/zero"), sink);
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().message, "storage refused the bytes");
}

TEST(ProcessStreamTest, ShouldStopKillsTheChild) {
  CountingSink sink;
  auto result = run_process_to_sink(shell("exec sleep 30"), sink, [] { return true; });
  ASSERT_FALSE(result);
  EXPECT_NE(result.error().message.find("stopped"), std::string::npos);
}

class ProcessInputSinkTest : public TempDirTest {};

TEST_F(ProcessInputSinkTest, EveryByteReachesTheChild) {
  const std::string counted = (dir_ / "count").string();
  auto child = ProcessInputSink::start(shell("wc -c > " + counted));
  ASSERT_TRUE(child) << child.error().what();
  const std::string block(1 << 20, 'x');
  for (int i = 0; i < 8; ++i) ASSERT_TRUE((*child)->write(block));
  ASSERT_TRUE((*child)->finish());
  EXPECT_EQ(read_file(counted).value_or(""), "8388608\n");
}

TEST_F(ProcessInputSinkTest, AChildThatFailsIsReportedWithItsReason) {
  auto child = ProcessInputSink::start(shell("echo 'bad input' >&2; exit 3"));
  ASSERT_TRUE(child) << child.error().what();
  const std::string block(1 << 20, 'x');
  Result<void> outcome;
  for (int i = 0; i < 8 && outcome; ++i) outcome = (*child)->write(block);
  if (outcome) outcome = (*child)->finish();
  ASSERT_FALSE(outcome);
  EXPECT_NE(outcome.error().message.find("exited with 3: bad input"), std::string::npos)
      << outcome.error().message;
}

// Lines as /proc/<pid>/stat gives them; process_arguments waits for the arguments of the first
// only.
TEST(MayBeOwnChildInExec, OnlyAChildOfOursThatIsNoKernelThread) {
  const std::string our_child =
      "11462 (setpriv) R 11438 11462 11462 0 -1 4194304 100 0 0 0 0 0 0 0 20 0 1 0 6317798 "
      "3133440 388 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 0 0 0 0 0 0";
  EXPECT_TRUE(may_be_own_child_in_exec(our_child, 11438));
  EXPECT_FALSE(may_be_own_child_in_exec(our_child, 11439)) << "someone else's process";
  std::string exited = our_child;
  exited.replace(exited.find(") R "), 4, ") Z ");
  EXPECT_FALSE(may_be_own_child_in_exec(exited, 11438)) << "a zombie shows none for good";

  const std::string kernel_thread =
      "2 (kthreadd) S 0 0 0 0 -1 2129984 0 0 0 0 0 1 0 0 20 0 1 0 5 0 0 "
      "18446744073709551615 0 0 0 0 0 0 0 2147483647 0 1 0 0 0 0 0 0 0";
  EXPECT_FALSE(may_be_own_child_in_exec(kernel_thread, 0)) << "PF_KTHREAD is set";
  const std::string worker =
      "117 (kworker/u8:1 (x)) I 2 0 0 0 -1 69238880 0 0 0 0 0 3 0 0 20 0 1 0 40 0 0 "
      "18446744073709551615 0 0 0 0 0 0 0 2147483647 0 0 0 0 17 1 0 0 0 0 0";
  EXPECT_FALSE(may_be_own_child_in_exec(worker, 2)) << "PF_KTHREAD is set, whatever its parent";

  EXPECT_FALSE(may_be_own_child_in_exec("11462 (cut short) R 11438", 11438));
  EXPECT_FALSE(may_be_own_child_in_exec("", 11438));
}

}  // namespace
}  // namespace mdbop
