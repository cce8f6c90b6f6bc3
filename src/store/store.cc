#include "store/store.h"

#include <algorithm>
#include <charconv>
#include <fstream>
#include <map>
#include <random>
#include <system_error>
#include <tuple>

#include "util/files.h"
#include "util/time_text.h"

namespace mdbop {

namespace fs = std::filesystem;

namespace {

// events.jsonl is append-only (an event seen again is appended as an updated copy under the
// same metadata.name) and compacted to the newest kMaxEvents once it passes kCompactAtLines.
constexpr size_t kMaxEvents = 2000;
constexpr size_t kCompactAtLines = 4000;

std::string text_at(const json& object, const char* key) {
  if (!object.is_object()) return "";
  auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : "";
}

json value_at(const json& object, const char* key) {
  if (!object.is_object()) return nullptr;
  auto it = object.find(key);
  return it != object.end() ? *it : json(nullptr);
}

// Key parts become path components: refuse anything that could leave the store's directory.
bool valid_component(const std::string& part) {
  return !part.empty() && part != "." && part != ".." &&
         part.find_first_of(std::string("/\0", 2)) == std::string::npos;
}

Result<bool> check_key(const ObjectKey& key) {
  if (!valid_component(key.kind)) return fail_field("kind", "invalid kind \"" + key.kind + "\"");
  if (!valid_component(key.namespace_)) {
    return fail_field("metadata.namespace", "invalid namespace \"" + key.namespace_ + "\"");
  }
  if (!valid_component(key.name)) {
    return fail_field("metadata.name", "invalid name \"" + key.name + "\"");
  }
  return true;
}

std::string random_bytes(size_t count) {
  std::string bytes(count, '\0');
  std::ifstream urandom("/dev/urandom", std::ios::binary);
  if (!urandom.read(bytes.data(), static_cast<std::streamsize>(count))) {
    std::random_device device;  // only without /dev/urandom (a bare chroot)
    for (char& byte : bytes) byte = static_cast<char>(device());
  }
  return bytes;
}

std::string hex(const std::string& bytes) {
  static const char kDigits[] = "0123456789abcdef";
  std::string text;
  for (unsigned char byte : bytes) {
    text += kDigits[byte >> 4];
    text += kDigits[byte & 0xf];
  }
  return text;
}

std::string uuid_v4() {
  std::string bytes = random_bytes(16);
  bytes[6] = static_cast<char>((bytes[6] & 0x0f) | 0x40);  // version 4
  bytes[8] = static_cast<char>((bytes[8] & 0x3f) | 0x80);  // RFC 4122 variant
  std::string text = hex(bytes);
  return text.substr(0, 8) + "-" + text.substr(8, 4) + "-" + text.substr(12, 4) + "-" +
         text.substr(16, 4) + "-" + text.substr(20);
}

// Replacement instead of an exception for invalid UTF-8 (a message quoting a node's stderr).
std::string to_text(const json& value, int indent) {
  return value.dump(indent, ' ', false, json::error_handler_t::replace);
}

Result<bool> write_object(const fs::path& path, const json& object) {
  return write_file_atomic(path, to_text(object, 2) + "\n", 0600);
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

json identity(const json& object) {
  json metadata = value_at(object, "metadata");
  return json::array({value_at(object, "kind"), value_at(metadata, "namespace"),
                      value_at(metadata, "name"), value_at(metadata, "uid")});
}

// The involvedObject of an event, from a stored object or from an involvedObject itself.
json object_reference(const json& object) {
  const json metadata = object.contains("metadata") ? object.at("metadata") : object;
  std::string namespace_ = text_at(metadata, "namespace");
  json reference = {{"kind", text_at(object, "kind")},
                    {"namespace", namespace_.empty() ? "default" : namespace_},
                    {"name", text_at(metadata, "name")}};
  if (!text_at(object, "apiVersion").empty()) reference["apiVersion"] = object["apiVersion"];
  if (!text_at(metadata, "uid").empty()) reference["uid"] = metadata["uid"];
  return reference;
}

bool same_object(const json& a, const json& b) {
  for (const char* field : {"kind", "namespace", "name"}) {
    if (text_at(a, field) != text_at(b, field)) return false;
  }
  return true;
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

}  // namespace

Store::Store(fs::path root) : root_(std::move(root)) {
  std::error_code ec;
  fs::create_directories(root_, ec);
  fs::permissions(root_, fs::perms::owner_all, ec);  // Secrets are stored here
}

fs::path Store::object_path(const ObjectKey& key) const {
  return root_ / "objects" / key.kind / key.namespace_ / (key.name + ".json");
}

Result<json> Store::get(const ObjectKey& key) const {
  auto valid = check_key(key);
  if (!valid) return tl::unexpected(valid.error());
  auto object = load(object_path(key));
  if (!object) return tl::unexpected(object.error());
  if (!*object) return fail(ErrorCode::kNotFound, "not found");
  return std::move(**object);
}

bool Store::exists(const ObjectKey& key) const {
  std::error_code ec;
  return check_key(key) && fs::exists(object_path(key), ec);
}

std::vector<json> Store::list(const std::string& kind, const std::string& namespace_) const {
  std::vector<json> objects;
  if (!valid_component(kind) || (!namespace_.empty() && !valid_component(namespace_))) {
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

Result<ApplyResult> Store::apply(const json& manifest) {
  ObjectKey key = key_of(manifest);
  auto valid = check_key(key);
  if (!valid) return tl::unexpected(valid.error());
  return with_lock(root_, [&]() -> Result<ApplyResult> {
    fs::path path = object_path(key);
    auto existing = load(path);
    if (!existing) return tl::unexpected(existing.error());

    // Status belongs to the operator; a manifest never sets it.
    json object = manifest;
    object.erase("status");
    json& metadata = object["metadata"];
    ApplyOutcome outcome;
    if (!*existing) {
      outcome = ApplyOutcome::kCreated;
      metadata["namespace"] = key.namespace_;
      metadata["uid"] = uuid_v4();
      metadata["creationTimestamp"] = rfc3339_now();
      metadata["generation"] = 1;
    } else {
      outcome = ApplyOutcome::kConfigured;
      const json& stored = **existing;
      // Everything but metadata and status comes from the manifest (spec; data and type of
      // Secrets and ConfigMaps); of metadata, only labels and annotations.
      json merged = stored.at("metadata");
      for (const char* field : {"labels", "annotations"}) {
        if (metadata.contains(field)) {
          merged[field] = metadata[field];
        } else {
          merged.erase(field);
        }
      }
      metadata = merged;
      if (stored.contains("status")) object["status"] = stored.at("status");
      if (object == stored) return ApplyResult{stored, ApplyOutcome::kUnchanged};
      if (value_at(object, "spec") != value_at(stored, "spec")) {
        metadata["generation"] = metadata.value("generation", 0) + 1;
      }
    }
    auto version = next_version(root_);
    if (!version) return tl::unexpected(version.error());
    metadata["resourceVersion"] = *version;
    auto written = write_object(path, object);
    if (!written) return tl::unexpected(written.error());
    return ApplyResult{object, outcome};
  });
}

Result<json> Store::update_status(const ObjectKey& key,
                                  const std::function<void(json& status)>& mutate) {
  // A status-only update: the same read-modify-write, never touching spec.
  return update(key, [&](json& object) {
    bool had_status = object.contains("status");
    json status = had_status ? object["status"] : json::object();
    mutate(status);
    if (had_status || !status.empty()) object["status"] = std::move(status);
  });
}

Result<json> Store::update(const ObjectKey& key, const std::function<void(json& object)>& mutate) {
  auto valid = check_key(key);
  if (!valid) return tl::unexpected(valid.error());
  return with_lock(root_, [&]() -> Result<json> {
    fs::path path = object_path(key);
    auto existing = load(path);
    if (!existing) return tl::unexpected(existing.error());
    if (!*existing) return fail(ErrorCode::kNotFound, "not found");
    const json& stored = **existing;
    json object = stored;
    mutate(object);
    if (identity(object) != identity(stored)) {
      return fail("an update may not change the kind, namespace, name or uid of " + key.kind + " " +
                  key.namespace_ + "/" + key.name);
    }
    // The counters are the store's to assign, whatever mutate did to them.
    json& metadata = object["metadata"];
    metadata["generation"] = stored["metadata"].value("generation", 1);
    metadata["resourceVersion"] = stored["metadata"].value("resourceVersion", "");
    if (object == stored) return object;
    if (value_at(object, "spec") != value_at(stored, "spec")) {
      metadata["generation"] = metadata["generation"].get<long long>() + 1;
    }
    auto version = next_version(root_);
    if (!version) return tl::unexpected(version.error());
    metadata["resourceVersion"] = *version;
    auto written = write_object(path, object);
    if (!written) return tl::unexpected(written.error());
    return object;
  });
}

Result<bool> Store::remove(const ObjectKey& key) {
  auto valid = check_key(key);
  if (!valid) return tl::unexpected(valid.error());
  return with_lock(root_, [&]() -> Result<bool> {
    fs::path path = object_path(key);
    std::error_code ec;
    if (!fs::exists(path, ec)) return false;
    // A deletion is a change watchers must see.
    auto version = next_version(root_);
    if (!version) return tl::unexpected(version.error());
    if (!fs::remove(path, ec) && ec) {
      return fail("cannot remove " + path.string() + ": " + ec.message());
    }
    return true;
  });
}

long long Store::current_version() const { return read_version(root_); }

void Store::record_event(const json& involved_object, const std::string& type,
                         const std::string& reason, const std::string& message) {
  json reference = object_reference(involved_object);
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
    std::string message_text = to_text(json(message), -1);
    size_t search_end = text.size();
    while (event.is_null() && search_end > 0) {
      size_t at = text.rfind(message_text, search_end - 1);
      if (at == std::string::npos) break;
      size_t start = text.rfind('\n', at);
      start = start == std::string::npos ? 0 : start + 1;
      size_t end = std::min(text.find('\n', at), text.size());
      json candidate = json::parse(text.begin() + start, text.begin() + end, nullptr, false);
      if (candidate.is_object() && same_object(value_at(candidate, "involvedObject"), reference) &&
          text_at(candidate, "type") == type && text_at(candidate, "reason") == reason &&
          text_at(candidate, "message") == message) {
        event = std::move(candidate);
      }
      search_end = start;
    }
    if (event.is_null()) {
      event = {{"apiVersion", "v1"},
               {"kind", "Event"},
               {"metadata",
                {{"name", text_at(reference, "name") + "." + hex(random_bytes(8))},
                 {"namespace", reference["namespace"]},
                 {"creationTimestamp", now}}},
               {"involvedObject", reference},
               {"type", type},
               {"reason", reason},
               {"message", message},
               {"count", 0},
               {"firstTimestamp", now},
               {"source", {{"component", "mdbop"}}}};
    }
    event["count"] = event.value("count", 0) + 1;
    event["lastTimestamp"] = now;
    std::string line = to_text(event, -1);

    if (static_cast<size_t>(std::count(text.begin(), text.end(), '\n')) + 1 > kCompactAtLines) {
      std::vector<std::string> lines = split_lines(text);
      lines.push_back(line);
      std::string compacted;
      for (const json& kept : latest_events(lines)) compacted += to_text(kept, -1) + "\n";
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

std::vector<json> Store::events(const std::string& namespace_, const std::string& kind,
                                const std::string& name) const {
  auto text = read_file(root_ / "events.jsonl");
  if (!text) return {};
  std::vector<json> matching;
  for (json& event : latest_events(split_lines(*text))) {
    const json reference = value_at(event, "involvedObject");
    if ((namespace_.empty() || text_at(event["metadata"], "namespace") == namespace_) &&
        (kind.empty() || text_at(reference, "kind") == kind) &&
        (name.empty() || text_at(reference, "name") == name)) {
      matching.push_back(std::move(event));
    }
  }
  return matching;
}

ObjectKey key_of(const json& object) {
  json metadata = value_at(object, "metadata");
  ObjectKey key{text_at(object, "kind"), text_at(metadata, "namespace"), text_at(metadata, "name")};
  if (key.namespace_.empty()) key.namespace_ = "default";
  return key;
}

std::string rfc3339_now() { return format_rfc3339(now_seconds()); }

}  // namespace mdbop
