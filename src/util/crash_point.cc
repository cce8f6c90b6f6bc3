#include "util/crash_point.h"

#include <csignal>
#include <cstdlib>
#include <string>

#include <spdlog/spdlog.h>

namespace mdbop {

void crash_point(std::string_view name) {
  static const std::string armed = [] {
    const char* value = std::getenv("MDBOP_CRASH_POINT");
    return std::string(value == nullptr ? "" : value);
  }();
  if (armed.empty() || armed != name) return;
  spdlog::critical("crash point reached, killing the process point={}", name);
  spdlog::default_logger()->flush();
  std::raise(SIGKILL);
}

}  // namespace mdbop
