#include "runtime/local/node_user.h"

#include <fcntl.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace mdbop {

namespace fs = std::filesystem;

namespace {

constexpr const char* kNodeAccount = "mysql";

Result<NodeUser> look_up(uid_t uid, const char* name) {
  struct passwd entry;
  struct passwd* found = nullptr;
  std::vector<char> buffer(16384);
  int rc = name ? getpwnam_r(name, &entry, buffer.data(), buffer.size(), &found)
                : getpwuid_r(uid, &entry, buffer.data(), buffer.size(), &found);
  if (rc != 0 || found == nullptr) {
    if (name) {
      return fail(std::string("mdbop runs as root, so its nodes run as the user '") + name +
                  "', which does not exist: install Debian's mariadb-server package (it creates "
                  "it) or create the user");
    }
    return fail("user id " + std::to_string(uid) + " has no passwd entry");
  }
  return NodeUser{found->pw_uid, found->pw_gid, found->pw_name, false};
}

}  // namespace

Result<NodeUser> node_user_for_this_process() {
  if (geteuid() != 0) return look_up(geteuid(), nullptr);
  auto user = look_up(0, kNodeAccount);
  if (!user) return user;
  if (user->uid == 0) return fail(std::string("the user '") + kNodeAccount + "' is root");
  user->is_other_user = true;
  return user;
}

std::vector<std::string> run_as(const NodeUser& user, std::vector<std::string> argv) {
  if (!user.is_other_user) return argv;
  std::vector<std::string> command = {"setpriv", "--reuid=" + std::to_string(user.uid),
                                      "--regid=" + std::to_string(user.gid), "--init-groups", "--"};
  command.insert(command.end(), argv.begin(), argv.end());
  return command;
}

Result<bool> hand_over(const fs::path& path, const NodeUser& user) {
  if (!user.is_other_user) return true;
  auto give = [&](const fs::path& p) -> Result<bool> {
    if (lchown(p.c_str(), user.uid, user.gid) != 0) {
      return fail("cannot give " + p.string() + " to user " + user.name + ": " +
                  std::strerror(errno));
    }
    return true;
  };
  if (auto given = give(path); !given) return given;
  std::error_code ec;
  if (!fs::is_directory(fs::symlink_status(path, ec))) return true;
  for (auto it = fs::recursive_directory_iterator(path, ec); !ec && it != fs::end(it);
       it.increment(ec)) {
    if (auto given = give(it->path()); !given) return given;
  }
  if (ec) return fail("cannot read " + path.string() + ": " + ec.message());
  return true;
}

Result<bool> share_read_only(const fs::path& path, const NodeUser& user, mode_t mode) {
  if (chmod(path.c_str(), mode) != 0 ||
      (user.is_other_user && lchown(path.c_str(), geteuid(), user.gid) != 0)) {
    return fail("cannot share " + path.string() + " with user " + user.name + ": " +
                std::strerror(errno));
  }
  return true;
}

Result<bool> make_passable(const fs::path& path, const NodeUser& user) {
  std::error_code ec;
  fs::create_directories(path, ec);
  if (ec) return fail("cannot create " + path.string() + ": " + ec.message());
  fs::permissions(path,
                  user.is_other_user
                      ? fs::perms::owner_all | fs::perms::group_exec | fs::perms::others_exec
                      : fs::perms::owner_all,
                  ec);
  if (ec) return fail("cannot set the permissions of " + path.string() + ": " + ec.message());
  return true;
}

Result<bool> check_reachable(const fs::path& path, const NodeUser& user) {
  if (!user.is_other_user) return true;
  fs::path walked;
  for (const fs::path& part : path.parent_path()) {
    walked /= part;
    struct stat st;
    if (stat(walked.c_str(), &st) != 0) break;  // what does not exist yet, we create
    bool enterable = st.st_uid == user.uid   ? (st.st_mode & S_IXUSR) != 0
                     : st.st_gid == user.gid ? (st.st_mode & S_IXGRP) != 0
                                             : (st.st_mode & S_IXOTH) != 0;
    if (!enterable) {
      return fail("nodes run as the user " + user.name + ", who cannot enter " + walked.string() +
                  ": choose an MDBOP_HOME outside it or let others pass through it (chmod o+x " +
                  walked.string() + ")");
    }
  }
  return true;
}

}  // namespace mdbop
