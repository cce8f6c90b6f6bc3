// Store: the local object store under $MDBOP_HOME/store. Objects are JSON documents in the
// Kubernetes shape (apiVersion, kind, metadata, spec, status). Every mutation happens under
// one exclusive file lock, so the CLI and the operator (separate processes) can both write:
// the CLI writes metadata+spec, the operator writes status. Files are replaced atomically.
#pragma once

#include <chrono>
#include <filesystem>
#include <functional>
#include <optional>
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
};

enum class ApplyOutcome { kCreated, kConfigured, kUnchanged };

struct ApplyResult {
  json object;  // as stored
  ApplyOutcome outcome;
};

class Store {
 public:
  // REQUIRES: root is a directory mdbop may create and write (created if missing).
  explicit Store(std::filesystem::path root);

  Result<json> get(const ObjectKey& key) const;  // Error message "not found" when absent
  bool exists(const ObjectKey& key) const;
  // All objects of a kind; namespace_ empty means all namespaces. Sorted by namespace, name.
  std::vector<json> list(const std::string& kind, const std::string& namespace_ = "") const;

  // Creates or updates an object from a manifest (apply semantics). metadata.uid and
  // creationTimestamp are assigned on create; labels/annotations and spec (and data for
  // Secrets/ConfigMaps) replace the stored ones. metadata.generation starts at 1 and goes up
  // by one whenever spec changes; metadata.resourceVersion goes up on every stored change.
  // An existing status is kept.
  Result<ApplyResult> apply(const json& manifest);

  // Read-modify-write of status under the lock. `mutate` gets the current status (an empty
  // object when none). Unchanged status is not rewritten. Returns the whole stored object.
  // Fails when the object is gone.
  Result<json> update_status(const ObjectKey& key, const std::function<void(json& status)>& mutate);

  // Read-modify-write of the whole object (used by the operator for metadata such as
  // finalizers or generated Secret data). Bumps resourceVersion, and generation if spec changed.
  Result<json> update(const ObjectKey& key, const std::function<void(json& object)>& mutate);

  Result<bool> remove(const ObjectKey& key);  // false when it did not exist

  // Highest resourceVersion handed out so far; lets a watcher notice any change cheaply.
  long long current_version() const;

  // Events, in the Kubernetes Event shape (involvedObject{kind,namespace,name,uid}, type
  // Normal|Warning, reason, message, count, firstTimestamp, lastTimestamp). An event equal
  // to the last one for the same object (type, reason, message) increments its count.
  void record_event(const json& involved_object, const std::string& type, const std::string& reason,
                    const std::string& message);
  // Events oldest first; empty filters match everything.
  std::vector<json> events(const std::string& namespace_ = "", const std::string& kind = "",
                           const std::string& name = "") const;

  const std::filesystem::path& root() const { return root_; }

 private:
  std::filesystem::path object_path(const ObjectKey& key) const;
  std::filesystem::path root_;
};

ObjectKey key_of(const json& object);

// RFC 3339 UTC timestamp with second precision, e.g. "2026-11-21T23:07:41Z".
std::string rfc3339_now();

}  // namespace mdbop
