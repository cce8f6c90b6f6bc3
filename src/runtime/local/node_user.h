// NodeUser: the operating-system account a node's processes run as. When mdbop runs as root,
// nodes never do: they run as Debian's `mysql` account, so that SQL root (FILE privilege,
// SST scripts, plugins) is not OS root. Otherwise they run as mdbop's own user.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <string>
#include <vector>

#include "util/result.h"

namespace mdbop {

struct NodeUser {
  uid_t uid = 0;
  gid_t gid = 0;
  std::string name;
  bool is_other_user = false;  // true when processes must switch to it (mdbop runs as root)
};

// The account for this installation's nodes: `mysql` when running as root, else our own.
Result<NodeUser> node_user_for_this_process();

// `argv` run as `user`: through setpriv(1) (util-linux) when it is another user, so that the
// program never holds root's privileges, not even before it would drop them itself.
std::vector<std::string> run_as(const NodeUser& user, std::vector<std::string> argv);

// Makes `path` (recursively) the user's, so its processes can write it; nothing to do when the
// user is our own.
Result<bool> hand_over(const std::filesystem::path& path, const NodeUser& user);

// Makes the directory `path` ours (mode `mode`) but open to the user's group, for what a node
// reads and must not change (its tls/ directory; files get their group as they are written).
Result<bool> share_read_only(const std::filesystem::path& path, const NodeUser& user, mode_t mode);

// Creates the directory `path` (and its parents) if missing and makes it passable for the user
// (0711: its processes reach what lies below, nobody lists it), or 0700 when the user is ours.
Result<bool> make_passable(const std::filesystem::path& path, const NodeUser& user);

// Fails, naming the directory and the fix, when `user` cannot enter every directory on the
// way to `path` (the default home of root, /root/..., is closed to other users).
Result<bool> check_reachable(const std::filesystem::path& path, const NodeUser& user);

}  // namespace mdbop
