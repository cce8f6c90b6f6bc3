#include "kube/watch_event.h"

namespace mdbop {

using nlohmann::json;

WatchEvent read_watch_event(const json& event) {
  WatchEvent read;
  const json type = event.is_object() ? event.value("type", json()) : json();
  const json object = event.is_object() ? event.value("object", json()) : json();
  if (!type.is_string() || !object.is_object()) {
    read.message = "a watch event without a type or an object";
    return read;
  }
  if (type == "ERROR") {
    // The object is a Status; 410 Gone means the resource version is no longer kept.
    read.type = object.value("code", json()) == 410 ? WatchEvent::Type::kExpired
                                                    : WatchEvent::Type::kFailed;
    const json message = object.value("message", json());
    read.message = message.is_string() ? message.get<std::string>() : "the watch failed";
    return read;
  }
  const json metadata = object.value("metadata", json());
  const json version = metadata.is_object() ? metadata.value("resourceVersion", json()) : json();
  if (!version.is_string() || version.get<std::string>().empty()) {
    read.message = "a watch event without a resource version";
    return read;
  }
  read.resource_version = version;
  if (type == "BOOKMARK") {
    read.type = WatchEvent::Type::kBookmark;
  } else if (type == "ADDED" || type == "MODIFIED" || type == "DELETED") {
    read.type = WatchEvent::Type::kChange;
    read.object = object;
    read.deleted = type == "DELETED";
  } else {
    read.message = "a watch event of unknown type " + type.get<std::string>();
    read.resource_version.clear();
  }
  return read;
}

}  // namespace mdbop
