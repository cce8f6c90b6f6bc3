#include "controller/kind_registry.h"

#include "controller/backup/backup_reconciler.h"
#include "controller/mariadb/reconciler.h"
#include "controller/restore/restore_reconciler.h"

namespace mdbop {

const std::vector<ReconciledKind>& reconciled_kinds() {
  static const std::vector<ReconciledKind> kinds = [] {
    auto backup = [](const ReconcilerContext& c, ObjectKey key) -> std::unique_ptr<Reconciler> {
      return std::make_unique<BackupReconciler>(c.store, c.agent, c.home, std::move(key));
    };
    return std::vector<ReconciledKind>{
        {"MariaDB",
         [](const ReconcilerContext& c, ObjectKey key) -> std::unique_ptr<Reconciler> {
           return std::make_unique<MariaDBReconciler>(c.store, c.agent, std::move(key), c.home);
         }},
        {"Backup", backup},
        {"PhysicalBackup", backup},
        {"Restore",
         [](const ReconcilerContext& c, ObjectKey key) -> std::unique_ptr<Reconciler> {
           return std::make_unique<RestoreReconciler>(c.store, c.agent, c.home, std::move(key));
         }},
    };
  }();
  return kinds;
}

std::unique_ptr<Reconciler> make_reconciler(const ReconcilerContext& context,
                                            const ObjectKey& key) {
  for (const ReconciledKind& kind : reconciled_kinds()) {
    if (kind.kind == key.kind) return kind.make(context, key);
  }
  return nullptr;
}

}  // namespace mdbop
