// ObjectReconciler: what every reconciler of one object shares. A pass begins the same way
// for every kind (the object read afresh; gone means finished; a deletion is cleaned up and
// the object removed; fields the runtime cannot honour are warned about once), and events
// are recorded on the object and logged once until something else is said.
#pragma once

#include <chrono>
#include <string>

#include <nlohmann/json.hpp>

#include "controller/reconciler.h"
#include "store/store.h"

namespace mdbop {

class ObjectReconciler : public Reconciler {
 public:
  std::chrono::milliseconds reconcile() final;
  bool finished() const final { return finished_; }

 protected:
  // `nodes_are_pods`: where the nodes run, which decides what fields are honoured.
  ObjectReconciler(Store& store, ObjectKey key, bool nodes_are_pods);

  // One pass over the object, which is in object_.
  virtual std::chrono::milliseconds reconcile_object() = 0;
  // The object is being deleted: undo what it made (it is removed from the store afterwards).
  virtual void clean_up_deleted() = 0;

  void event(const std::string& type, const std::string& reason, const std::string& message);
  long long generation() const;

  Store& store_;
  const ObjectKey key_;
  json object_;  // as last read or written

 private:
  // Puts kCleanupFinalizer on the object, so that a deletion waits for clean_up_deleted();
  // false when it could not (the pass is retried).
  bool hold_until_cleaned_up();

  const bool nodes_are_pods_;
  bool finished_ = false;
  std::string last_logged_event_;
};

}  // namespace mdbop
