// What one event of a Kubernetes watch stream means to a watcher that resumes from the last
// resource version it saw: a change, a bookmark (a newer version, nothing changed), the end of
// the history it can resume from (410: list again), or a failure of the stream.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace mdbop {

struct WatchEvent {
  enum class Type { kChange, kBookmark, kExpired, kFailed };
  Type type = Type::kFailed;
  nlohmann::json object;         // kChange: the object as it is now (or was, when deleted)
  bool deleted = false;          // kChange: the object is gone
  std::string resource_version;  // kChange, kBookmark: where to resume from
  std::string message;           // kExpired, kFailed: the API server's words
};

WatchEvent read_watch_event(const nlohmann::json& event);

}  // namespace mdbop
