#include "cli/operator_process.h"

#include <nlohmann/json.hpp>

#include "util/files.h"
#include "util/pid_lock.h"

namespace mdbop {

std::optional<OperatorInfo> running_operator(const std::filesystem::path& home) {
  auto holder = pid_lock_holder(home / "operator.lock");
  if (!holder) return std::nullopt;
  OperatorInfo info;
  info.pid = *holder;
  // operator.json is the holder's only once it has written its own pid there.
  auto text = read_file(home / "operator.json");
  nlohmann::json saved = text ? nlohmann::json::parse(*text, nullptr, false) : nlohmann::json();
  if (saved.is_object() && saved.value("pid", 0) == info.pid) {
    info.ports = {saved.value("portsFrom", 0), saved.value("portsTo", 0)};
    info.started_at = saved.value("startedAt", "");
    info.metrics_address = saved.value("metricsAddress", "");
    info.serving = true;
  }
  return info;
}

}  // namespace mdbop
