// The rules every Store follows, as functions over JSON: what apply and update make of an
// object, and how events are counted. A store only keeps objects and hands out versions.
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "store/store.h"

namespace mdbop {

// Key parts become path components in a file store: refuse empty parts, ".", ".." and any
// part with '/' or NUL. Code kInvalid, with the field path of the offending part.
Result<bool> check_key(const ObjectKey& key);
bool valid_key_part(const std::string& part);

// What a store assigns to an object it creates.
struct NewIdentity {
  std::string uid;                 // a random RFC 4122 version 4 UUID
  std::string creation_timestamp;  // RFC 3339
};
NewIdentity new_identity();

// The object that applying `manifest` over `stored` (nullopt when there is none) stores, and
// the outcome. On create, uid and creationTimestamp come from `fresh` and generation is 1; on
// update spec (and every top-level field but metadata and status), labels and annotations
// come from the manifest, the rest of metadata and the status from `stored`, and generation
// goes up when spec changed. The caller assigns metadata.resourceVersion unless the outcome is
// kUnchanged (then `object` is `stored`).
ApplyResult apply_manifest(const json& manifest, const std::optional<json>& stored,
                           const NewIdentity& fresh);

// `stored` after `mutate`, with generation and resourceVersion as the store keeps them
// (generation up by one when spec changed). nullopt when nothing changed. kInvalid when mutate
// changed kind, namespace, name or uid. The caller assigns metadata.resourceVersion.
Result<std::optional<json>> apply_update(const ObjectKey& key, const json& stored,
                                         const std::function<void(json& object)>& mutate);

// Runs `mutate` on the status of `object` (an empty object when none); status stays absent
// when it was absent and mutate left it empty. What update_status does inside update.
void mutate_status(json& object, const std::function<void(json& status)>& mutate);

// The involvedObject of an event, from a stored object or from an involvedObject itself.
json involved_object_of(const json& object);

// A new event's name: its object's, a dot and 16 random hex digits (as client-go names them).
std::string event_name(const std::string& object_name);

// A new event, count 0: count_event() makes it 1.
json new_event(const json& reference, const std::string& type, const std::string& reason,
               const std::string& message, const std::string& now);
// True when `event` reports the same thing (type, reason, message) about the same object.
bool same_event(const json& event, const json& reference, const std::string& type,
                const std::string& reason, const std::string& message);
// One more occurrence: count up, lastTimestamp now.
void count_event(json& event, const std::string& now);
// True when `event` passes the filters of Store::events (empty matches everything).
bool event_matches(const json& event, const std::string& namespace_, const std::string& kind,
                   const std::string& name);

// The newest events a store keeps; older ones are dropped.
inline constexpr size_t kMaxEvents = 2000;

}  // namespace mdbop
