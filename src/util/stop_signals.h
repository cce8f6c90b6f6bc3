// The signals that stop a long-running mdbop process (SIGTERM, SIGINT), blocked in the calling
// thread and every thread it starts afterwards, so that one thread takes them synchronously
// (sigwait, sigtimedwait) and no worker is interrupted; SIGPIPE ignored, so that a peer that
// went away fails a write instead of ending the process.
#pragma once

#include <signal.h>

namespace mdbop {

// REQUIRES: called before any other thread is started. Returns the blocked set.
sigset_t block_stop_signals();

}  // namespace mdbop
