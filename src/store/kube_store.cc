#include "store/kube_store.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <condition_variable>
#include <set>

#include "api/kinds.h"
#include "api/manifest.h"
#include "kube/collection_follower.h"
#include "store/object_rules.h"
#include "util/json_text.h"

namespace mdbop {

using namespace std::chrono_literals;

namespace {

constexpr int kWriteAttempts = 5;  // a read-modify-write that meets a newer version reads again
constexpr const char* kReportingController = "mdbop/operator";
constexpr std::size_t kMaxNote = 1024;  // what events.k8s.io/v1 accepts
const ApiResource kEvents{"events.k8s.io/v1", "events"};

Result<ApiResource> resource_of(const std::string& kind) {
  for (const KindInfo& info : known_kinds()) {
    if (info.kind == kind) return ApiResource{info.api_version, info.plural};
  }
  return fail(ErrorCode::kInvalid, "mdbop keeps no objects of kind \"" + kind + "\"");
}

Result<std::string> object_path(const ObjectKey& key, const std::string& subresource = "") {
  if (auto valid = check_key(key); !valid) return tl::unexpected(valid.error());
  auto resource = resource_of(key.kind);
  if (!resource) return tl::unexpected(resource.error());
  return api_path(*resource, key.namespace_, key.name, subresource);
}

// Items of a list come without their kind and apiVersion.
json with_kind(json object, const std::string& kind, const std::string& api_version) {
  if (!object.contains("kind")) object["kind"] = kind;
  if (!object.contains("apiVersion")) object["apiVersion"] = api_version;
  return object;
}

// What mdbop keeps of an object the API server sent, as its caches keep it.
json as_stored(json object, const std::string& kind, const std::string& api_version) {
  return with_kind(without_managed_fields(std::move(object)), kind, api_version);
}

// The controllers read objects as `mdbop apply` stores them, with their kind's defaults (a
// generated root password's Secret, the metrics account's, recovery timeouts: api/manifest.h),
// while the API server keeps a manifest as written. Only the spec is taken from the defaulted
// copy; metadata and status stay the API server's. An object the validation refuses (applied
// while the webhook was not there) is handed on as written.
json with_defaults(json object) {
  if (!text_at(object, "apiVersion").starts_with("k8s.mariadb.com/") || !object.contains("spec")) {
    return object;
  }
  const json metadata = object.value("metadata", json::object());
  json manifest = {{"apiVersion", object["apiVersion"]},
                   {"kind", object.value("kind", "")},
                   {"metadata", json::object()},
                   {"spec", object["spec"]}};
  for (const char* field : {"name", "namespace", "labels", "annotations"}) {
    if (metadata.is_object() && metadata.contains(field)) {
      manifest["metadata"][field] = metadata[field];
    }
  }
  auto defaulted = validate_and_default(manifest);
  if (defaulted && defaulted->contains("spec")) object["spec"] = (*defaulted)["spec"];
  return object;
}

// A MicroTime back to the store's second precision.
std::string seconds_of(const std::string& time) {
  const std::size_t dot = time.find('.');
  return dot == std::string::npos ? time : time.substr(0, dot) + "Z";
}

// At most kMaxNote bytes, cut between UTF-8 characters.
std::string note_of(const std::string& message) {
  if (message.size() <= kMaxNote) return message;
  std::size_t end = kMaxNote;
  while (end > 0 && (static_cast<unsigned char>(message[end]) & 0xC0) == 0x80) --end;
  return message.substr(0, end);
}

// An events.k8s.io/v1 Event in the shape Store::events promises (core v1's).
json as_core_event(const json& event) {
  const json metadata = event.value("metadata", json::object());
  const json series = event.value("series", json());
  const json count = series.is_object() ? series.value("count", json()) : json();
  const std::string first = seconds_of(text_at(event, "eventTime"));
  const std::string last =
      series.is_object() ? seconds_of(text_at(series, "lastObservedTime")) : first;
  return {{"apiVersion", "v1"},
          {"kind", "Event"},
          {"metadata",
           {{"name", text_at(metadata, "name")},
            {"namespace", text_at(metadata, "namespace")},
            {"creationTimestamp", text_at(metadata, "creationTimestamp")}}},
          {"involvedObject", event.value("regarding", json::object())},
          {"type", text_at(event, "type")},
          {"reason", text_at(event, "reason")},
          {"message", text_at(event, "note")},
          {"count", count.is_number_integer() ? count : json(1)},
          {"firstTimestamp", first},
          {"lastTimestamp", last},
          {"source", {{"component", text_at(event, "reportingController")}}}};
}

}  // namespace

struct KubeStore::WatchQueue {
  std::mutex mutex;
  std::condition_variable changed;
  std::set<ObjectKey> keys;
  bool resync = false;
  // A listing that failed asks again only after this, so that an unreachable API server is not
  // listed in a loop.
  std::chrono::steady_clock::time_point resync_not_before;

  void add(ObjectKey key) {
    {
      std::lock_guard lock(mutex);
      keys.insert(std::move(key));
    }
    changed.notify_all();
  }
  void ask_for_resync(std::chrono::steady_clock::duration after = {}) {
    {
      std::lock_guard lock(mutex);
      resync = true;
      resync_not_before = std::max(resync_not_before, std::chrono::steady_clock::now() + after);
    }
    changed.notify_all();
  }
};

namespace {

// The changes of the store's caches, told once each cache holds them, feeding one queue.
class KubeWatch final : public StoreWatch {
 public:
  KubeWatch(const std::map<std::string, std::unique_ptr<ObjectCache>>& caches,
            std::shared_ptr<KubeStore::WatchQueue> queue)
      : queue_(std::move(queue)) {
    for (const auto& [kind, cache] : caches) {
      subscriptions_.push_back(cache->subscribe(
          [queue = queue_, kind = kind](const json& object) {
            ObjectKey key = key_of(object);
            key.kind = kind;
            queue->add(std::move(key));
          },
          [queue = queue_] { queue->ask_for_resync(); }));
    }
    // What changed before the subscriptions is in the caches, told by no one: a listing.
    queue_->ask_for_resync();
  }

  StoreChanges wait(std::chrono::steady_clock::time_point deadline) override {
    std::unique_lock lock(queue_->mutex);
    auto resync_due = [&] {
      return queue_->resync && std::chrono::steady_clock::now() >= queue_->resync_not_before;
    };
    while (queue_->keys.empty() && !resync_due() && std::chrono::steady_clock::now() < deadline) {
      queue_->changed.wait_until(
          lock, queue_->resync ? std::min(deadline, queue_->resync_not_before) : deadline);
    }
    StoreChanges changes{{queue_->keys.begin(), queue_->keys.end()}, resync_due()};
    queue_->keys.clear();
    if (changes.resync) queue_->resync = false;
    return changes;
  }

 private:
  std::shared_ptr<KubeStore::WatchQueue> queue_;
  std::vector<ObjectCache::Subscription> subscriptions_;
};

}  // namespace

KubeStore::KubeStore(std::shared_ptr<const KubeClient> client, std::string namespace_,
                     std::string reporting_instance)
    : client_(std::move(client)),
      namespace_(std::move(namespace_)),
      reporting_instance_(std::move(reporting_instance)) {}

KubeStore::~KubeStore() {
  // All at once: each cache's end waits for its request under way.
  for (auto& [kind, cache] : caches_) cache->stop();
}

namespace {

// The kinds the operator reconciles: not Pods (the runtime's), nor Secrets and ConfigMaps: read
// when needed, no change of one wakes a reconciler, and following every Secret of a cluster
// would fetch their contents for nothing.
std::map<std::string, ApiResource> reconciled_resources() {
  std::map<std::string, ApiResource> resources;  // by kind
  for (const KindInfo& info : known_kinds()) {
    if (info.api_version != "v1") resources[info.kind] = {info.api_version, info.plural};
  }
  return resources;
}

}  // namespace

void KubeStore::cache_reconciled_kinds() {
  for (const auto& [kind, resource] : reconciled_resources()) {
    caches_[kind] = std::make_unique<ObjectCache>(client_, resource, namespace_, "");
  }
}

namespace {

// What an object's version is awaited at after two writes of it whose order is not known: no
// cache shows it, so the object is read from the API server, which says which is current.
constexpr char kUnknownVersion[] = "?";

std::string version_of(const json& object) {
  return text_at(object_at(object, "metadata"), "resourceVersion");
}

// The version of an object that a cache shows; empty when it holds none.
std::string version_shown(const std::optional<json>& cached) {
  return cached ? version_of(*cached) : "";
}

}  // namespace

void KubeStore::note_written(const ObjectKey& key, const std::string& resource_version) const {
  if (!caches_.contains(key.kind)) return;
  std::lock_guard lock(mutex_);
  auto [awaited, first] = awaited_versions_.try_emplace(key, resource_version);
  if (!first && awaited->second != resource_version) awaited->second = kUnknownVersion;
}

bool KubeStore::caught_up(const ObjectKey& key, const std::string& shown) const {
  auto awaited = awaited_versions_.find(key);
  if (awaited == awaited_versions_.end()) return true;
  if (awaited->second != shown) return false;
  awaited_versions_.erase(awaited);
  return true;
}

Result<std::optional<json>> KubeStore::find_cached(const ObjectKey& key) const {
  auto cache = caches_.find(key.kind);
  if (cache == caches_.end()) return fail(ErrorCode::kUnavailable, "no cache of " + key.kind);
  return cache->second->find(key.namespace_, key.name);
}

std::optional<Result<json>> KubeStore::read_cached(const ObjectKey& key) const {
  auto found = find_cached(key);
  if (!found) return std::nullopt;
  {
    std::lock_guard lock(mutex_);
    if (!caught_up(key, version_shown(*found))) return std::nullopt;
  }
  // A miss is asked of the API server: each kind's cache follows its own watch, so an object
  // made together with another (a Backup with its MariaDB) may be in one cache before the other.
  if (!*found) return std::nullopt;
  return with_kind(std::move(**found), key.kind, resource_of(key.kind)->api_version);
}

Result<json> KubeStore::read(const ObjectKey& key, bool fresh) const {
  auto path = object_path(key);
  if (!path) return tl::unexpected(path.error());
  if (!fresh) {
    if (auto cached = read_cached(key)) return std::move(*cached);
  }
  std::optional<std::string> awaited_before;
  {
    std::lock_guard lock(mutex_);
    if (auto awaited = awaited_versions_.find(key); awaited != awaited_versions_.end()) {
      awaited_before = awaited->second;
    }
  }
  auto object = client_->get(*path);
  // Read past a write the cache has not shown: the cache is awaited at the version read now,
  // unless a write of this store changed what is awaited meanwhile (the one to wait for).
  if (awaited_before && (object || is_not_found(object.error()))) {
    const auto shown = find_cached(key);
    std::lock_guard lock(mutex_);
    if (auto awaited = awaited_versions_.find(key);
        awaited != awaited_versions_.end() && awaited->second == *awaited_before) {
      awaited->second = object ? version_of(*object) : "";
      // Forgotten at once when the cache shows it already.
      if (shown) caught_up(key, version_shown(*shown));
    }
  }
  if (!object) return tl::unexpected(object.error());
  return as_stored(std::move(*object), key.kind, resource_of(key.kind)->api_version);
}

Result<json> KubeStore::get(const ObjectKey& key) const {
  auto object = read(key);
  if (!object) return object;
  return with_defaults(std::move(*object));
}

const std::string& KubeStore::in_scope(const std::string& asked) const {
  return asked.empty() ? namespace_ : asked;
}

bool KubeStore::exists(const ObjectKey& key) const { return read(key).has_value(); }

std::vector<json> KubeStore::list(const std::string& kind, const std::string& namespace_) const {
  auto resource = resource_of(kind);
  if (!resource) return {};
  if (!namespace_.empty() && !valid_key_part(namespace_)) return {};
  const std::string& scope = in_scope(namespace_);
  if (auto cache = caches_.find(kind); cache != caches_.end()) {
    if (auto cached = cache->second->list(scope)) {
      // Only when it shows every write of this store in the listing's scope.
      std::map<std::pair<std::string, std::string>, std::string> versions;
      for (const json& item : *cached) {
        const json metadata = object_at(item, "metadata");
        versions[{text_at(metadata, "namespace"), text_at(metadata, "name")}] =
            text_at(metadata, "resourceVersion");
      }
      bool behind = false;
      {
        std::lock_guard lock(mutex_);
        // Taken first: caught_up forgets what the cache shows.
        std::vector<ObjectKey> awaited;
        for (const auto& [key, version] : awaited_versions_) {
          if (key.kind == kind && (scope.empty() || key.namespace_ == scope)) {
            awaited.push_back(key);
          }
        }
        for (const ObjectKey& key : awaited) {
          auto seen = versions.find({key.namespace_, key.name});
          behind |= !caught_up(key, seen == versions.end() ? "" : seen->second);
        }
      }
      if (!behind) {
        std::vector<json> objects;
        for (json& item : *cached) {
          objects.push_back(with_defaults(with_kind(std::move(item), kind, resource->api_version)));
        }
        return objects;  // by namespace and name, as below
      }
    }
  }
  auto items = list_collection(*client_, api_path(*resource, scope));
  if (!items) {
    spdlog::warn("cannot list {}: {}", resource->plural, items.error().what());
    ask_for_relisting();
    return {};
  }
  {
    std::lock_guard lock(mutex_);
    failed_listings_ = 0;
  }
  std::vector<json> objects;
  for (json& item : items->items)
    objects.push_back(with_defaults(as_stored(std::move(item), kind, resource->api_version)));
  std::sort(objects.begin(), objects.end(), [](const json& a, const json& b) {
    const ObjectKey ka = key_of(a), kb = key_of(b);
    return std::tie(ka.namespace_, ka.name) < std::tie(kb.namespace_, kb.name);
  });
  return objects;
}

void KubeStore::ask_for_relisting() const {
  std::lock_guard lock(mutex_);
  // 1 s after the first failure, doubling up to 30 s.
  const auto after = std::min<std::chrono::seconds>(
      30s, std::chrono::seconds(1LL << std::min(failed_listings_, 5)));
  ++failed_listings_;
  std::erase_if(watches_, [&](const std::weak_ptr<WatchQueue>& weak) {
    auto queue = weak.lock();
    if (!queue) return true;
    queue->ask_for_resync(after);
    return false;
  });
}

Result<ApplyResult> KubeStore::apply(const json& manifest) {
  const ObjectKey key = key_of(manifest);
  auto path = object_path(key);
  if (!path) return tl::unexpected(path.error());
  // What the manifest says; what the API server assigns is its own.
  json body = manifest;
  body.erase("status");
  json& metadata = body["metadata"];
  for (const char* assigned : {"uid", "resourceVersion", "generation", "creationTimestamp",
                               "managedFields", "deletionTimestamp"}) {
    metadata.erase(assigned);
  }
  metadata["namespace"] = key.namespace_;
  auto before = read(key, /*fresh=*/true);  // its resourceVersion only
  if (!before && !is_not_found(before.error())) return tl::unexpected(before.error());
  auto after = client_->patch(*path, body, PatchType::kApply);
  if (!after) return tl::unexpected(after.error());
  note_written(key, version_of(*after));
  json stored =
      with_defaults(as_stored(std::move(*after), key.kind, manifest.value("apiVersion", "")));
  ApplyOutcome outcome = ApplyOutcome::kCreated;
  if (before) {
    outcome = text_at((*before)["metadata"], "resourceVersion") ==
                      text_at(stored["metadata"], "resourceVersion")
                  ? ApplyOutcome::kUnchanged
                  : ApplyOutcome::kConfigured;
  }
  return ApplyResult{std::move(stored), outcome};
}

Result<json> KubeStore::replace_with(
    const ObjectKey& key, const std::string& subresource,
    const std::function<Result<std::optional<json>>(const json&)>& change) {
  auto path = object_path(key, subresource);
  if (!path) return tl::unexpected(path.error());
  for (int attempt = 0; attempt < kWriteAttempts; ++attempt) {
    // A cached copy may be older than the stored one: then the write conflicts, and the
    // object is read from the API server.
    auto stored = read(key, /*fresh=*/attempt > 0);
    if (!stored) return tl::unexpected(stored.error());
    Result<std::optional<json>> changed = std::nullopt;
    // An answer of an unexpected shape fails this write, never the operator.
    try {
      changed = change(*stored);
    } catch (const json::exception& e) {
      return fail(ErrorCode::kCorrupt, key.kind + " " + key.namespace_ + "/" + key.name +
                                           " is not shaped as mdbop expects: " + e.what());
    }
    if (!changed) return tl::unexpected(changed.error());
    if (!*changed) return with_defaults(std::move(*stored));
    auto written = client_->replace(*path, **changed);
    if (written) {
      note_written(key, version_of(*written));
      return with_defaults(
          as_stored(std::move(*written), key.kind, stored->value("apiVersion", "")));
    }
    if (written.error().code != ErrorCode::kConflict) return tl::unexpected(written.error());
  }
  return fail(ErrorCode::kConflict, key.kind + " " + key.namespace_ + "/" + key.name +
                                        " kept changing while mdbop wrote it; it will try again");
}

Result<json> KubeStore::update_status(const ObjectKey& key,
                                      const std::function<void(json& status)>& mutate) {
  return replace_with(key, "status", [&](const json& stored) -> Result<std::optional<json>> {
    json object = stored;
    mutate_status(object, mutate);
    if (object == stored) return std::nullopt;
    return object;
  });
}

Result<json> KubeStore::update(const ObjectKey& key,
                               const std::function<void(json& object)>& mutate) {
  return replace_with(key, "",
                      [&](const json& stored) { return apply_update(key, stored, mutate); });
}

Result<bool> KubeStore::remove(const ObjectKey& key) {
  auto path = object_path(key);
  if (!path) return tl::unexpected(path.error());
  auto removed = client_->remove(*path);
  if (!removed) {
    if (is_not_found(removed.error())) return false;
    return tl::unexpected(removed.error());
  }
  // Marked for deletion (its version), or gone (the API server's Status).
  note_written(key, text_at(*removed, "kind") == key.kind ? version_of(*removed) : "");
  // Held by finalizers, the object is only marked: mdbop lets go of its own, and the API server
  // removes the object once no finalizer is left.
  const json& metadata = (*removed)["metadata"];
  const json finalizers =
      metadata.is_object() ? metadata.value("finalizers", json::array()) : json::array();
  if (text_at(*removed, "kind") == key.kind && finalizers.is_array() &&
      std::find(finalizers.begin(), finalizers.end(), kCleanupFinalizer) != finalizers.end()) {
    auto released = update(key, [](json& object) {
      json& list = object["metadata"]["finalizers"];
      list.erase(std::remove(list.begin(), list.end(), kCleanupFinalizer), list.end());
    });
    if (!released && !is_not_found(released.error())) return tl::unexpected(released.error());
  }
  return true;
}

void KubeStore::record_event(const json& involved_object, const std::string& type,
                             const std::string& reason, const std::string& message) {
  const json reference = involved_object_of(involved_object);
  const std::string namespace_ = text_at(reference, "namespace");
  const std::string now = kube_micro_time_now();
  const EventKey key{
      namespace_, text_at(reference, "kind"), text_at(reference, "name"), type, reason, message};
  std::pair<std::string, long long> earlier;
  {
    std::lock_guard lock(mutex_);
    if (auto it = recorded_events_.find(key); it != recorded_events_.end()) earlier = it->second;
  }
  // Best effort, as the interface says: a failure is logged, never returned.
  if (!earlier.first.empty()) {
    const long long count = earlier.second + 1;
    auto counted = client_->patch(api_path(kEvents, namespace_, earlier.first),
                                  {{"series", {{"count", count}, {"lastObservedTime", now}}}},
                                  PatchType::kMerge);
    if (counted) {
      std::lock_guard lock(mutex_);
      recorded_events_[key] = {earlier.first, count};
      return;
    }
    // An event lives an hour on the API server: a gone one is recorded anew.
    if (!is_not_found(counted.error())) {
      spdlog::warn("cannot count event {}: {}", earlier.first, counted.error().what());
      return;
    }
  }
  const json event = {
      {"apiVersion", kEvents.api_version},
      {"kind", "Event"},
      {"metadata", {{"name", event_name(text_at(reference, "name"))}, {"namespace", namespace_}}},
      {"eventTime", now},
      {"reportingController", kReportingController},
      {"reportingInstance", reporting_instance_},
      {"action", reason},
      {"reason", reason},
      {"regarding", reference},
      {"note", note_of(message)},
      {"type", type}};
  auto created = client_->create(api_path(kEvents, namespace_), event);
  if (!created) {
    spdlog::warn("cannot record event {}: {}", reason, created.error().what());
    return;
  }
  std::lock_guard lock(mutex_);
  if (recorded_events_.size() >= kMaxEvents) recorded_events_.clear();
  recorded_events_[key] = {text_at((*created)["metadata"], "name"), 1};
}

std::vector<json> KubeStore::events(const std::string& namespace_, const std::string& kind,
                                    const std::string& name) const {
  auto items = list_collection(*client_, api_path(kEvents, in_scope(namespace_)));
  if (!items) {
    spdlog::warn("cannot list events: {}", items.error().what());
    return {};
  }
  // Oldest first by when each was last seen, to the microsecond, then by name.
  std::vector<std::pair<std::string, json>> seen;
  for (const json& item : items->items) {
    json event = as_core_event(item);
    if (!event_matches(event, namespace_, kind, name)) continue;
    const json series = item.value("series", json());
    std::string last =
        series.is_object() ? text_at(series, "lastObservedTime") : text_at(item, "eventTime");
    seen.emplace_back(last + " " + text_at(event["metadata"], "name"), std::move(event));
  }
  std::sort(seen.begin(), seen.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<json> events;
  for (auto& [order, event] : seen) events.push_back(std::move(event));
  return events;
}

Result<std::unique_ptr<StoreWatch>> KubeStore::watch() {
  // A kind the API server does not serve (its CRD not installed) is said at once, before any
  // cache is left to fail at it in the log.
  for (const auto& [kind, resource] : reconciled_resources()) {
    if (auto served = current_version(*client_, api_path(resource, namespace_)); !served) {
      Error error = served.error();
      error.message = "cannot watch " + resource.plural + ": " + error.message;
      if (is_not_found(served.error())) {
        error.message +=
            " (the API server does not serve them: install mdbop's CRDs with "
            "kubectl apply -k deploy/crds)";
      }
      return tl::unexpected(error);
    }
  }
  if (caches_.empty()) cache_reconciled_kinds();
  auto queue = std::make_shared<WatchQueue>();
  {
    std::lock_guard lock(mutex_);
    watches_.push_back(queue);
  }
  return std::unique_ptr<StoreWatch>(std::make_unique<KubeWatch>(caches_, std::move(queue)));
}

}  // namespace mdbop
