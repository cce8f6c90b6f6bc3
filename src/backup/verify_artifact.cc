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

// The chain, full first: each artifact read into the area (its digest checked on the way),
// the full one prepared, each incremental applied on it in order.
Result<VerifyReport> verify_physical(const std::vector<ChainLink>& chain,
                                     const std::optional<std::string>& encryption_secret,
                                     PrepareArea& area, const ProgressCallback& progress,
                                     const std::function<bool()>& should_stop) {
  VerifyReport report;
  DiscardArea discard{area};
  for (std::size_t i = 0; i < chain.size(); ++i) {
    const ArtifactManifest& m = chain[i].manifest;
    BackupStorage& storage = *chain[i].storage;
    const auto started = Clock::now();
    auto unpacker = i == 0 ? area.unpack() : area.unpack_incremental();
    if (!unpacker) return fail("artifact " + m.id + ": " + unpacker.error().message);
    if (auto read = read_artifact(storage, m, encryption_secret, **unpacker, progress, should_stop);
        !read) {
      return tl::unexpected(judge_failed_read(read.error(), storage, m, should_stop));
    }
    unpacker->reset();
    report.read_time += Clock::now() - started;
    const auto preparing = Clock::now();
    auto prepared = i == 0 ? area.prepare(should_stop) : area.apply_incremental(should_stop);
    if (!prepared) {
      return fail(prepared.error().code, "artifact " + m.id + ": " + prepared.error().message);
    }
    report.prepare_time += Clock::now() - preparing;
  }
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

Result<VerifyReport> verify_artifact(const std::vector<ChainLink>& chain,
                                     const std::optional<std::string>& encryption_secret,
                                     PrepareArea& area, const ProgressCallback& progress,
                                     const std::function<bool()>& should_stop) {
  const ArtifactManifest& manifest = chain.back().manifest;
  auto report = manifest.method == "physical"
                    ? verify_physical(chain, encryption_secret, area, progress, should_stop)
                    : verify_logical(*chain.back().storage, manifest, encryption_secret, progress,
                                     should_stop);
  if (!report) return report;
  report->chain_length = chain.size();
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
  if (manifest.method == "physical" && report.chain_length > 1) {
    return text + fmt::format(
                      " and unpacked after the {} artifacts of its chain in {:.1f} s, the chain "
                      "prepared (mariadb-backup --prepare, each incremental applied) in {:.1f} s",
                      report.chain_length - 1, report.read_time.count(),
                      report.prepare_time.count());
  }
  if (manifest.method == "physical") {
    return text + fmt::format(
                      " and unpacked in {:.1f} s, prepared (mariadb-backup --prepare) in "
                      "{:.1f} s",
                      report.read_time.count(), report.prepare_time.count());
  }
  return text + fmt::format(" in {:.1f} s, begins like a dump", report.read_time.count());
}

}  // namespace mdbop
