// What a node's metrics exporter (Debian's prometheus-mysqld-exporter, 0.14) is started with:
// its option file, and the command line, which holds paths and the listen address only, never
// a secret.
#pragma once

#include <string>
#include <vector>

#include "util/result.h"

namespace mdbop {

// The program, looked up in PATH.
inline constexpr const char* kExporterProgram = "prometheus-mysqld-exporter";

// The option file (--config.my-cnf): [client] user, password and the node's socket. Fails,
// naming the problem, for a user name outside [A-Za-z0-9_.-] and for a password the
// exporter cannot pass on: a control character would end its line, and the exporter appends
// its own parameters to the connection string it builds, which has no escapes, so a '?'
// would turn them into the name of a database. Any other character is kept as it is.
Result<std::string> exporter_option_file(const std::string& user, const std::string& password,
                                         const std::string& socket);

// The exporter's arguments after the program: the option file and `address`:`port`.
std::vector<std::string> exporter_arguments(const std::string& option_file,
                                            const std::string& address, int port);

}  // namespace mdbop
