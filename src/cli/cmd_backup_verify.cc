// `mdbop backup verify ARTIFACT`: checks an artifact without restoring it over anything
// (backup/verify_artifact.h), in a scratch area of the node agent that is removed afterwards.
#include <unistd.h>

#include <chrono>
#include <iostream>

#include <fmt/format.h>

#include "agent/verify_area.h"
#include "backup/incremental_chain.h"
#include "backup/verify_artifact.h"
#include "cli/artifact_lookup.h"
#include "cli/commands.h"
#include "cli/typed_names.h"
#include "store/local_store.h"

namespace mdbop {
namespace {

// "17884160 bytes (17.9 MB)": exact, and readable.
std::string bytes_text(std::uint64_t bytes) {
  return fmt::format("{} bytes ({:.1f} MB)", bytes, static_cast<double>(bytes) / 1e6);
}

void print_report(const FoundArtifact& found, const VerifyReport& report,
                  std::chrono::duration<double> took) {
  const ArtifactManifest& m = found.manifest;
  std::vector<std::pair<std::string, std::string>> lines = {
      {"artifact", m.id},
      {"made by", found.object + ", " + m.method + ", from " + m.pod + ", finished " +
                      format_rfc3339(m.finished)},
      {"read",
       bytes_text(report.stored_bytes) + " from " + found.artifacts.storage->location(m.data_key)},
      {"size, SHA-256", "as the manifest records (" + m.sha256 + ")"},
  };
  if (m.encryption != "none") {
    lines.push_back({"decryption", m.encryption + ", every chunk authenticated"});
  }
  lines.push_back({"decompression", m.compression + ", " + bytes_text(report.plain_bytes) +
                                        ", as the manifest records"});
  if (m.method == "physical") {
    lines.push_back({"unpacked", fmt::format("mbstream -x, with the read: {:.1f} s",
                                             report.read_time.count())});
    lines.push_back({"prepared", fmt::format("mariadb-backup --prepare: {:.1f} s",
                                             report.prepare_time.count())});
  } else {
    lines.push_back({"dump", fmt::format("read in {:.1f} s, begins \"{}\"",
                                         report.read_time.count(), report.dump_first_line)});
  }
  lines.push_back({"result", fmt::format("verified in {:.1f} s", took.count())});
  for (const auto& [what, detail] : lines) std::cout << fmt::format("{:<15}{}\n", what, detail);
}

}  // namespace

int cmd_backup_verify(NodeAgent& agent, const std::string& artifact,
                      const std::string& namespace_) {
  if (auto typed = check_typed_names(namespace_); !typed) {
    return report_failure(typed.error().what());
  }
  auto name = parse_artifact_name(artifact);
  if (!name) return report_failure(name.error().what());
  LocalStore store(mdbop_home() / "store");
  auto found = find_artifact(store, namespace_, *name, mdbop_home());
  if (!found) return report_failure(found.error().what());
  const auto started = std::chrono::steady_clock::now();
  // Named by the artifact and this process, so that it never meets the operator's check of the
  // same artifact, nor another `verify` running at the same time.
  // This machine's agent receives every check in its home, whatever node it names.
  VerifyArea area(agent,
                  node_id_from_pod(namespace_, found->manifest.pod).value_or(NodeId{namespace_}),
                  found->manifest.id + "." + std::to_string(::getpid()));
  const ProgressCallback no_progress;
  // An incremental one is checked on its chain, as a restore prepares it.
  auto chain =
      read_chain(found->manifest, *found->artifacts.storage, found->artifacts.base_storage.get());
  if (!chain) return report_failure(found->manifest.id + ": " + chain.error().message);
  auto report = verify_artifact(*chain, found->artifacts.encryption_secret, area, no_progress);
  if (!report) return report_failure(report.error().what());
  print_report(*found, *report, std::chrono::steady_clock::now() - started);
  return 0;
}

}  // namespace mdbop
