#include <chrono>
#include <iostream>

#include "api/annotations.h"
#include "cli/commands.h"
#include "cli/typed_names.h"
#include "store/local_store.h"

namespace mdbop {

int cmd_backup_run(const std::string& name, const std::string& namespace_) {
  if (auto typed = check_typed_names(namespace_, {{"NAME", name}}); !typed) {
    return report_failure(typed.error().what());
  }
  LocalStore store(mdbop_home() / "store");
  for (const char* kind : {"Backup", "PhysicalBackup"}) {
    const ObjectKey key{kind, namespace_, name};
    if (!store.exists(key)) continue;
    // A new value each time: the reconciler runs once per value it has not seen.
    const std::string request =
        rfc3339_now() + "/" +
        std::to_string(std::chrono::system_clock::now().time_since_epoch().count());
    auto updated = store.update(
        key, [&](json& object) { object["metadata"]["annotations"][kRunNowAnnotation] = request; });
    if (!updated) return report_failure(updated.error().what());
    std::cout << (std::string(kind) == "Backup" ? "backup" : "physicalbackup") << "/" << name
              << " run requested; follow it with: mdbop wait " << kind << "/" << name
              << " --for=condition=Complete\n";
    return 0;
  }
  return report_failure("no Backup or PhysicalBackup \"" + name + "\" in namespace " + namespace_);
}

}  // namespace mdbop
