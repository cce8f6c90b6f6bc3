// Reconciler: what the operator runs for one object, pass after pass, on its own thread.
#pragma once

#include <chrono>

namespace mdbop {

class Reconciler {
 public:
  virtual ~Reconciler() = default;

  // One pass. Returns how long to wait before the next one.
  virtual std::chrono::milliseconds reconcile() = 0;

  // True once the object is gone and cleaned up: the worker ends.
  virtual bool finished() const = 0;

  // Asks a long pass (a backup, a restore) to give up soon because the operator is stopping.
  // Called from another thread.
  virtual void stop_soon() {}
};

}  // namespace mdbop
