#include "cli/artifact_lookup.h"

#include <regex>

#include "api/kinds.h"
#include "api/object_meta.h"
#include "backup/artifact_catalog.h"

namespace mdbop {
namespace {

constexpr const char* kWhatItMayBe =
    "ARTIFACT: give an artifact id as `mdbop get backup NAME -o yaml` lists it under "
    "status.artifacts (NAME-20261202T013000.123Z), or backup/NAME (physicalbackup/NAME) for the "
    "newest artifact of NAME";

Result<ArtifactManifest> newest_artifact(BackupStorage& storage, const std::string& backup,
                                         const std::string& location) {
  auto catalog = read_catalog(storage, backup);
  if (!catalog) return fail("listing " + location + ": " + catalog.error().message);
  if (catalog->artifacts.empty()) return fail(location + " holds no complete artifact of it");
  return catalog->artifacts.front();
}

Result<ArtifactManifest> artifact_by_id(BackupStorage& storage, const std::string& backup,
                                        const std::string& id, const std::string& location) {
  auto text = storage.read_all(manifest_key(id));
  if (!text) {
    return fail("no complete artifact " + id + " in " + location + " (" + text.error().message +
                ")");
  }
  auto manifest = parse_manifest(*text);
  if (!manifest)
    return fail("the manifest of " + id + " in " + location + ": " + manifest.error().message);
  if (manifest->id != id || manifest->backup != backup) {
    return fail("the manifest of " + id + " in " + location + " is that of " + manifest->id +
                " made by " + manifest->backup + "; it was moved or copied there");
  }
  return manifest;
}

}  // namespace

Result<ArtifactName> parse_artifact_name(const std::string& text) {
  ArtifactName name;
  if (const size_t slash = text.find('/'); slash != std::string::npos) {
    auto kind = resolve_kind(text.substr(0, slash));
    if (!kind || (kind->kind != "Backup" && kind->kind != "PhysicalBackup")) {
      return fail(kWhatItMayBe);
    }
    name.kind = kind->kind;
    name.backup = text.substr(slash + 1);
  } else {
    // The id's end is the run's start, "-20261202T013000.123Z", and "-2"... when two runs
    // started in the same millisecond; upper-case T and Z cannot be part of an object's name.
    static const std::regex id_form(R"((.+)-[0-9]{8}T[0-9]{6}\.[0-9]{3}Z(-[0-9]+)?)");
    std::smatch match;
    if (!std::regex_match(text, match, id_form)) return fail(kWhatItMayBe);
    name.backup = match[1];
    name.id = text;
  }
  // It becomes a key of the store: apply's rules for metadata.name.
  if (!is_dns1123_subdomain(name.backup)) return fail(kWhatItMayBe);
  return name;
}

Result<FoundArtifact> find_artifact(Store& store, const std::string& namespace_,
                                    const ArtifactName& name, const std::filesystem::path& home) {
  const std::vector<std::string> kinds = name.kind.empty()
                                             ? std::vector<std::string>{"Backup", "PhysicalBackup"}
                                             : std::vector<std::string>{name.kind};
  std::optional<Error> first_error;
  for (const std::string& kind : kinds) {
    auto object = store.get({kind, namespace_, name.backup});
    if (!object) continue;
    FoundArtifact found;
    found.object = kind + " " + namespace_ + "/" + name.backup;
    auto artifacts = open_backup_artifacts(store, *object, home);
    if (!artifacts) {
      first_error = first_error.value_or(artifacts.error());
      continue;
    }
    found.artifacts = std::move(*artifacts);
    const std::string backup = namespace_ + "/" + name.backup;
    auto manifest =
        name.id.empty()
            ? newest_artifact(*found.artifacts.storage, backup, found.artifacts.location)
            : artifact_by_id(*found.artifacts.storage, backup, name.id, found.artifacts.location);
    if (!manifest) {
      first_error = first_error.value_or(Error{found.object + ": " + manifest.error().message});
      continue;
    }
    found.manifest = std::move(*manifest);
    return found;
  }
  if (first_error) return tl::unexpected(*first_error);
  const std::string kind_text = name.kind.empty() ? "Backup or PhysicalBackup" : name.kind;
  return fail(ErrorCode::kNotFound, "no " + kind_text + " \"" + name.backup + "\" in namespace " +
                                        namespace_ +
                                        (name.id.empty() ? "" : " (the artifact's first part)"));
}

}  // namespace mdbop
