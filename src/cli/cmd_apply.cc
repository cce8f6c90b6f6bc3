#include <algorithm>
#include <filesystem>
#include <iostream>
#include <iterator>

#include "api/admission.h"
#include "api/kinds.h"
#include "api/manifest.h"
#include "api/skipped_kinds.h"
#include "cli/commands.h"
#include "store/local_store.h"
#include "util/files.h"

namespace mdbop {

namespace fs = std::filesystem;

namespace {

// Every manifest text named by -f: a file, every .yaml/.yml/.json of a directory, or stdin.
Result<std::vector<std::pair<std::string, std::string>>> read_sources(
    const std::vector<std::string>& files) {
  std::vector<std::pair<std::string, std::string>> sources;
  for (const std::string& file : files) {
    if (file == "-") {
      sources.emplace_back("<stdin>", std::string(std::istreambuf_iterator<char>(std::cin), {}));
      continue;
    }
    std::vector<fs::path> paths;
    if (fs::is_directory(file)) {
      for (const auto& entry : fs::directory_iterator(file)) {
        std::string extension = entry.path().extension().string();
        if (extension == ".yaml" || extension == ".yml" || extension == ".json") {
          paths.push_back(entry.path());
        }
      }
      std::sort(paths.begin(), paths.end());
    } else {
      paths.emplace_back(file);
    }
    for (const fs::path& path : paths) {
      auto text = read_file(path);
      if (!text) return fail("cannot read " + path.string() + ": " + text.error().message);
      sources.emplace_back(path.string(), *text);
    }
  }
  return sources;
}

}  // namespace

// Decodes and validates every document of every source before storing any: an invalid
// manifest is refused whole.
Result<Manifests> load_manifests(const std::vector<std::string>& files) {
  auto sources = read_sources(files);
  if (!sources) return tl::unexpected(sources.error());
  std::vector<json> documents;
  for (const auto& [name, text] : *sources) {
    auto decoded = decode_yaml_documents(text);
    if (!decoded) return fail(name + ": " + decoded.error().what());
    documents.insert(documents.end(), decoded->begin(), decoded->end());
  }
  if (documents.empty()) return fail("no objects found in the given files");
  auto valid = validate_batch(documents);
  if (!valid) return fail(refusal_message(valid.error()));
  Manifests manifests{std::move(*valid), {}};
  for (const json& document : documents) {
    if (auto note = skip_note(document)) manifests.skipped.push_back(*note);
  }
  return manifests;
}

std::string object_reference(const json& object) {
  auto kind = resolve_kind(object.value("kind", ""));
  std::string group;
  std::string api_version = object.value("apiVersion", "");
  if (auto slash = api_version.find('/'); slash != std::string::npos) {
    // Appended, not "." + string: g++ 12 at -O3 reports a false -Wrestrict on that insert.
    group = ".";
    group += api_version.substr(0, slash);
  }
  std::string plural = kind ? kind->plural : object.value("kind", "");
  std::string singular = plural.substr(0, plural.size() - 1);
  return singular + group + "/" + object["metadata"].value("name", "");
}

int cmd_apply(const std::vector<std::string>& files) {
  auto manifests = load_manifests(files);
  if (!manifests) return report_failure(manifests.error().what());
  for (const std::string& note : manifests->skipped) std::cout << note << "\n";
  LocalStore store(mdbop_home() / "store");
  for (const json& object : manifests->objects) {
    auto applied = store.apply(object);
    if (!applied) return report_failure(object_reference(object) + ": " + applied.error().what());
    const char* outcome = applied->outcome == ApplyOutcome::kCreated      ? "created"
                          : applied->outcome == ApplyOutcome::kConfigured ? "configured"
                                                                          : "unchanged";
    std::cout << object_reference(object) << " " << outcome << "\n";
  }
  return 0;
}

}  // namespace mdbop
