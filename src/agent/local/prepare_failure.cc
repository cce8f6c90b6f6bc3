#include "agent/local/prepare_failure.h"

#include <array>
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
  if (result.timed_out || result.term_signal != 0) return ErrorCode::kUnavailable;
  for (std::string_view words : kResourceWords) {
    if (result.stderr_tail.find(words) != std::string::npos) return ErrorCode::kUnavailable;
  }
  return ErrorCode::kCorrupt;
}

}  // namespace mdbop
