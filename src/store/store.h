// Store: where objects live. Objects are JSON documents in the Kubernetes shape (apiVersion,
// kind, metadata, spec, status). The CLI writes metadata and spec, the operator writes status;
// they may be separate processes. Implementations: LocalStore (files under $MDBOP_HOME/store),
// MemoryStore (tests); KubeStore (a Kubernetes API server). All follow the rules of
// store/object_rules.h.
#pragma once

#include <chrono>
#include <compare>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "util/result.h"

namespace mdbop {

using json = nlohmann::json;

struct ObjectKey {
  std::string kind;        // canonical kind, e.g. "MariaDB", "Secret"
  std::string namespace_;  // e.g. "default"
  std::string name;

  auto operator<=>(const ObjectKey&) const = default;
};

enum class ApplyOutcome { kCreated, kConfigured, kUnchanged };

struct ApplyResult {
  json object;  // as stored
  ApplyOutcome outcome;
};

// What a watch saw since it was made or since its last wait returned.
struct StoreChanges {
  std::vector<ObjectKey> keys;  // objects created, changed or deleted; each once, sorted
  bool resync = false;          // changes may have been missed: list everything again
  bool empty() const { return keys.empty() && !resync; }
};

// A stream of changes to a store's objects (not its events). Every change made after the watch
// was created is reported by some wait(), whichever process made it.
// REQUIRES: one thread at a time calls wait().
class StoreWatch {
 public:
  virtual ~StoreWatch() = default;

  // Blocks until there are changes or `deadline` passes; empty changes mean the deadline passed.
  virtual StoreChanges wait(std::chrono::steady_clock::time_point deadline) = 0;
};

class Store {
 public:
  virtual ~Store() = default;

  // Error code kNotFound (message "not found") when absent.
  virtual Result<json> get(const ObjectKey& key) const = 0;
  virtual bool exists(const ObjectKey& key) const = 0;
  // All objects of a kind; namespace_ empty means all namespaces. Sorted by namespace, name.
  virtual std::vector<json> list(const std::string& kind,
                                 const std::string& namespace_ = "") const = 0;

  // Creates or updates an object from a manifest (apply semantics). metadata.uid and
  // creationTimestamp are assigned on create; labels/annotations and spec (and data for
  // Secrets/ConfigMaps) replace the stored ones. metadata.generation starts at 1 and goes up
  // by one whenever spec changes; metadata.resourceVersion goes up on every stored change.
  // An existing status is kept.
  virtual Result<ApplyResult> apply(const json& manifest) = 0;

  // Read-modify-write of status. `mutate` gets the current status (an empty object when none).
  // Unchanged status is not rewritten. Returns the whole stored object. kNotFound when the
  // object is gone.
  virtual Result<json> update_status(const ObjectKey& key,
                                     const std::function<void(json& status)>& mutate) = 0;

  // Read-modify-write of the whole object (used by the operator for metadata such as
  // finalizers or generated Secret data). Bumps resourceVersion, and generation if spec
  // changed. kNotFound when the object is gone; kInvalid when mutate changed its identity.
  virtual Result<json> update(const ObjectKey& key,
                              const std::function<void(json& object)>& mutate) = 0;

  // False when it did not exist. An object that other finalizers still hold stays, marked
  // deleted, until they let go.
  virtual Result<bool> remove(const ObjectKey& key) = 0;

  // Events, in the Kubernetes Event shape (involvedObject{kind,namespace,name,uid}, type
  // Normal|Warning, reason, message, count, firstTimestamp, lastTimestamp). An event equal
  // to an earlier one for the same object (type, reason, message) increments its count.
  // Best effort: a failure to record is not reported.
  virtual void record_event(const json& involved_object, const std::string& type,
                            const std::string& reason, const std::string& message) = 0;
  // Events oldest first; empty filters match everything.
  virtual std::vector<json> events(const std::string& namespace_ = "", const std::string& kind = "",
                                   const std::string& name = "") const = 0;

  // A watch of every object of this store. Create it before listing what it should keep
  // current, so that nothing changes unseen in between.
  virtual Result<std::unique_ptr<StoreWatch>> watch() = 0;
};

// The finalizer the operator puts on each object it reconciles, so that a deletion through an
// API server that honours finalizers waits for the object's clean-up. Store::remove lets go of it.
inline constexpr const char* kCleanupFinalizer = "k8s.mariadb.com/mdbop";
bool has_cleanup_finalizer(const json& object);

ObjectKey key_of(const json& object);

// RFC 3339 UTC timestamp with second precision, e.g. "2026-11-21T23:07:41Z".
std::string rfc3339_now();

}  // namespace mdbop
