#include "store/local_store.h"

#include <poll.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <climits>
#include <cstring>
#include <fstream>
#include <map>
#include <set>
#include <system_error>
#include <tuple>

#include "store/object_rules.h"
#include "util/files.h"
#include "util/json_text.h"

namespace mdbop {

namespace fs = std::filesystem;

namespace {

// events.jsonl is append-only (an event seen again is appended as an updated copy under the
// same metadata.name) and compacted to the newest kMaxEvents once it passes kCompactAtLines.
constexpr size_t kCompactAtLines = 4000;

Result<bool> write_object(const fs::path& path, const json& object) {
  return write_file_atomic(path, json_text(object, 2) + "\n", 0600);
}

// nullopt when the file does not exist.
Result<std::optional<json>> load(const fs::path& path) {
  auto text = read_file(path);
  if (!text) {
    std::error_code ec;
    if (!fs::exists(path, ec)) return std::nullopt;
    return tl::unexpected(text.error());
  }
  json object = json::parse(*text, nullptr, false);
  if (object.is_discarded() || !object.is_object()) return fail("cannot parse " + path.string());
  return object;
}

long long read_version(const fs::path& root) {
  auto text = read_file(root / "version");
  long long version = 0;
  if (text) std::from_chars(text->data(), text->data() + text->size(), version);
  return version;
}

// Written before the object that carries it: a crash in between wastes a number, never
// hands the same one out twice.
Result<std::string> next_version(const fs::path& root) {
  std::string version = std::to_string(read_version(root) + 1);
  auto written = write_file_atomic(root / "version", version + "\n", 0600);
  if (!written) return tl::unexpected(written.error());
  return version;
}

// Runs body under the store's lock; a lock that cannot be taken becomes an error.
template <class Body>
auto with_lock(const fs::path& root, Body&& body) -> decltype(body()) {
  try {
    FileLock lock(root / "lock");
    return body();
  } catch (const std::system_error& e) {
    return fail(ErrorCode::kUnavailable, e.what());
  }
}

std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> lines;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    if (end > start) lines.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return lines;
}

// Each event's newest copy, in the order of those copies, at most the kMaxEvents newest. A
// torn last line (a crash during an append) does not parse and is skipped.
std::vector<json> latest_events(const std::vector<std::string>& lines) {
  std::vector<json> all;
  for (const std::string& line : lines) {
    json event = json::parse(line, nullptr, false);
    if (event.is_object()) all.push_back(std::move(event));
  }
  std::map<std::string, size_t> newest;
  for (size_t i = 0; i < all.size(); ++i) newest[text_at(all[i]["metadata"], "name")] = i;
  std::vector<json> latest;
  for (size_t i = 0; i < all.size(); ++i) {
    if (newest[text_at(all[i]["metadata"], "name")] == i) latest.push_back(std::move(all[i]));
  }
  if (latest.size() > kMaxEvents) latest.erase(latest.begin(), latest.end() - kMaxEvents);
  return latest;
}

// Watches objects/ (for kind directories), each kind directory (for namespace directories) and
// each namespace directory (for object files renamed into place or deleted). A directory that
// appears is watched, then read: an object written into it before its watch existed is
// reported too.
class InotifyWatch final : public StoreWatch {
 public:
  static Result<std::unique_ptr<StoreWatch>> open(const fs::path& objects) {
    int fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    if (fd < 0) return fail(ErrorCode::kUnavailable, std::string("inotify: ") + strerror(errno));
    std::unique_ptr<InotifyWatch> watch(new InotifyWatch(fd, objects));
    if (!watch->add({}, false)) {
      return fail(ErrorCode::kUnavailable,
                  "cannot watch " + objects.string() + ": " + strerror(errno));
    }
    return std::unique_ptr<StoreWatch>(std::move(watch));
  }

  ~InotifyWatch() override { ::close(fd_); }

  StoreChanges wait(std::chrono::steady_clock::time_point deadline) override {
    while (true) {
      read_events();
      if (!pending_.empty() || resync_) {
        StoreChanges changes{{pending_.begin(), pending_.end()}, resync_};
        pending_.clear();
        resync_ = false;
        return changes;
      }
      auto left =
          std::chrono::ceil<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) return {};
      pollfd ready{fd_, POLLIN, 0};
      ::poll(&ready, 1, static_cast<int>(std::min<long long>(left.count(), INT_MAX)));
    }
  }

 private:
  // A watched directory: objects/ (kind empty), objects/<kind>/ (namespace_ empty) or
  // objects/<kind>/<namespace>/.
  struct Dir {
    std::string kind;
    std::string namespace_;
  };

  InotifyWatch(int fd, fs::path objects) : fd_(fd), objects_(std::move(objects)) {}

  fs::path path_of(const Dir& dir) const {
    if (dir.kind.empty()) return objects_;
    if (dir.namespace_.empty()) return objects_ / dir.kind;
    return objects_ / dir.kind / dir.namespace_;
  }

  // Watches `dir` and what is below it; `report` reports the objects found there as changed.
  bool add(const Dir& dir, bool report) {
    const bool objects_dir = dir.namespace_.empty();
    uint32_t mask = IN_ONLYDIR | (objects_dir ? IN_CREATE | IN_MOVED_TO
                                              : IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE);
    fs::path path = path_of(dir);
    int wd = inotify_add_watch(fd_, path.c_str(), mask);
    if (wd < 0) return false;
    dirs_[wd] = dir;
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(path, ec)) {
      std::string name = entry.path().filename().string();
      if (objects_dir) {
        if (entry.is_directory(ec) && valid_key_part(name)) add(child(dir, name), report);
      } else if (report) {
        note_object(dir, name);
      }
    }
    return true;
  }

  static Dir child(const Dir& dir, const std::string& name) {
    return dir.kind.empty() ? Dir{name, ""} : Dir{dir.kind, name};
  }

  void note_object(const Dir& dir, const std::string& file) {
    // write_file_atomic's temporary files start with a dot.
    if (file.starts_with(".") || !file.ends_with(".json")) return;
    pending_.insert({dir.kind, dir.namespace_, file.substr(0, file.size() - 5)});
  }

  void read_events() {
    alignas(inotify_event) char buffer[16384];
    while (true) {
      ssize_t length = ::read(fd_, buffer, sizeof buffer);
      if (length <= 0) return;  // EAGAIN: nothing more for now
      for (ssize_t at = 0; at < length;) {
        const auto* event = reinterpret_cast<const inotify_event*>(buffer + at);
        at += static_cast<ssize_t>(sizeof(inotify_event) + event->len);
        if (event->mask & IN_Q_OVERFLOW) {
          resync_ = true;
          continue;
        }
        auto it = dirs_.find(event->wd);
        if (it == dirs_.end()) continue;
        if (event->mask & IN_IGNORED) {
          dirs_.erase(it);
          continue;
        }
        if (event->len == 0) continue;
        const Dir dir = it->second;
        std::string name = event->name;
        if (dir.namespace_.empty()) {
          if ((event->mask & IN_ISDIR) && valid_key_part(name)) add(child(dir, name), true);
        } else {
          note_object(dir, name);
        }
      }
    }
  }

  int fd_;
  fs::path objects_;
  std::map<int, Dir> dirs_;
  std::set<ObjectKey> pending_;
  bool resync_ = false;
};

}  // namespace

LocalStore::LocalStore(fs::path root) : root_(std::move(root)) {
  std::error_code ec;
  fs::create_directories(root_ / "objects", ec);
  fs::permissions(root_, fs::perms::owner_all, ec);  // Secrets are stored here
}

fs::path LocalStore::object_path(const ObjectKey& key) const {
  return root_ / "objects" / key.kind / key.namespace_ / (key.name + ".json");
}

Result<json> LocalStore::get(const ObjectKey& key) const {
  auto valid = check_key(key);
  if (!valid) return tl::unexpected(valid.error());
  auto object = load(object_path(key));
  if (!object) return tl::unexpected(object.error());
  if (!*object) return fail(ErrorCode::kNotFound, "not found");
  return std::move(**object);
}

bool LocalStore::exists(const ObjectKey& key) const {
  std::error_code ec;
  return check_key(key) && fs::exists(object_path(key), ec);
}

std::vector<json> LocalStore::list(const std::string& kind, const std::string& namespace_) const {
  std::vector<json> objects;
  if (!valid_key_part(kind) || (!namespace_.empty() && !valid_key_part(namespace_))) {
    return objects;
  }
  fs::path kind_dir = root_ / "objects" / kind;
  std::vector<fs::path> namespace_dirs;
  std::error_code ec;
  if (!namespace_.empty()) {
    namespace_dirs.push_back(kind_dir / namespace_);
  } else {
    for (const auto& entry : fs::directory_iterator(kind_dir, ec)) {
      if (entry.is_directory(ec)) namespace_dirs.push_back(entry.path());
    }
  }
  for (const fs::path& dir : namespace_dirs) {
    for (const auto& entry : fs::directory_iterator(dir, ec)) {
      std::string file = entry.path().filename().string();
      // Skips write_file_atomic's temporary files, which start with a dot.
      if (file.starts_with(".") || entry.path().extension() != ".json") continue;
      auto object = load(entry.path());
      if (object && *object) objects.push_back(std::move(**object));
    }
  }
  std::sort(objects.begin(), objects.end(), [](const json& a, const json& b) {
    ObjectKey ka = key_of(a);
    ObjectKey kb = key_of(b);
    return std::tie(ka.namespace_, ka.name) < std::tie(kb.namespace_, kb.name);
  });
  return objects;
}

Result<ApplyResult> LocalStore::apply(const json& manifest) {
  ObjectKey key = key_of(manifest);
  auto valid = check_key(key);
  if (!valid) return tl::unexpected(valid.error());
  return with_lock(root_, [&]() -> Result<ApplyResult> {
    fs::path path = object_path(key);
    auto existing = load(path);
    if (!existing) return tl::unexpected(existing.error());
    ApplyResult result = apply_manifest(manifest, *existing, new_identity());
    if (result.outcome == ApplyOutcome::kUnchanged) return result;
    auto version = next_version(root_);
    if (!version) return tl::unexpected(version.error());
    result.object["metadata"]["resourceVersion"] = *version;
    auto written = write_object(path, result.object);
    if (!written) return tl::unexpected(written.error());
    return result;
  });
}

Result<json> LocalStore::update_status(const ObjectKey& key,
                                       const std::function<void(json& status)>& mutate) {
  return update(key, [&](json& object) { mutate_status(object, mutate); });
}

Result<json> LocalStore::update(const ObjectKey& key,
                                const std::function<void(json& object)>& mutate) {
  auto valid = check_key(key);
  if (!valid) return tl::unexpected(valid.error());
  return with_lock(root_, [&]() -> Result<json> {
    fs::path path = object_path(key);
    auto existing = load(path);
    if (!existing) return tl::unexpected(existing.error());
    if (!*existing) return fail(ErrorCode::kNotFound, "not found");
    auto updated = apply_update(key, **existing, mutate);
    if (!updated) return tl::unexpected(updated.error());
    if (!*updated) return std::move(**existing);
    json& object = **updated;
    auto version = next_version(root_);
    if (!version) return tl::unexpected(version.error());
    object["metadata"]["resourceVersion"] = *version;
    auto written = write_object(path, object);
    if (!written) return tl::unexpected(written.error());
    return std::move(object);
  });
}

Result<bool> LocalStore::remove(const ObjectKey& key) {
  auto valid = check_key(key);
  if (!valid) return tl::unexpected(valid.error());
  return with_lock(root_, [&]() -> Result<bool> {
    fs::path path = object_path(key);
    std::error_code ec;
    if (!fs::exists(path, ec)) return false;
    // A deletion takes a version too, as every change does.
    auto version = next_version(root_);
    if (!version) return tl::unexpected(version.error());
    if (!fs::remove(path, ec) && ec) {
      return fail("cannot remove " + path.string() + ": " + ec.message());
    }
    return true;
  });
}

long long LocalStore::current_version() const { return read_version(root_); }

Result<std::unique_ptr<StoreWatch>> LocalStore::watch() {
  return InotifyWatch::open(root_ / "objects");
}

void LocalStore::record_event(const json& involved_object, const std::string& type,
                              const std::string& reason, const std::string& message) {
  json reference = involved_object_of(involved_object);
  fs::path path = root_ / "events.jsonl";
  std::string now = rfc3339_now();
  try {
    FileLock lock(root_ / "lock");
    auto read = read_file(path);
    std::error_code ec;
    if (!read && fs::exists(path, ec)) return;  // rewriting an unreadable log would lose it
    std::string text = read.value_or("");

    // Newest first, look for the same event. Only lines holding the message as dump() writes
    // it can match (a dumped string has no raw newline, so a hit lies within one line), which
    // keeps this cheap on a long log.
    json event;
    std::string message_text = json_text(json(message), -1);
    size_t search_end = text.size();
    while (event.is_null() && search_end > 0) {
      size_t at = text.rfind(message_text, search_end - 1);
      if (at == std::string::npos) break;
      size_t start = text.rfind('\n', at);
      start = start == std::string::npos ? 0 : start + 1;
      size_t end = std::min(text.find('\n', at), text.size());
      json candidate = json::parse(text.begin() + start, text.begin() + end, nullptr, false);
      if (same_event(candidate, reference, type, reason, message)) event = std::move(candidate);
      search_end = start;
    }
    if (event.is_null()) event = new_event(reference, type, reason, message, now);
    count_event(event, now);
    std::string line = json_text(event, -1);

    if (static_cast<size_t>(std::count(text.begin(), text.end(), '\n')) + 1 > kCompactAtLines) {
      std::vector<std::string> lines = split_lines(text);
      lines.push_back(line);
      std::string compacted;
      for (const json& kept : latest_events(lines)) compacted += json_text(kept, -1) + "\n";
      (void)write_file_atomic(path, compacted, 0600);
    } else if (text.empty()) {
      (void)write_file_atomic(path, line + "\n", 0600);  // creates the file 0600
    } else {
      // A torn last line from a crash must not swallow this one.
      std::ofstream out(path, std::ios::app | std::ios::binary);
      out << (text.back() == '\n' ? "" : "\n") << line << "\n";
    }
  } catch (const std::system_error&) {
    // Events are best effort: failing to store one must not fail the work it reports.
  }
}

std::vector<json> LocalStore::events(const std::string& namespace_, const std::string& kind,
                                     const std::string& name) const {
  auto text = read_file(root_ / "events.jsonl");
  if (!text) return {};
  std::vector<json> matching;
  for (json& event : latest_events(split_lines(*text))) {
    if (event_matches(event, namespace_, kind, name)) matching.push_back(std::move(event));
  }
  return matching;
}

}  // namespace mdbop
