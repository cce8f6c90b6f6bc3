#include "runtime/local/data_lineage.h"

#include <sys/stat.h>
#include <unistd.h>

#include <optional>
#include <system_error>

#include "util/files.h"
#include "util/random_password.h"

namespace mdbop {

namespace {

constexpr std::size_t kIdLength = 32;

// The mark of this node when `mark` holds one: a regular file (not a link, not a pipe) of one
// line "<pod> <id>".
std::optional<std::string> existing_mark(const std::filesystem::path& mark,
                                         const std::string& pod) {
  std::error_code ec;
  const auto status = std::filesystem::symlink_status(mark, ec);
  if (ec || !std::filesystem::is_regular_file(status)) return std::nullopt;
  const std::string expected_prefix = pod + " ";
  if (std::filesystem::file_size(mark, ec) > expected_prefix.size() + kIdLength + 1 || ec) {
    return std::nullopt;
  }
  auto text = read_file(mark);
  if (!text) return std::nullopt;
  const std::string line = text->substr(0, text->find('\n'));
  if (!line.starts_with(expected_prefix) || line.size() != expected_prefix.size() + kIdLength) {
    return std::nullopt;
  }
  return line;
}

}  // namespace

Result<std::string> data_lineage(const std::filesystem::path& data_dir, const std::string& pod,
                                 const std::filesystem::path& lock) {
  const std::filesystem::path mark = data_dir / kLineageMark;
  struct stat schema {};
  if (::stat(mark.parent_path().c_str(), &schema) != 0 || !S_ISDIR(schema.st_mode)) {
    return fail(data_dir.string() + " holds no data (no mysql directory) to mark");
  }
  std::optional<FileLock> held;
  try {
    held.emplace(lock);
  } catch (const std::system_error& e) {
    return fail("locking " + lock.string() + ": " + e.what());
  }
  if (auto line = existing_mark(mark, pod)) return *line;
  auto id = random_password(kIdLength);
  if (!id) return tl::unexpected(id.error());
  const std::string line = pod + " " + *id;
  std::error_code ignored;
  std::filesystem::remove(mark, ignored);  // whatever was there: a link is not followed
  if (auto written = write_file_atomic(mark, line + "\n", 0640, schema.st_gid); !written) {
    return tl::unexpected(written.error());
  }
  // The node user's, as the files around it: an rsync SST writes over it in place
  // (--inplace), which a file of root's would refuse.
  if (schema.st_uid != ::geteuid() && ::chown(mark.c_str(), schema.st_uid, schema.st_gid) != 0) {
    return fail("cannot give " + mark.string() + " to the owner of its directory");
  }
  return line;
}

}  // namespace mdbop
