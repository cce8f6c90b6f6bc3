#include <algorithm>
#include <iostream>
#include <iterator>

#include "api/kinds.h"
#include "cli/commands.h"
#include "cli/typed_names.h"
#include "store/local_store.h"
#include "store/root_access.h"

namespace mdbop {

Result<std::string> sql_from(const std::optional<std::string>& execute, std::istream& input) {
  std::string text = execute ? *execute : std::string(std::istreambuf_iterator<char>(input), {});
  if (text.find_first_not_of(" \t\r\n") == std::string::npos) {
    return fail(execute ? "-e: no SQL given"
                        : "no SQL given: pass -e SQL or give the SQL on standard input");
  }
  return text;
}

// Runs SQL as root on the primary (or --pod), reading the password from the MariaDB's Secret
// so that nobody types it and it never shows in a process list.
int cmd_sql(NodeAgent& agent, const std::string& kind_slash_name, const std::string& namespace_,
            const std::string& pod, const std::string& sql) {
  auto slash = kind_slash_name.find('/');
  if (slash == std::string::npos) return report_failure("sql needs KIND/NAME, e.g. mariadb/galera");
  auto kind = resolve_kind(kind_slash_name.substr(0, slash));
  if (!kind || kind->kind != "MariaDB") return report_failure("sql works on mariadb/NAME");
  std::string name = kind_slash_name.substr(slash + 1);
  if (auto typed = check_typed_names(namespace_, {{"NAME", name}, {"--pod", pod}}); !typed) {
    return report_failure(typed.error().what());
  }
  LocalStore store(mdbop_home() / "store");
  auto object = store.get({"MariaDB", namespace_, name});
  if (!object) return report_failure("mariadb " + name + " not found in namespace " + namespace_);
  auto access = root_access(store, *object, pod);
  if (!access) {
    return report_failure(access.error().message + (pod.empty() ? "; use --pod" : ""));
  }
  const NodeId& id = access->node;
  const std::string target = id.pod();
  const std::vector<int> placed = agent.placed_indices(namespace_, name);
  if (std::find(placed.begin(), placed.end(), id.index) == placed.end()) {
    return report_failure("pod " + target + " not found");
  }
  auto connection = agent.open_sql(id, access->password, std::chrono::seconds(30));
  if (!connection) return report_failure(target + ": " + connection.error().what());
  auto rows = (*connection)->query(sql);
  if (!rows) return report_failure(target + ": " + rows.error().what());
  if (!rows->columns.empty()) {
    for (size_t i = 0; i < rows->columns.size(); ++i) {
      std::cout << (i ? "\t" : "") << rows->columns[i];
    }
    std::cout << "\n";
    for (const auto& row : rows->rows) {
      for (size_t i = 0; i < row.size(); ++i)
        std::cout << (i ? "\t" : "") << row[i].value_or("NULL");
      std::cout << "\n";
    }
  }
  return 0;
}

}  // namespace mdbop
