#include <iostream>
#include <thread>

#include "api/annotations.h"
#include "api/kinds.h"
#include "cli/commands.h"
#include "cli/operator_process.h"
#include "cli/typed_names.h"
#include "store/local_store.h"

namespace mdbop {

using namespace std::chrono_literals;

namespace {

// A MariaDB is only marked: the operator stops its nodes, then removes it (like a finalizer).
int delete_object(Store& store, const ObjectKey& key, bool purge) {
  auto kind = resolve_kind(key.kind);
  json object = {{"apiVersion", kind ? kind->api_version : ""},
                 {"kind", key.kind},
                 {"metadata", {{"name", key.name}}}};
  std::string reference = object_reference(object);
  if (!store.exists(key)) {
    return report_failure(reference + " not found in namespace " + key.namespace_);
  }
  if (key.kind != "MariaDB") {
    auto removed = store.remove(key);
    if (!removed) return report_failure(removed.error().what());
    std::cout << reference << " deleted\n";
    return 0;
  }
  auto marked = store.update(key, [&](json& o) {
    o["metadata"]["deletionTimestamp"] = rfc3339_now();
    // Held for the operator's clean-up, also when it has never seen the object.
    json& finalizers = o["metadata"]["finalizers"];
    if (!has_cleanup_finalizer(o)) {
      if (!finalizers.is_array()) finalizers = json::array();
      finalizers.push_back(kCleanupFinalizer);
    }
    // Always explicit: an annotation that came in through apply must not decide.
    o["metadata"]["annotations"][kPurgeAnnotation] = purge ? "true" : "false";
  });
  if (!marked) return report_failure(marked.error().what());
  if (!running_operator(mdbop_home())) {
    std::cout << reference << " marked for deletion; the operator stops its nodes when it runs\n";
    return 0;
  }
  for (int i = 0; i < 1200 && store.exists(key); ++i) std::this_thread::sleep_for(100ms);
  if (store.exists(key)) return report_failure(reference + " is still being deleted");
  std::cout << reference << " deleted" << (purge ? " (data purged)" : " (data kept)") << "\n";
  return 0;
}

}  // namespace

int cmd_delete(const ObjectSelector& selector, const std::vector<std::string>& files, bool purge) {
  LocalStore store(mdbop_home() / "store");
  if (!files.empty()) {
    auto manifests = load_manifests(files);
    if (!manifests) return report_failure(manifests.error().what());
    for (const std::string& note : manifests->skipped) std::cout << note << "\n";
    int status = 0;
    for (const json& object : manifests->objects) {
      status |= delete_object(store, key_of(object), purge);
    }
    return status;
  }
  if (auto typed = check_typed_names(selector.namespace_, {{"NAME", selector.name}}); !typed) {
    return report_failure(typed.error().what());
  }
  auto kind = resolve_kind(selector.kind);
  if (!kind) return report_failure(kind.error().what());
  if (kind->kind == "Pod") {
    return report_failure("pods are nodes of a MariaDB; change its replicas or delete it");
  }
  if (selector.name.empty()) return report_failure("delete needs a NAME or -f FILE");
  return delete_object(store, {kind->kind, selector.namespace_, selector.name}, purge);
}

}  // namespace mdbop
