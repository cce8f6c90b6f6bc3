#include "controller/object_reconciler.h"

#include "controller/event_log.h"
#include "controller/field_warnings.h"

namespace mdbop {

using namespace std::chrono_literals;

ObjectReconciler::ObjectReconciler(Store& store, ObjectKey key, bool nodes_are_pods)
    : store_(store), key_(std::move(key)), nodes_are_pods_(nodes_are_pods) {}

std::chrono::milliseconds ObjectReconciler::reconcile() {
  auto object = store_.get(key_);
  if (!object) {
    // Gone means done; any other failure to read is retried.
    if (!is_not_found(object.error())) return 5s;
    finished_ = true;
    return 0ms;
  }
  object_ = *object;
  if (object_["metadata"].contains("deletionTimestamp")) {
    // Without mdbop's finalizer it was cleaned up already: only another's finalizer holds it.
    if (has_cleanup_finalizer(object_)) {
      clean_up_deleted();
      if (auto removed = store_.remove(key_); !removed) return 5s;  // let go of it next pass
    }
    finished_ = true;
    return 0ms;
  }
  // Not acted on before it is held: a deletion must wait for its clean-up.
  if (!hold_until_cleaned_up()) return 5s;
  object_ = warn_unsupported_fields_once(store_, key_, object_, nodes_are_pods_);
  return reconcile_object();
}

bool ObjectReconciler::hold_until_cleaned_up() {
  if (has_cleanup_finalizer(object_)) return true;
  auto held = store_.update(key_, [](json& object) {
    json& list = object["metadata"]["finalizers"];
    if (!list.is_array()) list = json::array();
    list.push_back(kCleanupFinalizer);
  });
  if (!held) return false;
  object_ = *held;
  return true;
}

void ObjectReconciler::event(const std::string& type, const std::string& reason,
                             const std::string& message) {
  store_.record_event(object_, type, reason, message);
  // The store counts repeats; the log says a thing once until something else happens.
  std::string said = type + reason + message;
  if (said == last_logged_event_) return;
  last_logged_event_ = said;
  log_event(key_, type, reason, message);
}

long long ObjectReconciler::generation() const {
  return object_["metadata"].value("generation", 0LL);
}

}  // namespace mdbop
