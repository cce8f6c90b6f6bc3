// The archiver of a MariaDB's binary log (controller/archive/binlog_archiver.h), run while
// spec.pointInTimeRecoveryRef names a PointInTimeRecovery.
#include "controller/conditions.h"
#include "controller/mariadb/reconciler.h"
#include "store/storage_access.h"

namespace mdbop {

void MariaDBReconciler::maintain_archiver(const Pass& pass) {
  const std::string& wanted = pass.spec.point_in_time_recovery;
  // Only this thread replaces archiver_; stop_soon (another thread) only reads it, locked.
  if (archiver_ && archived_pitr_ == wanted) return;
  if (archiver_) {
    // The reference was removed, or names another PointInTimeRecovery: that one archives no
    // more, and says so (its status would otherwise claim Archiving for good).
    stop_archiver();
    release_point_in_time_recovery(archived_pitr_);
    store_.update_status(key_, [](json& status) { status.erase("pointInTimeRecovery"); });
  }
  std::lock_guard lock(archiver_mutex_);
  if (wanted.empty() || stopping_) return;
  archived_pitr_ = wanted;
  // The archiver reads the PointInTimeRecovery afresh in every round, so that a change to it
  // (another storage, a key) is taken without a restart.
  archiver_ = std::make_unique<BinlogArchiver>(
      store_, agent_, key_,
      [this](const PointInTimeRecoverySpec& spec, const std::string& namespace_) {
        return open_storage(store_, namespace_, spec.storage, home_, "spec.storage");
      });
}

void MariaDBReconciler::release_point_in_time_recovery(const std::string& name) {
  const ObjectKey key{"PointInTimeRecovery", key_.namespace_, name};
  auto object = store_.get(key);
  if (!object) return;
  const long long generation = (*object)["metadata"].value("generation", 0LL);
  store_.update_status(key, [&](json& status) {
    status.erase("node");
    mdbop::set_condition(status, "Archiving", false, "NotReferenced",
                         "MariaDB " + key_.name + " no longer references it: nothing is archived",
                         generation);
  });
}

void MariaDBReconciler::stop_archiver() {
  std::unique_ptr<BinlogArchiver> archiver;
  {
    std::lock_guard lock(archiver_mutex_);
    archiver = std::move(archiver_);
  }
  archiver.reset();  // joins its thread, outside the lock
}

}  // namespace mdbop
