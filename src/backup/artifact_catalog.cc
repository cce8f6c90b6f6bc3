#include "backup/artifact_catalog.h"

#include <algorithm>
#include <set>

namespace mdbop {

Result<Catalog> read_catalog(BackupStorage& storage, const std::string& backup) {
  auto objects = storage.list("");
  if (!objects) return tl::unexpected(objects.error());
  std::set<std::string> folders;
  std::set<std::string> with_manifest;
  for (const StoredObject& object : *objects) {
    const size_t slash = object.key.find('/');
    if (slash == std::string::npos) continue;
    const std::string folder = object.key.substr(0, slash);
    folders.insert(folder);
    if (object.key == manifest_key(folder)) with_manifest.insert(folder);
  }
  Catalog catalog;
  for (const std::string& folder : folders) {
    if (!with_manifest.count(folder)) {
      catalog.incomplete.push_back(folder);
      continue;
    }
    auto text = storage.read_all(manifest_key(folder));
    if (!text) return tl::unexpected(text.error());
    auto manifest = parse_manifest(*text);
    if (!manifest || manifest->id != folder) {
      catalog.incomplete.push_back(folder);
      continue;
    }
    if (backup.empty() || manifest->backup == backup) catalog.artifacts.push_back(*manifest);
  }
  std::sort(catalog.artifacts.begin(), catalog.artifacts.end(), [](const auto& a, const auto& b) {
    return std::tie(a.finished, a.id) > std::tie(b.finished, b.id);
  });
  return catalog;
}

Result<std::string> new_artifact_id(BackupStorage& storage, const std::string& backup_name,
                                    std::chrono::system_clock::time_point started) {
  const std::string first =
      backup_name + "-" + format_compact(std::chrono::floor<std::chrono::milliseconds>(started));
  for (int n = 1;; ++n) {
    std::string id = n == 1 ? first : first + "-" + std::to_string(n);
    auto taken = storage.list(id + "/");
    if (!taken) return tl::unexpected(taken.error());
    if (taken->empty()) return id;
  }
}

Result<ArtifactManifest> choose_artifact(const std::vector<ArtifactManifest>& artifacts,
                                         const std::optional<SysSeconds>& target,
                                         const std::string& exact_id) {
  if (!exact_id.empty()) {
    for (const ArtifactManifest& a : artifacts) {
      if (a.id == exact_id) return a;
    }
    return fail("no complete artifact \"" + exact_id + "\" in the storage");
  }
  const ArtifactManifest* chosen = nullptr;
  for (const ArtifactManifest& a : artifacts) {
    if (target && a.finished > *target) continue;
    if (chosen == nullptr || std::tie(a.finished, a.id) > std::tie(chosen->finished, chosen->id)) {
      chosen = &a;
    }
  }
  if (chosen != nullptr) return *chosen;
  if (artifacts.empty()) return fail("the storage holds no complete backup artifact");
  const auto oldest = std::min_element(artifacts.begin(), artifacts.end(),
                                       [](auto& a, auto& b) { return a.finished < b.finished; });
  return fail("no artifact finished at or before " + format_rfc3339(*target) +
              "; the oldest finished at " + format_rfc3339(oldest->finished));
}

}  // namespace mdbop
