// Artifacts for the tests of what reads them back: taken with take_backup from a backup tool
// that writes the bytes a test gives.
#pragma once

#include <string>

#include "backup/take_backup.h"

namespace mdbop {

// A physical artifact `id` of Backup default/nightly, from pod g-1 of MariaDB default/g.
inline TakeBackupRequest test_artifact_request(const std::string& id) {
  TakeBackupRequest request;
  request.id = id;
  request.method = "physical";
  request.backup = "default/nightly";
  request.mariadb = "default/g";
  request.pod = "g-1";
  return request;
}

// Takes the artifact `request` names into `storage`, its backup tool writing `content`.
inline Result<ArtifactManifest> take_test_artifact(const TakeBackupRequest& request,
                                                   BackupStorage& storage,
                                                   const std::string& content) {
  auto source = [&](ByteSink& out) -> Result<BackupSourceFacts> {
    if (auto written = out.write(content); !written) return tl::unexpected(written.error());
    return BackupSourceFacts{};
  };
  return take_backup(request, storage, source, {});
}

}  // namespace mdbop
