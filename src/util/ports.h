// Loopback TCP ports: the range an installation takes its nodes' ports from, and whether a
// port can be listened on right now.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace mdbop {

struct PortRange {
  int first = 33000;
  int last = 34999;
};

// Binds with SO_REUSEADDR, as servers do: lingering TIME_WAIT connections do not make a port
// busy; a listener, or another program's connection from that port, does.
bool loopback_port_free(int port);

// "HOST:PORT" split at its last colon: PORT whole digits 1-65535, HOST not empty (not checked
// further: each listener says what it accepts); nullopt otherwise.
struct HostPort {
  std::string host;
  int port = 0;
};
std::optional<HostPort> split_host_port(std::string_view text);

}  // namespace mdbop
