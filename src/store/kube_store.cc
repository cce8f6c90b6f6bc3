#include "store/kube_store.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <set>
#include <thread>

#include "api/kinds.h"
#include "api/manifest.h"
#include "kube/watch_event.h"
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

// What mdbop keeps of an object the API server sent: all but the field managers' records.
json as_stored(json object, const std::string& kind, const std::string& api_version) {
  if (object.contains("metadata") && object["metadata"].is_object()) {
    object["metadata"].erase("managedFields");
  }
  // Items of a list come without them.
  if (!object.contains("kind")) object["kind"] = kind;
  if (!object.contains("apiVersion")) object["apiVersion"] = api_version;
  return object;
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

// Every page of a listing.
Result<std::vector<json>> list_all(const KubeClient& client, const std::string& path) {
  std::vector<json> items;
  std::string next;
  do {
    std::vector<std::pair<std::string, std::string>> query{{"limit", "500"}};
    if (!next.empty()) query.emplace_back("continue", next);
    auto page = client.get(path + api_query(query));
    if (!page) return tl::unexpected(page.error());
    if (!page->value("items", json()).is_array()) {
      return fail(ErrorCode::kCorrupt, "the API server's list of " + path + " has no items");
    }
    for (json& item : (*page)["items"]) {
      if (item.is_object()) items.push_back(std::move(item));
    }
    next = text_at(page->value("metadata", json::object()), "continue");
  } while (!next.empty());
  return items;
}

// The collection's resource version now: the point a watch starts from.
Result<std::string> current_version(const KubeClient& client, const std::string& path) {
  auto listed = client.get(path + api_query({{"limit", "1"}}));
  if (!listed) return tl::unexpected(listed.error());
  std::string version = text_at(listed->value("metadata", json::object()), "resourceVersion");
  if (version.empty()) return fail(ErrorCode::kCorrupt, "a listing without a resource version");
  return version;
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

// One API watch per kind, each on its own thread, feeding one queue.
class KubeWatch final : public StoreWatch {
 public:
  struct Watched {
    std::string kind;
    ApiResource resource;
    std::string resource_version;  // where the watch resumes; empty: take the current one
  };

  KubeWatch(std::shared_ptr<const KubeClient> client, std::string namespace_,
            std::vector<Watched> watched, std::shared_ptr<KubeStore::WatchQueue> queue)
      : client_(std::move(client)), namespace_(std::move(namespace_)), queue_(std::move(queue)) {
    for (Watched& one : watched) {
      threads_.emplace_back([this, one = std::move(one)]() mutable { follow(one); });
    }
  }

  ~KubeWatch() override {
    {
      std::lock_guard lock(stop_mutex_);
      stopping_ = true;
    }
    stop_.notify_all();
    for (std::thread& thread : threads_) thread.join();
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
  // Follows one kind until the watch is destroyed.
  void follow(Watched& watched) {
    const std::string path = api_path(watched.resource, namespace_);
    auto backoff = 1s;
    while (!stopping_) {
      if (watched.resource_version.empty()) {
        auto version = current_version(*client_, path);
        if (!version) {
          spdlog::warn("cannot list {}: {}", path, version.error().what());
          pause(backoff);
          backoff = std::min<std::chrono::seconds>(backoff * 2, 30s);
          continue;
        }
        watched.resource_version = *version;
        queue_->ask_for_resync();  // what changed while no watch ran is only in a listing
      }
      const std::string query =
          api_query({{"watch", "1"},
                     {"resourceVersion", watched.resource_version},
                     {"allowWatchBookmarks", "true"},
                     {"timeoutSeconds", std::to_string(kWatchSeconds.count())}});
      bool expired = false;
      const auto started = std::chrono::steady_clock::now();
      auto followed = client_->watch(
          path + query,
          [&](json raw) -> Result<void> {
            WatchEvent event = read_watch_event(raw);
            switch (event.type) {
              case WatchEvent::Type::kChange: {
                ObjectKey key = key_of(event.object);
                key.kind = watched.kind;
                queue_->add(std::move(key));
                watched.resource_version = event.resource_version;
                return {};
              }
              case WatchEvent::Type::kBookmark:
                watched.resource_version = event.resource_version;
                return {};
              case WatchEvent::Type::kExpired:
                expired = true;
                return fail(ErrorCode::kConflict, event.message);
              case WatchEvent::Type::kFailed:
                return fail(ErrorCode::kUnavailable, event.message);
            }
            return {};
          },
          &stopping_);
      if (stopping_) break;
      if (expired || (!followed && followed.error().code == ErrorCode::kConflict)) {
        watched.resource_version.clear();  // list again, from now
        continue;
      }
      if (!followed) {
        spdlog::warn("the watch of {} failed: {}", path, followed.error().what());
        pause(backoff);
        backoff = std::min<std::chrono::seconds>(backoff * 2, 30s);
        continue;
      }
      backoff = 1s;
      // The server ended the watch (its timeout): resume at once, unless it ends them at once.
      if (std::chrono::steady_clock::now() - started < 1s) pause(1s);
    }
  }

  void pause(std::chrono::seconds duration) {
    std::unique_lock lock(stop_mutex_);
    stop_.wait_for(lock, duration, [&] { return stopping_.load(); });
  }

  std::shared_ptr<const KubeClient> client_;
  std::string namespace_;
  std::shared_ptr<KubeStore::WatchQueue> queue_;
  std::atomic<bool> stopping_ = false;
  std::mutex stop_mutex_;
  std::condition_variable stop_;
  std::vector<std::thread> threads_;
};

}  // namespace

KubeStore::KubeStore(std::shared_ptr<const KubeClient> client, std::string namespace_,
                     std::string reporting_instance)
    : client_(std::move(client)),
      namespace_(std::move(namespace_)),
      reporting_instance_(std::move(reporting_instance)) {}

KubeStore::~KubeStore() = default;

Result<json> KubeStore::read(const ObjectKey& key) const {
  auto path = object_path(key);
  if (!path) return tl::unexpected(path.error());
  auto object = client_->get(*path);
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
  auto items = list_all(*client_, api_path(*resource, in_scope(namespace_)));
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
  for (json& item : *items)
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
  auto before = read(key);  // its resourceVersion only
  if (!before && !is_not_found(before.error())) return tl::unexpected(before.error());
  auto after = client_->patch(*path, body, PatchType::kApply);
  if (!after) return tl::unexpected(after.error());
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
    auto stored = read(key);
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
  auto items = list_all(*client_, api_path(kEvents, in_scope(namespace_)));
  if (!items) {
    spdlog::warn("cannot list events: {}", items.error().what());
    return {};
  }
  // Oldest first by when each was last seen, to the microsecond, then by name.
  std::vector<std::pair<std::string, json>> seen;
  for (const json& item : *items) {
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
  std::vector<KubeWatch::Watched> watched;
  for (const KindInfo& info : known_kinds()) {
    // Not Pods (the runtime's), nor Secrets and ConfigMaps: read when needed, no change of one
    // wakes a reconciler, and watching every Secret of a cluster would fetch their contents
    // for nothing.
    if (info.api_version == "v1") continue;
    watched.push_back({info.kind, {info.api_version, info.plural}, ""});
  }
  // The versions to start from are taken now: every change after this call is seen.
  for (KubeWatch::Watched& one : watched) {
    auto version = current_version(*client_, api_path(one.resource, namespace_));
    if (!version) {
      Error error = version.error();
      error.message = "cannot watch " + one.resource.plural + ": " + error.message;
      if (is_not_found(version.error())) {
        error.message +=
            " (the API server does not serve them: install mdbop's CRDs with "
            "kubectl apply -k deploy/crds)";
      }
      return tl::unexpected(error);
    }
    one.resource_version = *version;
  }
  auto queue = std::make_shared<WatchQueue>();
  {
    std::lock_guard lock(mutex_);
    watches_.push_back(queue);
  }
  return std::unique_ptr<StoreWatch>(
      std::make_unique<KubeWatch>(client_, namespace_, std::move(watched), std::move(queue)));
}

}  // namespace mdbop
