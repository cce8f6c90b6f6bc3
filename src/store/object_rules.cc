#include "store/object_rules.h"

#include <algorithm>
#include <fstream>
#include <random>

#include "util/json_text.h"
#include "util/time_text.h"

namespace mdbop {

namespace {

json value_at(const json& object, const char* key) {
  if (!object.is_object()) return nullptr;
  auto it = object.find(key);
  return it != object.end() ? *it : json(nullptr);
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

json identity(const json& object) {
  json metadata = value_at(object, "metadata");
  return json::array({value_at(object, "kind"), value_at(metadata, "namespace"),
                      value_at(metadata, "name"), value_at(metadata, "uid")});
}

}  // namespace

bool valid_key_part(const std::string& part) {
  return !part.empty() && part != "." && part != ".." &&
         part.find_first_of(std::string("/\0", 2)) == std::string::npos;
}

Result<bool> check_key(const ObjectKey& key) {
  if (!valid_key_part(key.kind)) return fail_field("kind", "invalid kind \"" + key.kind + "\"");
  if (!valid_key_part(key.namespace_)) {
    return fail_field("metadata.namespace", "invalid namespace \"" + key.namespace_ + "\"");
  }
  if (!valid_key_part(key.name)) {
    return fail_field("metadata.name", "invalid name \"" + key.name + "\"");
  }
  return true;
}

NewIdentity new_identity() { return {uuid_v4(), rfc3339_now()}; }

ApplyResult apply_manifest(const json& manifest, const std::optional<json>& stored,
                           const NewIdentity& fresh) {
  // Status belongs to the operator; a manifest never sets it.
  json object = manifest;
  object.erase("status");
  json& metadata = object["metadata"];
  if (!stored) {
    metadata["namespace"] = key_of(manifest).namespace_;
    metadata["uid"] = fresh.uid;
    metadata["creationTimestamp"] = fresh.creation_timestamp;
    metadata["generation"] = 1;
    return {std::move(object), ApplyOutcome::kCreated};
  }
  // Everything but metadata and status comes from the manifest (spec; data and type of
  // Secrets and ConfigMaps); of metadata, only labels and annotations.
  json merged = stored->at("metadata");
  for (const char* field : {"labels", "annotations"}) {
    if (metadata.contains(field)) {
      merged[field] = metadata[field];
    } else {
      merged.erase(field);
    }
  }
  metadata = merged;
  if (stored->contains("status")) object["status"] = stored->at("status");
  if (object == *stored) return {*stored, ApplyOutcome::kUnchanged};
  if (value_at(object, "spec") != value_at(*stored, "spec")) {
    metadata["generation"] = metadata.value("generation", 0) + 1;
  }
  return {std::move(object), ApplyOutcome::kConfigured};
}

Result<std::optional<json>> apply_update(const ObjectKey& key, const json& stored,
                                         const std::function<void(json& object)>& mutate) {
  json object = stored;
  mutate(object);
  if (identity(object) != identity(stored)) {
    return fail(ErrorCode::kInvalid,
                "an update may not change the kind, namespace, name or uid of " + key.kind + " " +
                    key.namespace_ + "/" + key.name);
  }
  // The counters are the store's to assign, whatever mutate did to them.
  json& metadata = object["metadata"];
  metadata["generation"] = stored["metadata"].value("generation", 1);
  metadata["resourceVersion"] = stored["metadata"].value("resourceVersion", "");
  if (object == stored) return std::nullopt;
  if (value_at(object, "spec") != value_at(stored, "spec")) {
    metadata["generation"] = metadata["generation"].get<long long>() + 1;
  }
  return object;
}

void mutate_status(json& object, const std::function<void(json& status)>& mutate) {
  bool had_status = object.contains("status");
  json status = had_status ? object["status"] : json::object();
  mutate(status);
  if (had_status || !status.empty()) object["status"] = std::move(status);
}

json involved_object_of(const json& object) {
  const json metadata = object.contains("metadata") ? object.at("metadata") : object;
  std::string namespace_ = text_at(metadata, "namespace");
  json reference = {{"kind", text_at(object, "kind")},
                    {"namespace", namespace_.empty() ? "default" : namespace_},
                    {"name", text_at(metadata, "name")}};
  if (!text_at(object, "apiVersion").empty()) reference["apiVersion"] = object["apiVersion"];
  if (!text_at(metadata, "uid").empty()) reference["uid"] = metadata["uid"];
  return reference;
}

std::string event_name(const std::string& object_name) {
  return object_name + "." + hex(random_bytes(8));
}

json new_event(const json& reference, const std::string& type, const std::string& reason,
               const std::string& message, const std::string& now) {
  return {{"apiVersion", "v1"},
          {"kind", "Event"},
          {"metadata",
           {{"name", event_name(text_at(reference, "name"))},
            {"namespace", value_at(reference, "namespace")},
            {"creationTimestamp", now}}},
          {"involvedObject", reference},
          {"type", type},
          {"reason", reason},
          {"message", message},
          {"count", 0},
          {"firstTimestamp", now},
          {"source", {{"component", "mdbop"}}}};
}

bool same_event(const json& event, const json& reference, const std::string& type,
                const std::string& reason, const std::string& message) {
  if (!event.is_object()) return false;
  const json involved = value_at(event, "involvedObject");
  for (const char* field : {"kind", "namespace", "name"}) {
    if (text_at(involved, field) != text_at(reference, field)) return false;
  }
  return text_at(event, "type") == type && text_at(event, "reason") == reason &&
         text_at(event, "message") == message;
}

void count_event(json& event, const std::string& now) {
  event["count"] = event.value("count", 0) + 1;
  event["lastTimestamp"] = now;
}

bool event_matches(const json& event, const std::string& namespace_, const std::string& kind,
                   const std::string& name) {
  const json reference = value_at(event, "involvedObject");
  return (namespace_.empty() || text_at(value_at(event, "metadata"), "namespace") == namespace_) &&
         (kind.empty() || text_at(reference, "kind") == kind) &&
         (name.empty() || text_at(reference, "name") == name);
}

bool has_cleanup_finalizer(const json& object) {
  const json finalizers = value_at(value_at(object, "metadata"), "finalizers");
  return finalizers.is_array() &&
         std::find(finalizers.begin(), finalizers.end(), kCleanupFinalizer) != finalizers.end();
}

ObjectKey key_of(const json& object) {
  json metadata = value_at(object, "metadata");
  ObjectKey key{text_at(object, "kind"), text_at(metadata, "namespace"), text_at(metadata, "name")};
  if (key.namespace_.empty()) key.namespace_ = "default";
  return key;
}

std::string rfc3339_now() { return format_rfc3339(now_seconds()); }

}  // namespace mdbop
