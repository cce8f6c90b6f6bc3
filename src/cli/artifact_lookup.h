// What ARTIFACT names on the command line of `mdbop backup verify` and `mdbop backup download`,
// and finding it:
//  - an artifact id as a Backup's status.artifacts lists it, "<backup>-<UTC start>[-<n>]"
//    ("nightly-20261202T013000.123Z"): that artifact of the Backup or PhysicalBackup named by
//    the id's first part (ids are made that way, artifact_catalog.h);
//  - "backup/NAME" or "physicalbackup/NAME" (any name `get` takes for those kinds): the newest
//    artifact of that object, as its storage lists them.
// The object's storage spec and Secrets give access, as they give the operator's restores.
#pragma once

#include <filesystem>
#include <string>

#include "backup/artifact_manifest.h"
#include "store/storage_access.h"
#include "store/store.h"

namespace mdbop {

struct ArtifactName {
  std::string kind;    // "Backup" or "PhysicalBackup"; empty: whichever has the name
  std::string backup;  // the object's name
  std::string id;      // empty: its newest artifact
};

// The error says what ARTIFACT may be.
Result<ArtifactName> parse_artifact_name(const std::string& text);

struct FoundArtifact {
  std::string object;  // "PhysicalBackup default/nightly"
  ArtifactManifest manifest;
  BackupArtifacts artifacts;  // the storage it is in, the key to decrypt it
};

// Looks the object up in `namespace_`, opens its storage (`home` resolves volume directories)
// and reads the artifact's manifest, which must say that object made it.
Result<FoundArtifact> find_artifact(Store& store, const std::string& namespace_,
                                    const ArtifactName& name, const std::filesystem::path& home);

}  // namespace mdbop
