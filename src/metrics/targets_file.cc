#include "metrics/targets_file.h"

#include <spdlog/spdlog.h>

#include "metrics/file_sd_targets.h"
#include "util/files.h"

namespace mdbop {

namespace fs = std::filesystem;

TargetsFile::TargetsFile(fs::path path, std::string operator_address)
    : path_(std::move(path)),
      operator_address_(std::move(operator_address)),
      written_(read_file(path_).value_or("")) {}

void TargetsFile::refresh(const std::vector<nlohmann::json>& mariadbs) {
  std::string content = file_sd_targets(mariadbs, operator_address_);
  if (content == written_) return;
  std::error_code ec;
  const fs::path dir = path_.parent_path();
  fs::create_directories(dir, ec);
  // Explicitly: the operator's umask keeps what it creates private.
  if (!ec) {
    fs::permissions(dir,
                    fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                        fs::perms::others_read | fs::perms::others_exec,
                    ec);
  }
  if (ec) {
    spdlog::warn("cannot make {} for the Prometheus targets: {}", dir.string(), ec.message());
    return;
  }
  if (auto written = write_file_atomic(path_, content, 0644); !written) {
    spdlog::warn("cannot write the Prometheus targets {}: {}", path_.string(),
                 written.error().what());
    return;
  }
  written_ = std::move(content);
}

}  // namespace mdbop
