#include "store/memory_store.h"

#include <condition_variable>
#include <set>

#include "store/object_rules.h"

namespace mdbop {

struct MemoryStore::WatchQueue {
  std::mutex mutex;
  std::condition_variable changed;
  std::set<ObjectKey> keys;
};

namespace {

class MemoryWatch final : public StoreWatch {
 public:
  explicit MemoryWatch(std::shared_ptr<MemoryStore::WatchQueue> queue) : queue_(std::move(queue)) {}

  StoreChanges wait(std::chrono::steady_clock::time_point deadline) override {
    std::unique_lock lock(queue_->mutex);
    queue_->changed.wait_until(lock, deadline, [&] { return !queue_->keys.empty(); });
    StoreChanges changes{{queue_->keys.begin(), queue_->keys.end()}, false};
    queue_->keys.clear();
    return changes;
  }

 private:
  std::shared_ptr<MemoryStore::WatchQueue> queue_;
};

}  // namespace

MemoryStore::MemoryStore() = default;
MemoryStore::~MemoryStore() = default;

std::string MemoryStore::changed(const ObjectKey& key) {
  std::erase_if(watches_, [&](const std::weak_ptr<WatchQueue>& weak) {
    auto queue = weak.lock();
    if (!queue) return true;
    {
      std::lock_guard queue_lock(queue->mutex);
      queue->keys.insert(key);
    }
    queue->changed.notify_all();
    return false;
  });
  return std::to_string(++version_);
}

Result<json> MemoryStore::get(const ObjectKey& key) const {
  auto valid = check_key(key);
  if (!valid) return tl::unexpected(valid.error());
  std::lock_guard lock(mutex_);
  auto it = objects_.find(key);
  if (it == objects_.end()) return fail(ErrorCode::kNotFound, "not found");
  return it->second;
}

bool MemoryStore::exists(const ObjectKey& key) const {
  std::lock_guard lock(mutex_);
  return objects_.contains(key);
}

std::vector<json> MemoryStore::list(const std::string& kind, const std::string& namespace_) const {
  std::lock_guard lock(mutex_);
  std::vector<json> objects;
  // Keys sort by kind, namespace, name: the objects of one kind are sorted as list promises.
  for (auto it = objects_.lower_bound({kind, "", ""}); it != objects_.end(); ++it) {
    if (it->first.kind != kind) break;
    if (namespace_.empty() || it->first.namespace_ == namespace_) objects.push_back(it->second);
  }
  return objects;
}

Result<ApplyResult> MemoryStore::apply(const json& manifest) {
  ObjectKey key = key_of(manifest);
  auto valid = check_key(key);
  if (!valid) return tl::unexpected(valid.error());
  std::lock_guard lock(mutex_);
  auto it = objects_.find(key);
  std::optional<json> stored;
  if (it != objects_.end()) stored = it->second;
  ApplyResult result = apply_manifest(manifest, stored, new_identity());
  if (result.outcome == ApplyOutcome::kUnchanged) return result;
  result.object["metadata"]["resourceVersion"] = changed(key);
  objects_[key] = result.object;
  return result;
}

Result<json> MemoryStore::update_status(const ObjectKey& key,
                                        const std::function<void(json& status)>& mutate) {
  return update(key, [&](json& object) { mutate_status(object, mutate); });
}

Result<json> MemoryStore::update(const ObjectKey& key,
                                 const std::function<void(json& object)>& mutate) {
  auto valid = check_key(key);
  if (!valid) return tl::unexpected(valid.error());
  std::lock_guard lock(mutex_);
  auto it = objects_.find(key);
  if (it == objects_.end()) return fail(ErrorCode::kNotFound, "not found");
  auto updated = apply_update(key, it->second, mutate);
  if (!updated) return tl::unexpected(updated.error());
  if (!*updated) return it->second;
  (**updated)["metadata"]["resourceVersion"] = changed(key);
  it->second = std::move(**updated);
  return it->second;
}

Result<bool> MemoryStore::remove(const ObjectKey& key) {
  auto valid = check_key(key);
  if (!valid) return tl::unexpected(valid.error());
  std::lock_guard lock(mutex_);
  if (objects_.erase(key) == 0) return false;
  changed(key);
  return true;
}

void MemoryStore::record_event(const json& involved_object, const std::string& type,
                               const std::string& reason, const std::string& message) {
  json reference = involved_object_of(involved_object);
  std::string now = rfc3339_now();
  std::lock_guard lock(mutex_);
  // Like LocalStore: the same event seen again is counted and becomes the newest.
  json event;
  for (auto it = events_.rbegin(); it != events_.rend(); ++it) {
    if (same_event(*it, reference, type, reason, message)) {
      event = std::move(*it);
      events_.erase(std::next(it).base());
      break;
    }
  }
  if (event.is_null()) event = new_event(reference, type, reason, message, now);
  count_event(event, now);
  events_.push_back(std::move(event));
  if (events_.size() > kMaxEvents) events_.erase(events_.begin());
}

std::vector<json> MemoryStore::events(const std::string& namespace_, const std::string& kind,
                                      const std::string& name) const {
  std::lock_guard lock(mutex_);
  std::vector<json> matching;
  for (const json& event : events_) {
    if (event_matches(event, namespace_, kind, name)) matching.push_back(event);
  }
  return matching;
}

Result<std::unique_ptr<StoreWatch>> MemoryStore::watch() {
  auto queue = std::make_shared<WatchQueue>();
  {
    std::lock_guard lock(mutex_);
    watches_.push_back(queue);
  }
  return std::unique_ptr<StoreWatch>(std::make_unique<MemoryWatch>(std::move(queue)));
}

long long MemoryStore::current_version() const {
  std::lock_guard lock(mutex_);
  return version_;
}

}  // namespace mdbop
