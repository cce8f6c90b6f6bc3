// Root's way into a MariaDB's node: which node (the current primary unless one is named) and
// root's password from the MariaDB's Secret. Shared by `mdbop sql`, backups and restores.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "api/node_id.h"
#include "store/store.h"

namespace mdbop {

struct RootAccess {
  NodeId node;
  std::string password;
};

// `pod` empty: the current primary. Never generates a password: a missing Secret is an error.
Result<RootAccess> root_access(Store& store, const nlohmann::json& mariadb,
                               const std::string& pod = "");

}  // namespace mdbop
