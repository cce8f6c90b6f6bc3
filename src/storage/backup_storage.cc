#include "storage/backup_storage.h"

namespace mdbop {

namespace {

// Checks segments; the last one may be empty when `allow_empty_last` (a prefix ending in '/').
Result<void> check_segments(std::string_view what, std::string_view text, bool allow_empty_last) {
  auto invalid = [&](std::string_view why) {
    return fail("invalid storage " + std::string(what) + " \"" + std::string(text) +
                "\": " + std::string(why));
  };
  if (text.find('\0') != std::string_view::npos) return invalid("contains a NUL byte");
  if (text.starts_with('/')) return invalid("must be relative (no leading '/')");
  std::size_t start = 0;
  while (true) {
    std::size_t end = text.find('/', start);
    bool last = end == std::string_view::npos;
    std::string_view segment = text.substr(start, last ? std::string_view::npos : end - start);
    if (segment.empty() && !(last && allow_empty_last)) return invalid("has an empty segment");
    if (segment == "..") return invalid("must not contain \"..\"");
    if (segment.starts_with('.')) return invalid("a segment must not start with '.'");
    if (last) return {};
    start = end + 1;
  }
}

// Collects a whole object in memory, up to `max_bytes`: a planted giant object is refused, not
// read into memory.
class BoundedStringSink : public ByteSink {
 public:
  BoundedStringSink(std::string& out, std::size_t max_bytes) : out_(out), max_bytes_(max_bytes) {}
  Result<void> write(std::string_view bytes) override {
    if (bytes.size() > max_bytes_ - out_.size()) {
      return fail(ErrorCode::kCorrupt,
                  "larger than the " + std::to_string(max_bytes_) + " bytes such an object has");
    }
    out_.append(bytes);
    return {};
  }
  Result<void> finish() override { return {}; }

 private:
  std::string& out_;
  const std::size_t max_bytes_;
};

}  // namespace

Result<std::string> BackupStorage::read_all(const std::string& key, std::size_t max_bytes) {
  std::string content;
  BoundedStringSink sink(content, max_bytes);
  if (auto done = read(key, sink); !done) return tl::unexpected(done.error());
  return content;
}

Result<void> BackupStorage::put_all(const std::string& key, std::string_view bytes) {
  auto writer = create(key, ObjectUse::kIndex);
  if (!writer) return tl::unexpected(writer.error());
  if (auto written = (*writer)->write(bytes); !written) return written;
  return (*writer)->finish();
}

Result<void> BackupStorage::remove_folder(const std::string& folder) {
  auto objects = list(folder + "/");
  if (!objects) return tl::unexpected(objects.error());
  for (const StoredObject& object : *objects) {
    if (auto removed = remove(object.key); !removed) return removed;
  }
  return {};
}

Result<void> check_key(std::string_view key) {
  if (key.empty()) return fail("invalid storage key: empty");
  return check_segments("key", key, false);
}

Result<void> check_prefix(std::string_view prefix) {
  if (prefix.empty()) return {};
  return check_segments("prefix", prefix, true);
}

}  // namespace mdbop
