#include "controller/mariadb/provider_option.h"

namespace mdbop {

Result<bool> set_provider_option(const SqlEndpoint& endpoint, const std::string& option) {
  auto connection = SqlConnection::connect(endpoint);
  if (!connection) return tl::unexpected(connection.error());
  return connection->execute("SET GLOBAL wsrep_provider_options='" + option + "'");
}

}  // namespace mdbop
