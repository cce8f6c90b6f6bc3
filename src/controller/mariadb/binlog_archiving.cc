// The archiver of a MariaDB's binary log (controller/archive/binlog_archiver.h), run while
// spec.pointInTimeRecoveryRef names a PointInTimeRecovery.
#include "controller/mariadb/reconciler.h"
#include "store/storage_access.h"

namespace mdbop {

void MariaDBReconciler::maintain_archiver(const Pass& pass) {
  std::lock_guard lock(archiver_mutex_);
  if (pass.spec.point_in_time_recovery.empty()) {
    if (!archiver_) return;
    archiver_.reset();
    store_.update_status(key_, [](json& status) { status.erase("pointInTimeRecovery"); });
    return;
  }
  if (archiver_ || stopping_) return;
  // The archiver reads the PointInTimeRecovery afresh in every round, so that a change to it
  // (another storage, a key) is taken without a restart.
  archiver_ = std::make_unique<BinlogArchiver>(
      store_, agent_, key_,
      [this](const PointInTimeRecoverySpec& spec, const std::string& namespace_) {
        return open_storage(store_, namespace_, spec.storage, home_, "spec.storage");
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
