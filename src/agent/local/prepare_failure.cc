#include "agent/local/prepare_failure.h"

#include <array>
#include <csignal>
#include <string_view>

namespace mdbop {
namespace {

// How the C library (strerror() of ENOSPC, EDQUOT, ENOMEM, EMFILE) and InnoDB ("Operating
// system error number 28 in a file operation") word what a prepare can run out of.
constexpr std::array<std::string_view, 8> kResourceWords = {
    "No space left on device", "Disk quota exceeded", "Cannot allocate memory", "Out of memory",
    "out of memory",           "Too many open files", "error number 28",        "error number 12"};

}  // namespace

ErrorCode prepare_failure_code(const SubprocessResult& result) {
  // InnoDB aborts (SIGABRT, or dies of SIGSEGV/SIGBUS) on a page it cannot apply: the data's
  // fault. A kill (the OOM killer's SIGKILL, a stop's SIGTERM) and a timeout are the machine's.
  if (result.timed_out) return ErrorCode::kUnavailable;
  if (result.term_signal == SIGABRT || result.term_signal == SIGSEGV ||
      result.term_signal == SIGBUS) {
    return ErrorCode::kCorrupt;
  }
  if (result.term_signal != 0) return ErrorCode::kUnavailable;
  for (std::string_view words : kResourceWords) {
    if (result.stderr_tail.find(words) != std::string::npos) return ErrorCode::kUnavailable;
  }
  return ErrorCode::kCorrupt;
}

}  // namespace mdbop
