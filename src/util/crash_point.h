// A test hook, not a user feature: a named place where the process can be made to die, so a
// test can kill the operator exactly between two steps (say, after persisting a decision and
// before acting on it) instead of racing a kill against the work.
//
// When the environment variable MDBOP_CRASH_POINT equals `name` (read once, at the first
// call), crash_point(name) logs one line and kills the process with SIGKILL: no destructor,
// no flush beyond that line, as a real crash. Otherwise it does nothing.
#pragma once

#include <string_view>

namespace mdbop {

void crash_point(std::string_view name);

}  // namespace mdbop
