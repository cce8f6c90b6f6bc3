#include "util/private_home.h"

#include <pwd.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include <fmt/format.h>

namespace mdbop {

namespace fs = std::filesystem;

namespace {

std::string user_name(uid_t uid) {
  const passwd* entry = getpwuid(uid);
  return fmt::format("uid {}{}", uid, entry ? fmt::format(" ({})", entry->pw_name) : "");
}

std::string mode_text(mode_t mode) { return fmt::format("{:04o}", mode & 07777); }

// A directory above the home: root's or ours, and only a sticky one may be writable by others.
Result<void> check_ancestor(const fs::path& dir, const fs::path& home) {
  struct stat info {};
  if (::lstat(dir.c_str(), &info) != 0) {
    return fail("cannot inspect " + dir.string() + ": " + std::strerror(errno));
  }
  const std::string what = dir.string() + " (above MDBOP_HOME " + home.string() + ")";
  if (info.st_uid != 0 && info.st_uid != ::geteuid()) {
    return fail(what + " is owned by " + user_name(info.st_uid) +
                ", who could replace the home; use an MDBOP_HOME below directories of root or " +
                user_name(::geteuid()));
  }
  if (S_ISDIR(info.st_mode) && (info.st_mode & (S_IWGRP | S_IWOTH)) != 0 &&
      (info.st_mode & S_ISVTX) == 0) {
    return fail(what + " is writable by group or others (mode " + mode_text(info.st_mode) +
                "), who could replace the home; chmod go-w " + dir.string());
  }
  return {};
}

}  // namespace

Result<void> ensure_owned_dir(const fs::path& dir, mode_t mode) {
  if (::mkdir(dir.c_str(), mode) != 0 && errno != EEXIST) {
    return fail("cannot create " + dir.string() + ": " + std::strerror(errno));
  }
  struct stat info {};
  if (::lstat(dir.c_str(), &info) != 0) {
    return fail("cannot inspect " + dir.string() + ": " + std::strerror(errno));
  }
  if (!S_ISDIR(info.st_mode)) {
    return fail(dir.string() + " is not a directory; remove it or set MDBOP_HOME elsewhere");
  }
  if (info.st_uid != ::geteuid()) {
    return fail(dir.string() + " is owned by " + user_name(info.st_uid) + ", not by " +
                user_name(::geteuid()) +
                " who runs mdbop, so its owner could swap what mdbop acts on; chown -R " +
                std::to_string(::geteuid()) + " " + dir.string() +
                " if its contents are trusted, or set MDBOP_HOME to a new directory");
  }
  if ((info.st_mode & (S_IWGRP | S_IWOTH)) != 0) {
    return fail(dir.string() + " is writable by group or others (mode " + mode_text(info.st_mode) +
                "), who could swap what mdbop acts on; chmod " + mode_text(mode) + " " +
                dir.string() +
                " if its contents are trusted, or set MDBOP_HOME to a new directory");
  }
  if ((info.st_mode & 07777) != mode && ::chmod(dir.c_str(), mode) != 0) {
    return fail("cannot chmod " + dir.string() + ": " + std::strerror(errno));
  }
  return {};
}

Result<void> prepare_home(const fs::path& home) {
  std::error_code ec;
  fs::create_directories(home.parent_path(), ec);
  if (ec) return fail("cannot create " + home.parent_path().string() + ": " + ec.message());
  for (fs::path dir = home.parent_path();; dir = dir.parent_path()) {
    if (auto checked = check_ancestor(dir, home); !checked) return checked;
    if (dir == dir.root_path()) break;
  }
  if (auto made = ensure_owned_dir(home, 0711); !made) return made;
  return ensure_owned_dir(home / "store", 0700);
}

}  // namespace mdbop
