// `mdbop backup download ARTIFACT -o FILE|-`: the artifact decrypted and decompressed, as
// mariadb-backup or mariadb-dump produced it, read and checked as a restore reads it
// (backup/restore_artifact.h).
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <iostream>

#include <fmt/format.h>

#include "backup/restore_artifact.h"
#include "cli/artifact_lookup.h"
#include "cli/commands.h"
#include "cli/typed_names.h"
#include "storage/file_writer.h"
#include "store/local_store.h"
#include "util/crash_point.h"

namespace mdbop {
namespace {

namespace fs = std::filesystem;

// Standard output as the end of the read.
class StdoutSink : public ByteSink {
 public:
  Result<void> write(std::string_view bytes) override {
    while (!bytes.empty()) {
      const ssize_t n = ::write(STDOUT_FILENO, bytes.data(), bytes.size());
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return fail(describe_io_error(errno, "writing", "standard output"));
      bytes.remove_prefix(static_cast<std::size_t>(n));
    }
    return {};
  }
  Result<void> finish() override { return {}; }
};

// Passes the bytes on but not the end: the file appears under its name only once the read has
// checked the size and digest, which it does after finishing its sink.
class UntilChecked : public ByteSink {
 public:
  explicit UntilChecked(ByteSink& next) : next_(next) {}
  Result<void> write(std::string_view bytes) override {
    auto written = next_.write(bytes);
    // A test kills the download here, with bytes in the temporary (README: what it leaves).
    crash_point("download-after-write");
    return written;
  }
  Result<void> finish() override { return {}; }

 private:
  ByteSink& next_;
};

}  // namespace

int cmd_backup_download(const std::string& artifact, const std::string& namespace_,
                        const std::string& output, bool force) {
  if (auto typed = check_typed_names(namespace_); !typed) {
    return report_failure(typed.error().what());
  }
  auto name = parse_artifact_name(artifact);
  if (!name) return report_failure(name.error().what());
  const fs::path file = output == "-" ? fs::path() : fs::absolute(output);
  std::error_code ec;
  if (!file.empty() && !force && fs::exists(fs::symlink_status(file, ec))) {
    return report_failure("-o: " + file.string() + " exists; give --force to replace it");
  }
  LocalStore store(mdbop_home() / "store");
  auto found = find_artifact(store, namespace_, *name, mdbop_home());
  if (!found) return report_failure(found.error().what());
  const ArtifactManifest& m = found->manifest;
  const ProgressCallback no_progress;

  if (file.empty()) {
    StdoutSink out;
    if (auto read = read_artifact(*found->artifacts.storage, m, found->artifacts.encryption_secret,
                                  out, no_progress);
        !read) {
      return report_failure(read.error().what() + "; discard what was written to standard output");
    }
    return 0;
  }
  auto writer = create_file_writer(file, force ? Overwrite::kReplace : Overwrite::kRefuse);
  if (!writer) return report_failure("-o: " + writer.error().message);
  UntilChecked checked(**writer);
  if (auto read = read_artifact(*found->artifacts.storage, m, found->artifacts.encryption_secret,
                                checked, no_progress);
      !read) {
    return report_failure(read.error().what() + "; nothing was written to " + file.string());
  }
  if (auto finished = (*writer)->finish(); !finished) {
    return report_failure("-o: " + finished.error().message);
  }
  const std::string next = m.method == "physical"
                               ? "unpack it with `mbstream -x -C DIR < " + file.string() +
                                     "`, then `mariadb-backup --prepare --target-dir=DIR`"
                               : "replay it with `mariadb < " + file.string() + "`";
  std::cout << fmt::format("{}: {:.1f} MB of {} ({}), size and SHA-256 checked; {}\n",
                           file.string(), static_cast<double>(m.source_bytes) / 1e6, m.id, m.method,
                           next);
  return 0;
}

}  // namespace mdbop
