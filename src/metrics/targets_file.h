// TargetsFile: keeps $MDBOP_HOME/prometheus/targets.json (file_sd_targets.h) current for a
// Prometheus on this machine: rewritten atomically, and only when its content changes, so a
// Prometheus watching it rereads it only then.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace mdbop {

class TargetsFile {
 public:
  // `operator_address`: the operator's metrics endpoint, empty when it is off.
  TargetsFile(std::filesystem::path path, std::string operator_address);

  // Writes the targets of `mariadbs` unless the file holds them already; a failure is logged
  // and retried at the next call. The directory is made readable by all (0755, the file 0644):
  // Prometheus runs as another user. REQUIRES: one caller at a time.
  void refresh(const std::vector<nlohmann::json>& mariadbs);

 private:
  std::filesystem::path path_;
  std::string operator_address_;
  std::string written_;  // the file's content as last written or found
};

}  // namespace mdbop
