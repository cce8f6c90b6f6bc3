// The option file that gives mariadb-backup, mariadb-dump and mariadb their credentials, so
// that no password appears in a process list.
#pragma once

#include <filesystem>
#include <string>

#include "util/result.h"

namespace mdbop {

// Writes a [client] group (user root, the password, the socket) to `path`, mode 0600.
Result<void> write_client_options(const std::filesystem::path& path, const std::string& socket,
                                  const std::string& root_password);

}  // namespace mdbop
