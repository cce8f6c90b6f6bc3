// MemoryStore: a Store in memory with the semantics of LocalStore (resourceVersion, generation,
// uid, counted events, status kept on apply), for tests of the code that uses a store.
// Thread-safe.
#pragma once

#include <map>
#include <memory>
#include <mutex>

#include "store/store.h"

namespace mdbop {

class MemoryStore final : public Store {
 public:
  MemoryStore();
  ~MemoryStore() override;

  Result<json> get(const ObjectKey& key) const override;
  bool exists(const ObjectKey& key) const override;
  std::vector<json> list(const std::string& kind,
                         const std::string& namespace_ = "") const override;
  Result<ApplyResult> apply(const json& manifest) override;
  Result<json> update_status(const ObjectKey& key,
                             const std::function<void(json& status)>& mutate) override;
  Result<json> update(const ObjectKey& key,
                      const std::function<void(json& object)>& mutate) override;
  Result<bool> remove(const ObjectKey& key) override;
  void record_event(const json& involved_object, const std::string& type, const std::string& reason,
                    const std::string& message) override;
  std::vector<json> events(const std::string& namespace_ = "", const std::string& kind = "",
                           const std::string& name = "") const override;
  // A watch may outlive the store; it then sees no more changes.
  Result<std::unique_ptr<StoreWatch>> watch() override;

  // Highest resourceVersion handed out so far (deletions take one too).
  long long current_version() const;

  struct WatchQueue;  // the changes one watch has not yet returned

 private:
  // REQUIRES: mutex_ held. Takes the next resourceVersion and tells the watches about `key`.
  std::string changed(const ObjectKey& key);

  mutable std::mutex mutex_;
  std::map<ObjectKey, json> objects_;
  long long version_ = 0;
  std::vector<json> events_;  // oldest first
  std::vector<std::weak_ptr<WatchQueue>> watches_;
};

}  // namespace mdbop
