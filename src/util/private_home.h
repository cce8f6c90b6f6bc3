// MDBOP_HOME as a place only its user controls. Whoever can write the home, or a directory
// above it, can swap in a store (objects, Secrets) that mdbop then acts on with its user's
// rights; so mdbop refuses a home it does not own outright.
//
// Layout: the home 0711 (node processes run as another user reach their directories below
// it, but cannot list it), store/ 0700 (objects and Secrets), both owned by the user running
// mdbop.
#pragma once

#include <sys/stat.h>

#include <filesystem>

#include "util/result.h"

namespace mdbop {

// Creates `dir` with `mode` if it is missing; then requires a real directory (not a symlink)
// owned by this process's effective user and writable by nobody else, and sets `mode` on it.
// Fails with the reason and the command that fixes it.
Result<void> ensure_owned_dir(const std::filesystem::path& dir, mode_t mode);

// Makes `home` (absolute) and its store ready as above, after checking that every existing
// directory above it belongs to root or this user and is writable by nobody else (a sticky
// directory such as /tmp excepted), so that no one else can replace the home either.
Result<void> prepare_home(const std::filesystem::path& home);

}  // namespace mdbop
