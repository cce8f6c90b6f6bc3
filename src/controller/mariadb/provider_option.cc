#include "controller/mariadb/provider_option.h"

namespace mdbop {

Result<bool> set_provider_option(NodeAgent& agent, const NodeId& id, const std::string& password,
                                 const std::string& option, std::chrono::seconds timeout) {
  auto session = agent.open_sql(id, password, timeout);
  if (!session) return tl::unexpected(session.error());
  return (*session)->execute("SET GLOBAL wsrep_provider_options='" + option + "'");
}

}  // namespace mdbop
