#include "api/kinds.h"

#include <algorithm>

#include "util/ascii_case.h"

namespace mdbop {
const std::vector<KindInfo>& known_kinds() {
  // Short names are the operator's own (kubebuilder shortName markers) and kubectl's.
  static const std::vector<KindInfo> kinds = {
      {"MariaDB", "k8s.mariadb.com/v1alpha1", "mariadbs", {"mdb"}},
      {"Backup", "k8s.mariadb.com/v1alpha1", "backups", {"bmdb"}},
      {"PhysicalBackup", "k8s.mariadb.com/v1alpha1", "physicalbackups", {"pbmdb"}},
      {"Restore", "k8s.mariadb.com/v1alpha1", "restores", {"rmdb"}},
      {"PointInTimeRecovery", "k8s.mariadb.com/v1alpha1", "pointintimerecoveries", {"pitr"}},
      {"Secret", "v1", "secrets", {}},
      {"ConfigMap", "v1", "configmaps", {"cm"}},
      {"Pod", "v1", "pods", {"po"}},
  };
  return kinds;
}

Result<KindInfo> resolve_kind(const std::string& word) {
  const std::string w = ascii_lowercase(word);
  for (const KindInfo& k : known_kinds()) {
    if (w == ascii_lowercase(k.kind) || w == k.plural ||
        std::find(k.short_names.begin(), k.short_names.end(), w) != k.short_names.end()) {
      return k;
    }
  }
  std::string names;
  for (const KindInfo& k : known_kinds()) {
    names += (names.empty() ? "" : ", ") + ascii_lowercase(k.kind);
  }
  return fail("unknown kind \"" + word + "\"; known kinds: " + names);
}

}  // namespace mdbop
