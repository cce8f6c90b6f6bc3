#include "backup/verify_artifact.h"

#include <fmt/format.h>

#include "backup/dump_check.h"
#include "backup/restore_artifact.h"

namespace mdbop {
namespace {

using Clock = std::chrono::steady_clock;

std::string megabytes(std::uint64_t bytes) {
  return fmt::format("{:.1f} MB", static_cast<double>(bytes) / 1e6);
}

// Removes the area however the check ends.
struct DiscardArea {
  PrepareArea& area;
  ~DiscardArea() { area.discard(); }
};

Result<VerifyReport> verify_physical(BackupStorage& storage, const ArtifactManifest& m,
                                     const std::optional<std::string>& encryption_secret,
                                     PrepareArea& area, const ProgressCallback& progress,
                                     const std::function<bool()>& should_stop) {
  VerifyReport report;
  DiscardArea discard{area};
  const auto started = Clock::now();
  auto unpacker = area.unpack();
  if (!unpacker) return fail("artifact " + m.id + ": " + unpacker.error().message);
  if (auto read = read_artifact(storage, m, encryption_secret, **unpacker, progress, should_stop);
      !read) {
    return tl::unexpected(judge_failed_read(read.error(), storage, m, should_stop));
  }
  unpacker->reset();
  report.read_time = Clock::now() - started;
  const auto preparing = Clock::now();
  if (auto prepared = area.prepare(should_stop); !prepared) {
    return fail(prepared.error().code, "artifact " + m.id + ": " + prepared.error().message);
  }
  report.prepare_time = Clock::now() - preparing;
  return report;
}

Result<VerifyReport> verify_logical(BackupStorage& storage, const ArtifactManifest& m,
                                    const std::optional<std::string>& encryption_secret,
                                    const ProgressCallback& progress,
                                    const std::function<bool()>& should_stop) {
  VerifyReport report;
  const auto started = Clock::now();
  DumpCheck dump;
  if (auto read = read_artifact(storage, m, encryption_secret, dump, progress, should_stop);
      !read) {
    return tl::unexpected(judge_failed_read(read.error(), storage, m, should_stop));
  }
  report.read_time = Clock::now() - started;
  report.dump_first_line = dump.first_line();
  return report;
}

}  // namespace

Result<VerifyReport> verify_artifact(BackupStorage& storage, const ArtifactManifest& manifest,
                                     const std::optional<std::string>& encryption_secret,
                                     PrepareArea& area, const ProgressCallback& progress,
                                     const std::function<bool()>& should_stop) {
  auto report =
      manifest.method == "physical"
          ? verify_physical(storage, manifest, encryption_secret, area, progress, should_stop)
          : verify_logical(storage, manifest, encryption_secret, progress, should_stop);
  if (!report) return report;
  // read_artifact checked both sizes against the manifest.
  report->stored_bytes = manifest.stored_bytes;
  report->plain_bytes = manifest.source_bytes;
  return report;
}

std::string summarize(const VerifyReport& report, const ArtifactManifest& manifest) {
  std::string text = megabytes(report.stored_bytes) + " read, size and SHA-256 as recorded, ";
  if (manifest.encryption != "none") text += "decrypted, ";
  text += megabytes(report.plain_bytes) +
          (manifest.compression != "none" ? " decompressed" : " of plain stream");
  if (manifest.method == "physical") {
    return text + fmt::format(
                      " and unpacked in {:.1f} s, prepared (mariadb-backup --prepare) in "
                      "{:.1f} s",
                      report.read_time.count(), report.prepare_time.count());
  }
  return text + fmt::format(" in {:.1f} s, begins like a dump", report.read_time.count());
}

}  // namespace mdbop
