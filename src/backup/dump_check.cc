#include "backup/dump_check.h"

#include <array>

#include "backup/logical_users.h"

namespace mdbop {
namespace {

// A line longer than this cannot be one of the beginnings below.
constexpr std::size_t kLongestFirstLine = 200;

// A recent mariadb-dump (10.11.19 here) begins with "/*M!999999\- enable the sandbox
// mode */", a MariaDB executable comment; older ones with their header comment, or with
// "/*!40101 SET ..." under --skip-comments.
constexpr std::array<std::string_view, 5> kDumpBeginnings = {
    "/*M!999999\\- enable the sandbox mode */", "-- MariaDB dump", "-- MySQL dump", "/*!",
    kAccountsComment};

}  // namespace

Result<void> DumpCheck::write(std::string_view bytes) {
  if (checked_) return {};
  // Blank lines before the first one are skipped (the accounts part starts with one).
  if (first_line_.empty())
    bytes.remove_prefix(std::min(bytes.find_first_not_of('\n'), bytes.size()));
  const std::size_t end = bytes.find('\n');
  first_line_.append(bytes.substr(0, end));
  if (end != std::string_view::npos || first_line_.size() >= kLongestFirstLine) {
    return check();
  }
  return {};
}

Result<void> DumpCheck::finish() {
  if (checked_) return {};
  if (first_line_.empty()) return fail(ErrorCode::kCorrupt, "no SQL in it: the dump is empty");
  return check();
}

Result<void> DumpCheck::check() {
  checked_ = true;
  if (first_line_.size() > kLongestFirstLine) first_line_.resize(kLongestFirstLine);
  for (std::string_view beginning : kDumpBeginnings) {
    if (first_line_.starts_with(beginning)) return {};
  }
  std::string shown = first_line_.substr(0, 60);
  for (char& c : shown) {
    if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) >= 0x7f) c = '?';
  }
  return fail(ErrorCode::kCorrupt,
              "not a dump of mariadb-dump: its first line is \"" + shown + "\"");
}

}  // namespace mdbop
