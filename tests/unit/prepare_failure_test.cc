// Whose failure a mariadb-backup --prepare that did not succeed was: the data's or the machine's.
#include "agent/local/prepare_failure.h"

#include <gtest/gtest.h>

#include <csignal>

namespace mdbop {
namespace {

SubprocessResult exited(int code, const std::string& stderr_tail) {
  SubprocessResult result;
  result.exit_code = code;
  result.stderr_tail = stderr_tail;
  return result;
}

TEST(PrepareFailureTest, APrepareThatFailsOnTheDataIsCorrupt) {
  EXPECT_EQ(prepare_failure_code(exited(1,
                                        "[ERROR] InnoDB: Page [page id: space=5, page "
                                        "number=3] log sequence number is in the future\n")),
            ErrorCode::kCorrupt);
  EXPECT_EQ(prepare_failure_code(exited(1, "")), ErrorCode::kCorrupt);
  // InnoDB's assertion on a page it cannot apply ends it by SIGABRT (or a crash).
  for (int signal : {SIGABRT, SIGSEGV, SIGBUS}) {
    SubprocessResult crashed;
    crashed.term_signal = signal;
    EXPECT_EQ(prepare_failure_code(crashed), ErrorCode::kCorrupt) << signal;
  }
}

TEST(PrepareFailureTest, WhatTheMachineRanOutOfOrAKillIsNotTheArtifactsFault) {
  for (const std::string words :
       {"[ERROR] InnoDB: Write to file ./ib_logfile0 failed at offset 0, 65536 bytes should have "
        "been written, only 0 were written. Operating system error number 28.",
        "mariabackup: Error writing file 'ibdata1' (errno: 28 \"No space left on device\")",
        "[ERROR] InnoDB: Cannot allocate memory for the buffer pool",
        "[ERROR] mariabackup: Too many open files"}) {
    EXPECT_EQ(prepare_failure_code(exited(1, words)), ErrorCode::kUnavailable) << words;
  }
  SubprocessResult killed;
  killed.term_signal = 9;  // the OOM killer, or a shutdown
  EXPECT_EQ(prepare_failure_code(killed), ErrorCode::kUnavailable);
  SubprocessResult timed_out = exited(1, "");
  timed_out.timed_out = true;
  EXPECT_EQ(prepare_failure_code(timed_out), ErrorCode::kUnavailable);
}

}  // namespace
}  // namespace mdbop
