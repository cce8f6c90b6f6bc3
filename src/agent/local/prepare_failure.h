// Whose failure a `mariadb-backup --prepare` that did not succeed was: the data's, or the
// machine's. A check of an artifact (spec.verifyAfterBackup, `mdbop backup verify`) marks an
// artifact bad only for the first; the second leaves it unchecked, to be checked again.
#pragma once

#include "util/result.h"
#include "util/subprocess.h"

namespace mdbop {

// kCorrupt when it exited non-zero on its own or died of SIGABRT, SIGSEGV or SIGBUS (InnoDB's
// end on a page it cannot apply), except for an operating system resource it names in its last
// words (no space, no memory, too many open files): those, another signal (the OOM killer's
// SIGKILL, a shutdown) and a timeout are kUnavailable.
// REQUIRES: !result.ok().
ErrorCode prepare_failure_code(const SubprocessResult& result);

}  // namespace mdbop
