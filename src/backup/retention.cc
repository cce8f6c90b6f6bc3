#include "backup/retention.h"

#include <algorithm>

namespace mdbop {

std::vector<std::string> artifacts_beyond_retention(
    const std::vector<ArtifactManifest>& artifacts, const RetentionSpec& policy, SysSeconds now,
    const std::set<std::string>& in_use, const std::set<std::string>& failed_verification) {
  std::vector<const ArtifactManifest*> newest_first;
  for (const ArtifactManifest& a : artifacts) newest_first.push_back(&a);
  std::sort(newest_first.begin(), newest_first.end(), [](auto* a, auto* b) {
    return std::tie(a->finished, a->id) > std::tie(b->finished, b->id);
  });

  std::optional<std::chrono::seconds> max_age = policy.ttl;
  if (policy.max_retention && (!max_age || *policy.max_retention < *max_age)) {
    max_age = policy.max_retention;
  }
  std::vector<std::string> doomed;
  int newer_good = 0;
  for (size_t i = 0; i < newest_first.size(); ++i) {
    const ArtifactManifest& a = *newest_first[i];
    const bool good = !failed_verification.count(a.id);
    const bool kept_anyway = i == 0 || (good && newer_good == 0) || in_use.count(a.id);
    const bool too_many = policy.keep_last && newer_good >= *policy.keep_last;
    const bool too_old = max_age && now - a.finished > *max_age;
    if ((too_many || too_old) && !kept_anyway) doomed.push_back(a.id);
    if (good) ++newer_good;
  }
  return doomed;
}

}  // namespace mdbop
