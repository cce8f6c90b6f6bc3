// LocalStore: the object store in files under $MDBOP_HOME/store, shared by the CLI and the
// operator (separate processes). Layout: objects/<kind>/<namespace>/<name>.json, each replaced
// atomically (written aside, renamed); `version`, the highest resourceVersion handed out;
// events.jsonl; `lock`, the exclusive file lock every mutation holds. Watches use inotify.
#pragma once

#include <filesystem>

#include "store/store.h"

namespace mdbop {

class LocalStore final : public Store {
 public:
  // REQUIRES: root is a directory mdbop may create and write (created if missing).
  explicit LocalStore(std::filesystem::path root);

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
  // Sees changes by any process writing this store's files. Code kUnavailable when inotify
  // cannot be had (the per-user limit of instances or watches).
  Result<std::unique_ptr<StoreWatch>> watch() override;

  // Highest resourceVersion handed out so far (deletions take one too).
  long long current_version() const;

 private:
  std::filesystem::path object_path(const ObjectKey& key) const;
  std::filesystem::path root_;
};

}  // namespace mdbop
