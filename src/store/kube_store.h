// KubeStore: the objects held by a Kubernetes API server, behind the same Store interface as
// the local store, so the controllers run unchanged. Status is written through the status
// subresource, apply is a server-side apply by the field manager "mdbop" (it takes the fields
// it applies and leaves other managers' fields alone), events are events.k8s.io/v1 Events
// (a repeat becomes a series). The kinds mdbop reconciles are followed into watch-fed caches
// (kube/object_cache.h), set up by cache_reconciled_kinds() or the first watch(): a watch tells
// each change once its cache holds it, and objects of those kinds are read from the caches
// while they are synced, and always as this store last wrote them or later: until a cache has
// caught up with this store's own write of an object, that object is read from the API server.
// A store without caches reads every object from the API server.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "kube/kube_client.h"
#include "kube/object_cache.h"
#include "store/store.h"

namespace mdbop {

class KubeStore final : public Store {
 public:
  // `namespace_` empty: objects of every namespace. `reporting_instance`: who records the
  // events (the pod's or the host's name).
  KubeStore(std::shared_ptr<const KubeClient> client, std::string namespace_,
            std::string reporting_instance);
  ~KubeStore() override;

  // Follows every kind watch() watches into a cache that get, exists and list read (above).
  // REQUIRES: called once, before the store is used by more than one thread.
  void cache_reconciled_kinds();

  // Objects of mdbop's kinds come with their kind's defaults filled into the spec, as `mdbop
  // apply` stores them (the API server keeps a manifest as written); see with_defaults.
  Result<json> get(const ObjectKey& key) const override;
  bool exists(const ObjectKey& key) const override;
  // A listing that fails is logged, returns nothing and makes every watch of this store ask
  // for a new listing (StoreChanges::resync), so that no object is forgotten.
  std::vector<json> list(const std::string& kind,
                         const std::string& namespace_ = "") const override;
  Result<ApplyResult> apply(const json& manifest) override;
  Result<json> update_status(const ObjectKey& key,
                             const std::function<void(json& status)>& mutate) override;
  // Writes metadata and spec (and a Secret's or ConfigMap's data); status only through
  // update_status, as the API server takes it only there.
  Result<json> update(const ObjectKey& key,
                      const std::function<void(json& object)>& mutate) override;
  Result<bool> remove(const ObjectKey& key) override;
  void record_event(const json& involved_object, const std::string& type, const std::string& reason,
                    const std::string& message) override;
  std::vector<json> events(const std::string& namespace_ = "", const std::string& kind = "",
                           const std::string& name = "") const override;
  // Watches the kinds the operator reconciles (k8s.mariadb.com's) in this store's namespace (or
  // all of them) through their caches, set up here unless cache_reconciled_kinds() did; Secrets
  // and ConfigMaps are read when needed, not watched. The caches tell each change once they
  // hold it (so a read after the news finds it); the first wait, and each new listing of a
  // cache (after an expired or failed watch), asks for a listing.
  // REQUIRES: without cache_reconciled_kinds(), the first call before the store is used by more
  // than one thread.
  Result<std::unique_ptr<StoreWatch>> watch() override;

  struct WatchQueue;

 private:
  // The object as the API server holds it, no defaults filled in: what writes start from, so
  // that mdbop never writes its defaults into a user's spec.
  // `fresh`: from the API server, never a cache.
  Result<json> read(const ObjectKey& key, bool fresh = false) const;
  // The object as its kind's cache holds it (nullopt: it holds none); kUnavailable when the kind
  // has no cache or it is not synced.
  Result<std::optional<json>> find_cached(const ObjectKey& key) const;
  // The object from its kind's cache; nullopt when there is none, it is not synced, it has not
  // caught up with this store's last write of the object, or it does not hold the object.
  std::optional<Result<json>> read_cached(const ObjectKey& key) const;
  // Whether a cache that shows the object at `shown` (empty: none) shows the version this store
  // awaits of it, as it does when none is awaited; a version shown is no longer awaited.
  // REQUIRES: mutex_ held.
  bool caught_up(const ObjectKey& key, const std::string& shown) const;
  // Remembers the version this store wrote of an object (empty: gone): its cache is not read
  // for it until it shows that version. Two different writes of it before the cache caught up
  // await an unknown version: a read from the API server says which is current.
  void note_written(const ObjectKey& key, const std::string& resource_version) const;
  Result<json> replace_with(const ObjectKey& key, const std::string& subresource,
                            const std::function<Result<std::optional<json>>(const json&)>& change);
  void ask_for_relisting() const;
  // A listing's namespace: the one asked for, else this store's (empty: all).
  const std::string& in_scope(const std::string& asked) const;

  std::shared_ptr<const KubeClient> client_;
  std::string namespace_;
  std::string reporting_instance_;

  std::map<std::string, std::unique_ptr<ObjectCache>> caches_;  // by kind; set up before use
  mutable std::mutex mutex_;
  // Objects this store wrote that their cache has not shown since: the version written.
  mutable std::map<ObjectKey, std::string> awaited_versions_;
  mutable std::vector<std::weak_ptr<WatchQueue>> watches_;
  mutable int failed_listings_ = 0;  // in a row; spaces out the relistings they ask for
  // The events recorded, so that a repeat adds to its series: (namespace, involved object's
  // kind and name, type, reason, message) -> (event's name, count).
  using EventKey =
      std::tuple<std::string, std::string, std::string, std::string, std::string, std::string>;
  std::map<EventKey, std::pair<std::string, long long>> recorded_events_;
};

}  // namespace mdbop
