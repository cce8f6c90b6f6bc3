// The kinds mdbop serves and the names a user may type for them.
#pragma once

#include <string>
#include <vector>

#include "util/result.h"

namespace mdbop {

struct KindInfo {
  std::string kind;                      // "MariaDB"
  std::string api_version;               // "k8s.mariadb.com/v1alpha1"
  std::string plural;                    // "mariadbs"
  std::vector<std::string> short_names;  // {"mdb"}
};

const std::vector<KindInfo>& known_kinds();

// Resolves what a user typed (singular, plural or short name, any case; "pod"/"pods" too,
// which are not stored objects but runtime views) to a KindInfo.
Result<KindInfo> resolve_kind(const std::string& word);

}  // namespace mdbop
