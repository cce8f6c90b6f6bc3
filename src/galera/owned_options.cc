#include "galera/owned_options.h"

#include <algorithm>
#include <cctype>
#include <map>
#include <optional>

#include "util/ascii_case.h"

namespace mdbop {

namespace {

// One option render_node_config writes after myCnf. An empty `value` is one of the node's own
// (a path, a port, a name): whatever myCnf says differs from it.
struct Owned {
  const char* name;
  bool galera_only;
  std::string value;
  std::string ours;
  const char* why;
};

std::vector<Owned> owned_options(const MariaDBSpec& spec) {
  const char* placed = "the runtime places every node's files, ports and addresses itself";
  const char* cluster = "the runtime names and addresses the cluster's nodes itself";
  const std::string threads = std::to_string(spec.replica_threads);
  return {
      {"datadir", false, "", "the node's own data directory", placed},
      {"socket", false, "", "the node's own socket", placed},
      {"port", false, "", "the port the runtime chose for the node", placed},
      {"bind_address", false, "", "the node's own address", placed},
      {"pid_file", false, "", "the node's own pid file", placed},
      {"log_error", false, "", "the node's own error log", placed},
      {"secure_file_priv", false, "", "the node's own files directory",
       "SELECT ... INTO OUTFILE and LOAD DATA stay inside the node's directory"},
      {"log_bin", false, "mariadb-bin", "mariadb-bin",
       "binary logs on every node under one name, for point-in-time recovery"},
      {"log_slave_updates", false, "on", "ON",
       "every node's binary log holds every replicated transaction, for point-in-time recovery "
       "from any node"},
      {"gtid_domain_id", false, "", "1000 + the pod's index",
       "a transaction a node writes outside Galera gets that node's own GTID domain, never the "
       "cluster's (GTID consistency for point-in-time recovery)"},
      {"wsrep_on", true, "on", "ON", "the node replicates through Galera (spec.galera.enabled)"},
      {"wsrep_gtid_mode", true, "on", "ON",
       "every node gives a replicated transaction the same GTID (GTID consistency for "
       "point-in-time recovery)"},
      {"wsrep_provider", true, "", "the Galera library mdbop runs", cluster},
      {"wsrep_cluster_name", true, "", "<namespace>-<name> of the MariaDB", cluster},
      {"wsrep_node_name", true, "", "the pod's name", cluster},
      {"wsrep_node_address", true, "", "the node's own address", cluster},
      {"wsrep_sst_receive_address", true, "", "the node's own address", cluster},
      {"wsrep_cluster_address", true, "", "the cluster's members", cluster},
      {"wsrep_sst_auth", true, "", "root's credentials",
       "state transfers log in as root (spec.rootPasswordSecretKeyRef)"},
      {"wsrep_sst_method", true, spec.sst_method, spec.sst_method, "set it with spec.galera.sst"},
      {"wsrep_slave_threads", true, threads, threads, "set it with spec.galera.replicaThreads"},
      {"wsrep_provider_options", true, "", "its defaults and spec.galera.providerOptions",
       "set them with spec.galera.providerOptions"},
  };
}

// Other names mariadbd takes for an owned option.
const std::map<std::string, std::string>& aliases() {
  static const std::map<std::string, std::string> names{
      {"log_replica_updates", "log_slave_updates"},
      {"wsrep_applier_threads", "wsrep_slave_threads"},
  };
  return names;
}

std::string_view trim(std::string_view text) {
  const auto space = [](char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; };
  while (!text.empty() && space(text.front())) text.remove_prefix(1);
  while (!text.empty() && space(text.back())) text.remove_suffix(1);
  return text;
}

// The groups mariadbd reads its options from, also as "<group>-<version>" ([mariadb-10.11]).
bool server_group(std::string group) {
  const size_t dash = group.rfind('-');
  if (dash != std::string::npos && dash + 1 < group.size() &&
      std::isdigit(static_cast<unsigned char>(group[dash + 1]))) {
    group.resize(dash);
  }
  for (const char* read : {"mysqld", "mariadbd", "server", "mariadb", "galera", "client-server"}) {
    if (group == read) return true;
  }
  return false;
}

// A value as mariadbd would take it, for comparison: unquoted, without a comment, lower case,
// a flag's spellings as "on" or "off".
std::string normal_value(std::string_view value) {
  value = trim(value);
  if (value.size() >= 2 && (value.front() == '"' || value.front() == '\'') &&
      value.back() == value.front()) {
    value = value.substr(1, value.size() - 2);
  } else if (const size_t comment = value.find('#'); comment != std::string_view::npos) {
    value = trim(value.substr(0, comment));
  }
  const std::string text = ascii_lowercase(value);
  if (text == "1" || text == "true" || text == "yes") return "on";
  if (text == "0" || text == "false" || text == "no") return "off";
  return text;
}

// The option a line of a server group sets, and its value; nullopt for lines setting none.
std::optional<std::pair<std::string, std::string>> option_of(std::string_view line) {
  const size_t equals = line.find('=');
  std::string name = ascii_lowercase(trim(line.substr(0, equals)));
  std::replace(name.begin(), name.end(), '-', '_');
  std::string value =
      equals == std::string_view::npos ? "on" : normal_value(line.substr(equals + 1));
  if (name.starts_with("loose_")) name.erase(0, 6);
  if (name.starts_with("maximum_")) return std::nullopt;  // a limit for SET, not the value
  if (equals == std::string_view::npos) {
    for (const auto& [prefix, flag] :
         {std::pair{"skip_", "off"}, {"disable_", "off"}, {"enable_", "on"}}) {
      if (name.starts_with(prefix)) {
        name.erase(0, std::string_view(prefix).size());
        value = flag;
        break;
      }
    }
  }
  if (const auto alias = aliases().find(name); alias != aliases().end()) name = alias->second;
  return std::pair{name, value};
}

}  // namespace

std::vector<OwnedOptionSet> owned_options_set_in(std::string_view my_cnf, const MariaDBSpec& spec) {
  // The last value each option gets (the one mariadbd would use), in order of first setting.
  std::vector<std::string> order;
  std::map<std::string, std::string> last;
  bool in_server_group = false;
  bool in_sst_group = false;
  bool sst_sockopt_set = false;
  while (!my_cnf.empty()) {
    const size_t end = my_cnf.find('\n');
    const std::string_view line = trim(my_cnf.substr(0, end));
    my_cnf.remove_prefix(end == std::string_view::npos ? my_cnf.size() : end + 1);
    if (line.empty() || line.front() == '#' || line.front() == ';' || line.front() == '!') {
      continue;
    }
    if (line.front() == '[') {
      const size_t close = line.find(']');
      const std::string group = ascii_lowercase(trim(line.substr(1, close - 1)));
      in_server_group = server_group(group);
      in_sst_group = group == "sst";
      continue;
    }
    const auto option = option_of(line);
    if (!option) continue;
    // The SST scripts read [sst]; of it mdbop writes the TLS settings (never weakened, not
    // reported) and sockopt.
    if (in_sst_group && option->first == "sockopt") sst_sockopt_set = true;
    if (!in_server_group) continue;
    if (!last.contains(option->first)) order.push_back(option->first);
    last[option->first] = option->second;
  }

  const std::vector<Owned> owned = owned_options(spec);
  std::vector<OwnedOptionSet> set;
  for (const std::string& name : order) {
    const auto it =
        std::find_if(owned.begin(), owned.end(), [&](const Owned& o) { return o.name == name; });
    if (it == owned.end() || (it->galera_only && !spec.galera_enabled)) continue;
    if (!it->value.empty() && normal_value(it->value) == last[name]) continue;
    set.push_back({it->name, it->ours, it->why});
  }
  if (sst_sockopt_set && spec.galera_enabled) {
    set.push_back({"[sst] sockopt", "bind=<the node's address>",
                   "a joiner receives its state transfer on the node's own address only"});
  }
  return set;
}

}  // namespace mdbop
