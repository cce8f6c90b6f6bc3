#include "kube/object_cache.h"

#include "util/json_text.h"

namespace mdbop {

namespace {

using json = nlohmann::json;

auto not_synced(const std::string& path) {
  return fail(ErrorCode::kUnavailable, "the cache of " + path + " is not synced");
}

}  // namespace

json without_managed_fields(json object) {
  if (object.contains("metadata") && object["metadata"].is_object()) {
    object["metadata"].erase("managedFields");
  }
  return object;
}

ObjectCache::ObjectCache(std::shared_ptr<const KubeClient> client, ApiResource resource,
                         std::string namespace_, std::string label_selector)
    : client_(std::move(client)), path_(api_path(resource, namespace_)) {
  if (!label_selector.empty()) selection_.emplace_back("labelSelector", std::move(label_selector));
  CollectionFollowing following;
  following.path = path_;
  following.selection = selection_;
  following.start = [this] { return relist(); };
  following.on_change = [this](const WatchEvent& event) { take(event); };
  following.on_interrupted = [this] {
    std::lock_guard lock(mutex_);
    synced_ = false;
  };
  follower_ = std::thread([this, following = std::move(following)]() mutable {
    follow_collection(*client_, std::move(following), stop_);
  });
}

ObjectCache::~ObjectCache() {
  stop_.raise();
  follower_.join();
}

Result<std::string> ObjectCache::relist() {
  auto listing = list_collection(*client_, path_, selection_);
  if (!listing) return tl::unexpected(listing.error());
  if (listing->resource_version.empty()) {
    return fail(ErrorCode::kCorrupt, "a listing of " + path_ + " without a resource version");
  }
  std::map<Key, json> objects;
  for (json& item : listing->items) {
    const json metadata = object_at(item, "metadata");
    objects[{text_at(metadata, "namespace"), text_at(metadata, "name")}] =
        without_managed_fields(std::move(item));
  }
  {
    std::lock_guard lock(mutex_);
    objects_ = std::move(objects);
    synced_ = true;
  }
  std::lock_guard lock(subscribers_->mutex);
  for (const auto& [id, subscriber] : subscribers_->by_id) subscriber.relisted();
  return listing->resource_version;
}

void ObjectCache::take(const WatchEvent& event) {
  const json metadata = object_at(event.object, "metadata");
  Key key{text_at(metadata, "namespace"), text_at(metadata, "name")};
  {
    std::lock_guard lock(mutex_);
    if (event.deleted) {
      objects_.erase(key);
    } else {
      objects_[std::move(key)] = without_managed_fields(event.object);
    }
  }
  std::lock_guard lock(subscribers_->mutex);
  for (const auto& [id, subscriber] : subscribers_->by_id) subscriber.changed(event.object);
}

ObjectCache::Subscription ObjectCache::subscribe(std::function<void(const json&)> changed,
                                                 std::function<void()> relisted) {
  std::lock_guard lock(subscribers_->mutex);
  const int id = subscribers_->next_id++;
  subscribers_->by_id[id] = {std::move(changed), std::move(relisted)};
  return Subscription(nullptr, [subscribers = subscribers_, id](void*) {
    std::lock_guard lock(subscribers->mutex);
    subscribers->by_id.erase(id);
  });
}

Result<std::optional<json>> ObjectCache::find(const std::string& namespace_,
                                              const std::string& name) const {
  std::lock_guard lock(mutex_);
  if (!synced_) return not_synced(path_);
  auto found = objects_.find({namespace_, name});
  if (found == objects_.end()) return std::optional<json>();
  return std::optional<json>(found->second);
}

Result<std::vector<json>> ObjectCache::list(const std::string& namespace_) const {
  std::lock_guard lock(mutex_);
  if (!synced_) return not_synced(path_);
  std::vector<json> objects;
  for (auto it = objects_.lower_bound({namespace_, ""});
       it != objects_.end() && (namespace_.empty() || it->first.first == namespace_); ++it) {
    objects.push_back(it->second);
  }
  return objects;
}

bool ObjectCache::synced() const {
  std::lock_guard lock(mutex_);
  return synced_;
}

}  // namespace mdbop
