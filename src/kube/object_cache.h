// ObjectCache: the objects of one collection that a label selector picks, as the API server
// last said they are, kept by a listing and a watch on a thread of its own (collection_follower),
// so that reading them costs no request: an idle operator's passes read their pods and claims
// here instead of asking the API server every second. It answers only while it is synced: until
// its first listing, and from a failed or expired watch until the next listing, it says so and
// the reader asks the API server itself, so a gap is never taken for the truth.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "kube/collection_follower.h"
#include "kube/kube_client.h"
#include "util/result.h"

namespace mdbop {

// What the caches keep of an object the API server sent: all but the field managers' records,
// which are most of a pod's bytes and which nothing reads.
nlohmann::json without_managed_fields(nlohmann::json object);

class ObjectCache {
 public:
  // `namespace_` empty: every namespace. Starts following at once.
  ObjectCache(std::shared_ptr<const KubeClient> client, ApiResource resource,
              std::string namespace_, std::string label_selector);
  ~ObjectCache();
  ObjectCache(const ObjectCache&) = delete;
  ObjectCache& operator=(const ObjectCache&) = delete;

  // The object (without its managedFields), or nullopt when there is none; kUnavailable when
  // the cache is not synced.
  Result<std::optional<nlohmann::json>> find(const std::string& namespace_,
                                             const std::string& name) const;
  // The objects of `namespace_` (empty: of every namespace), by namespace and name;
  // kUnavailable when the cache is not synced.
  Result<std::vector<nlohmann::json>> list(const std::string& namespace_) const;
  bool synced() const;
  // Stops following (the destructor waits for the end): many caches stop at once this way.
  void stop() { stop_.raise(); }

  // Calls `changed` with each object (as it is now, or was when deleted) once the cache holds
  // its change, and `relisted` after each listing that replaced what the cache held (a change
  // made while no watch ran is only in it), until the subscription is destroyed (it may outlive
  // the cache): a reader told of a change finds it here. Called on the cache's thread, which
  // they must not make subscribe or unsubscribe.
  using Subscription = std::shared_ptr<void>;
  Subscription subscribe(std::function<void(const nlohmann::json& object)> changed,
                         std::function<void()> relisted);

 private:
  using Key = std::pair<std::string, std::string>;  // namespace, name
  Result<std::string> relist();
  void take(const WatchEvent& event);
  struct Subscribers {
    struct One {
      std::function<void(const nlohmann::json&)> changed;
      std::function<void()> relisted;
    };
    std::mutex mutex;  // held while they are called
    std::map<int, One> by_id;
    int next_id = 0;
  };

  std::shared_ptr<const KubeClient> client_;
  std::string path_;
  std::vector<std::pair<std::string, std::string>> selection_;
  mutable std::mutex mutex_;
  std::map<Key, nlohmann::json> objects_;
  bool synced_ = false;
  std::shared_ptr<Subscribers> subscribers_ = std::make_shared<Subscribers>();
  StopSignal stop_;
  std::thread follower_;
};

}  // namespace mdbop
