// Loopback TCP ports: the range an installation takes its nodes' ports from, and whether a
// port can be listened on right now.
#pragma once

namespace mdbop {

struct PortRange {
  int first = 33000;
  int last = 34999;
};

// Binds with SO_REUSEADDR, as servers do: lingering TIME_WAIT connections do not make a port
// busy; a listener, or another program's connection from that port, does.
bool loopback_port_free(int port);

}  // namespace mdbop
