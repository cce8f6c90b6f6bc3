#include "storage/filesystem_storage.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <system_error>

#include "storage/file_writer.h"

namespace mdbop {

namespace fs = std::filesystem;

namespace {

constexpr std::size_t kReadChunk = 1 << 20;

tl::unexpected<Error> io_failure(int error, std::string_view doing, const fs::path& path) {
  return fail(describe_io_error(error, doing, path));
}

// Creates each missing directory of `relative` below root with mode 0700: backups may hold
// anything the database holds, so they are nobody else's to read.
Result<void> make_directories(const fs::path& root, const fs::path& relative) {
  fs::path dir = root;
  for (const auto& segment : relative) {
    dir /= segment;
    if (::mkdir(dir.c_str(), 0700) == 0) continue;
    if (errno != EEXIST) return io_failure(errno, "creating", dir);
    struct stat st {};
    if (::stat(dir.c_str(), &st) < 0 || !S_ISDIR(st.st_mode)) {
      return io_failure(ENOTDIR, "creating", dir);
    }
  }
  return {};
}

}  // namespace

Result<std::unique_ptr<FilesystemStorage>> FilesystemStorage::open(const fs::path& where) {
  if (!where.is_absolute()) {
    return fail("backup directory \"" + where.string() + "\" must be an absolute path");
  }
  fs::path root = where.lexically_normal();
  if (!root.has_filename() && root.has_relative_path()) root = root.parent_path();
  std::error_code ec;
  fs::create_directories(root.parent_path(), ec);
  if (ec) return fail("cannot create " + root.parent_path().string() + ": " + ec.message());
  if (::mkdir(root.c_str(), 0700) < 0 && errno != EEXIST) {
    return io_failure(errno, "creating", root);
  }
  if (!fs::is_directory(root, ec)) return fail(root.string() + " is not a directory");
  return std::unique_ptr<FilesystemStorage>(new FilesystemStorage(root));
}

Result<std::unique_ptr<ObjectWriter>> FilesystemStorage::create(const std::string& key,
                                                                ObjectUse /*use*/) {
  if (auto valid = check_key(key); !valid) return tl::unexpected(valid.error());
  const fs::path target = root_ / key;
  // A concurrent remove() may prune the directory just made; making it again is enough.
  for (int attempt = 0;; ++attempt) {
    if (auto made = make_directories(root_, fs::path(key).parent_path()); !made) {
      return tl::unexpected(made.error());
    }
    auto writer = create_file_writer(target, Overwrite::kReplace);
    if (writer || writer.error().code != ErrorCode::kNotFound || attempt == 2) return writer;
  }
}

Result<void> FilesystemStorage::read(const std::string& key, ByteSink& sink) {
  if (auto valid = check_key(key); !valid) return valid;
  fs::path path = root_ / key;
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) {
      return fail(ErrorCode::kNotFound, "backup object " + path.string() + " does not exist");
    }
    return io_failure(errno, "reading", path);
  }
  std::string buffer(kReadChunk, '\0');
  Result<void> outcome;
  while (outcome) {
    ssize_t n = ::read(fd, buffer.data(), buffer.size());
    if (n < 0 && errno == EINTR) continue;
    if (n == 0) break;
    outcome = n < 0 ? io_failure(errno, "reading", path)
                    : sink.write(std::string_view(buffer.data(), static_cast<std::size_t>(n)));
  }
  ::close(fd);
  return outcome;
}

Result<std::vector<StoredObject>> FilesystemStorage::list(const std::string& prefix) {
  if (auto valid = check_prefix(prefix); !valid) return tl::unexpected(valid.error());
  // Only the directory the prefix's complete segments name can hold matches.
  fs::path start = root_ / prefix.substr(0, prefix.rfind('/') + 1);
  std::vector<StoredObject> objects;
  std::error_code ec;
  if (!fs::is_directory(start, ec)) return objects;
  fs::recursive_directory_iterator it(start, ec), end;
  for (; !ec && it != end; it.increment(ec)) {
    const fs::directory_entry& entry = *it;
    if (entry.path().filename().string().starts_with('.')) {
      it.disable_recursion_pending();
      continue;
    }
    struct stat st {};
    if (::stat(entry.path().c_str(), &st) < 0 || !S_ISREG(st.st_mode)) continue;
    std::string key = entry.path().lexically_relative(root_).generic_string();
    if (!key.starts_with(prefix)) continue;
    auto modified = std::chrono::system_clock::time_point(
        std::chrono::duration_cast<std::chrono::system_clock::duration>(
            std::chrono::seconds(st.st_mtim.tv_sec) +
            std::chrono::nanoseconds(st.st_mtim.tv_nsec)));
    objects.push_back({std::move(key), static_cast<std::uint64_t>(st.st_size), modified});
  }
  if (ec) return fail("cannot list " + start.string() + ": " + ec.message());
  std::sort(objects.begin(), objects.end(),
            [](const StoredObject& a, const StoredObject& b) { return a.key < b.key; });
  return objects;
}

Result<void> FilesystemStorage::remove(const std::string& key) {
  if (auto valid = check_key(key); !valid) return valid;
  fs::path path = root_ / key;
  if (::unlink(path.c_str()) < 0 && errno != ENOENT) return io_failure(errno, "removing", path);
  // rmdir() refuses non-empty directories, which ends the walk.
  for (fs::path dir = fs::path(key).parent_path(); !dir.empty(); dir = dir.parent_path()) {
    if (::rmdir((root_ / dir).c_str()) < 0) break;
  }
  return {};
}

std::string FilesystemStorage::location(const std::string& key) const {
  return (root_ / key).string();
}

Result<void> FilesystemStorage::remove_folder(const std::string& folder) {
  if (auto valid = check_key(folder); !valid) return valid;
  std::error_code ec;
  std::filesystem::remove_all(root_ / folder, ec);
  if (ec) return fail(describe_io_error(ec.value(), "removing", root_ / folder));
  return {};
}

}  // namespace mdbop
