#include <iostream>
#include <thread>

#include "api/duration.h"
#include "api/kinds.h"
#include "cli/commands.h"
#include "store/store.h"

namespace mdbop {

using namespace std::chrono_literals;

int cmd_wait(const std::string& kind_slash_name, const std::string& namespace_,
             const std::string& condition, const std::string& timeout) {
  auto slash = kind_slash_name.find('/');
  if (slash == std::string::npos)
    return report_failure("wait needs KIND/NAME, e.g. mariadb/galera");
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
  Store store(mdbop_home() / "store");
  auto deadline = std::chrono::steady_clock::now() + *limit;
  std::string last_message;
  while (true) {
    auto object = store.get(key);
    if (object) {
      for (const json& c :
           object->value("status", json::object()).value("conditions", json::array())) {
        if (c.value("type", "") != type) continue;
        last_message = c.value("message", "");
        // A condition observed for an older spec says nothing about the current one.
        long long generation = (*object)["metadata"].value("generation", 0LL);
        bool current = c.value("observedGeneration", generation) >= generation;
        if (c.value("status", "") == wanted && current) {
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
