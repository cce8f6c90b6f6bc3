// Following a collection of the API server as a reflector does: from a starting point (a full
// listing, or only the collection's current resource version), a watch that is resumed from the
// last version it saw when the server ends the stream, and started again from a new starting
// point when that version has expired or the watch failed (after a pause that grows while the
// API server keeps failing). Behind every watch-fed cache (kube/object_cache.h: the store's of
// mdbop's kinds, the runtime's of pods and claims) and the kubelet double's watch of pods.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "kube/kube_client.h"
#include "kube/watch_event.h"

namespace mdbop {

// Raised once to end a follow_collection, waking it from a pause or a quiet watch at once.
class StopSignal {
 public:
  void raise();
  bool raised() const { return raised_.load(); }
  // Waits `duration` unless raised meanwhile; false when raised.
  bool wait_for(std::chrono::steady_clock::duration duration);
  const std::atomic<bool>* flag() const { return &raised_; }

 private:
  std::atomic<bool> raised_ = false;
  std::mutex mutex_;
  std::condition_variable raised_changed_;
};

struct CollectionFollowing {
  std::string path;  // api_path of the collection
  // Sent with the listing and the watch (a labelSelector, say).
  std::vector<std::pair<std::string, std::string>> selection;
  // A new starting point: the version to watch from (after a listing, when the follower keeps
  // one). Called first, and after every expiry or failure.
  std::function<Result<std::string>()> start;
  // Each change (added, modified or deleted) in the order the API server sent them.
  std::function<void(const WatchEvent&)> on_change;
  // The watch failed or expired: what was seen may be stale until start() succeeds again.
  std::function<void()> on_interrupted;
};

// Follows until `stop` is raised.
void follow_collection(const KubeClient& client, CollectionFollowing following, StopSignal& stop);

// Every object of a collection (every page), and the resource version the listing is at.
struct CollectionListing {
  std::vector<nlohmann::json> items;
  std::string resource_version;
};
Result<CollectionListing> list_collection(
    const KubeClient& client, const std::string& path,
    const std::vector<std::pair<std::string, std::string>>& selection = {});

// The collection's resource version now (a listing of one object): whether the API server
// serves the collection at all, at the cost of one small request.
Result<std::string> current_version(const KubeClient& client, const std::string& path);

}  // namespace mdbop
