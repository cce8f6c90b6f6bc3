// Whether a TCP port on 127.0.0.1 can be listened on right now.
#pragma once

namespace mdbop {

// Binds with SO_REUSEADDR, as servers do: lingering TIME_WAIT connections do not make a port
// busy; a listener, or another program's connection from that port, does.
bool loopback_port_free(int port);

}  // namespace mdbop
