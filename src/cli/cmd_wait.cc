#include <unistd.h>

#include <cstdio>
#include <iostream>
#include <thread>

#include <fmt/format.h>

#include "api/duration.h"
#include "api/kinds.h"
#include "cli/commands.h"
#include "cli/typed_names.h"
#include "store/local_store.h"

namespace mdbop {

using namespace std::chrono_literals;

namespace {

// A one-line progress bar for a running backup (status.currentRun) or restore
// (status.progress); empty when nothing is under way.
std::string progress_line(const json& status) {
  std::uint64_t bytes = 0;
  std::uint64_t total = 0;
  std::uint64_t rate = 0;
  std::string what;
  if (status.contains("currentRun")) {
    const json& run = status["currentRun"];
    bytes = run.value("sourceBytes", 0ULL);
    rate = run.value("bytesPerSecond", 0ULL);
    what = run.value("id", "");
  } else if (status.contains("progress") && status.value("phase", "") != "Complete") {
    const json& progress = status["progress"];
    bytes = progress.value("bytes", 0ULL);
    total = progress.value("totalBytes", 0ULL);
    rate = progress.value("bytesPerSecond", 0ULL);
    what = status.value("phase", "");
  } else {
    return "";
  }
  constexpr int kWidth = 30;
  std::string bar;
  if (total > 0) {
    const int filled = static_cast<int>(std::min<std::uint64_t>(kWidth, bytes * kWidth / total));
    bar = fmt::format("[{}{}] {}%", std::string(filled, '#'), std::string(kWidth - filled, '.'),
                      std::min<std::uint64_t>(100, bytes * 100 / total));
  } else {
    // The size of a running backup is unknown until it ends: the bar moves with the bytes.
    const int at = static_cast<int>((bytes >> 24) % kWidth);
    bar = fmt::format("[{}#{}]", std::string(at, '.'), std::string(kWidth - at - 1, '.'));
  }
  char figures[96];
  std::snprintf(figures, sizeof figures, " %.1f MB at %.1f MB/s", static_cast<double>(bytes) / 1e6,
                static_cast<double>(rate) / 1e6);
  return what + " " + bar + figures;
}

}  // namespace

int cmd_wait(const std::string& kind_slash_name, const std::string& namespace_,
             const std::string& condition, const std::string& timeout) {
  auto slash = kind_slash_name.find('/');
  if (slash == std::string::npos)
    return report_failure("wait needs KIND/NAME, e.g. mariadb/galera");
  if (auto typed = check_typed_names(namespace_, {{"NAME", kind_slash_name.substr(slash + 1)}});
      !typed) {
    return report_failure(typed.error().what());
  }
  auto kind = resolve_kind(kind_slash_name.substr(0, slash));
  if (!kind) return report_failure(kind.error().what());
  const std::string prefix = "condition=";
  if (condition.rfind(prefix, 0) != 0) {
    return report_failure("--for must be condition=TYPE, e.g. --for=condition=Ready");
  }
  std::string type = condition.substr(prefix.size());
  std::string wanted = "True";
  if (auto equals = type.find('='); equals != std::string::npos) {
    wanted = type.substr(equals + 1);
    type = type.substr(0, equals);
  }
  auto limit = parse_go_duration(timeout);
  if (!limit) return report_failure("--timeout: " + limit.error().what());
  ObjectKey key{kind->kind, namespace_, kind_slash_name.substr(slash + 1)};
  LocalStore store(mdbop_home() / "store");
  auto deadline = std::chrono::steady_clock::now() + *limit;
  std::string last_message;
  const bool terminal = isatty(STDERR_FILENO);
  bool drew = false;
  while (true) {
    auto object = store.get(key);
    if (object && terminal) {
      const std::string line = progress_line(object->value("status", json::object()));
      if (!line.empty()) {
        std::cerr << "\r\033[K" << line << std::flush;
        drew = true;
      }
    }
    if (object) {
      for (const json& c :
           object->value("status", json::object()).value("conditions", json::array())) {
        if (c.value("type", "") != type) continue;
        last_message = c.value("message", "");
        // A condition observed for an older spec says nothing about the current one.
        long long generation = (*object)["metadata"].value("generation", 0LL);
        bool current = c.value("observedGeneration", generation) >= generation;
        if (c.value("status", "") == wanted && current) {
          if (drew) std::cerr << "\r\033[K" << std::flush;
          std::cout << object_reference(*object) << " condition met\n";
          return 0;
        }
      }
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      return report_failure(
          "timed out waiting for " + type + " on " + kind_slash_name +
          (object ? (last_message.empty() ? "" : ": " + last_message) : ": it does not exist"));
    }
    std::this_thread::sleep_for(200ms);
  }
}

}  // namespace mdbop
