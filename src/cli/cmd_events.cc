#include <iostream>
#include <thread>

#include "api/kinds.h"
#include "cli/commands.h"
#include "cli/printers.h"
#include "cli/typed_names.h"
#include "store/local_store.h"

namespace mdbop {

using namespace std::chrono_literals;

int cmd_events(const std::string& namespace_, bool all_namespaces, const std::string& for_object) {
  std::string kind;
  std::string name;
  if (!for_object.empty()) {
    auto slash = for_object.find('/');
    if (slash == std::string::npos) return report_failure("--for needs KIND/NAME");
    auto resolved = resolve_kind(for_object.substr(0, slash));
    if (!resolved) return report_failure(resolved.error().what());
    kind = resolved->kind;
    name = for_object.substr(slash + 1);
  }
  if (auto typed = check_typed_names(namespace_, {{"--for", name}}); !typed) {
    return report_failure(typed.error().what());
  }
  LocalStore store(mdbop_home() / "store");
  std::vector<std::vector<std::string>> rows;
  for (const json& e : store.events(all_namespaces ? "" : namespace_, kind, name)) {
    const json& involved = e["involvedObject"];
    std::vector<std::string> row = {age_since(e.value("lastTimestamp", "")),
                                    e.value("type", ""),
                                    e.value("reason", ""),
                                    involved.value("kind", "") + "/" + involved.value("name", ""),
                                    std::to_string(e.value("count", 1)),
                                    e.value("message", "")};
    if (all_namespaces) row.insert(row.begin(), involved.value("namespace", ""));
    rows.push_back(row);
  }
  std::vector<std::string> headers = {"LAST SEEN", "TYPE", "REASON", "OBJECT", "COUNT", "MESSAGE"};
  if (all_namespaces) headers.insert(headers.begin(), "NAMESPACE");
  if (rows.empty()) {
    std::cerr << "No events found.\n";
    return 0;
  }
  std::cout << render_table(headers, rows);
  return 0;
}

int cmd_logs(NodeAgent& agent, const std::string& pod, const std::string& namespace_, int tail,
             bool follow) {
  if (auto typed = check_typed_names(namespace_, {{"POD", pod}}); !typed) {
    return report_failure(typed.error().what());
  }
  auto id = node_id_from_pod(namespace_, pod);
  if (!id) return report_failure("pod names look like <mariadb>-<index>");
  auto text = agent.read_error_log(*id, 0);
  if (!text) return report_failure(text.error().what());
  const std::string& content = *text;
  size_t start = content.size();
  int lines = 0;
  while (start > 0 && (tail < 0 || lines <= tail)) {
    --start;
    if (content[start] == '\n' && start + 1 != content.size()) ++lines;
    if (tail >= 0 && lines > tail) {
      ++start;
      break;
    }
  }
  std::cout << content.substr(start) << std::flush;
  size_t offset = content.size();
  while (follow) {
    std::this_thread::sleep_for(200ms);
    auto more = agent.read_error_log(*id, offset);
    if (!more) continue;
    std::cout << *more << std::flush;
    offset += more->size();
  }
  return 0;
}

}  // namespace mdbop
