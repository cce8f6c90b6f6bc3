#include "controller/event_log.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cctype>

namespace mdbop {

void log_event(const ObjectKey& key, const std::string& type, const std::string& reason,
               const std::string& message) {
  std::string kind = key.kind;
  std::transform(kind.begin(), kind.end(), kind.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  auto level = type == "Warning" ? spdlog::level::warn : spdlog::level::info;
  spdlog::log(level, "{}={}/{} reason={} {}", kind, key.namespace_, key.name, reason, message);
}

}  // namespace mdbop
