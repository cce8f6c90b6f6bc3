// `mdbop agent`: one node's agent on the network (agent/remote/agent_server.h), serving the
// local node agent of this machine for that node only. The operator started with
// --node-agents=process runs one per node (runtime/local/local_agent_process.cc); on Kubernetes
// each pod runs one.
#include <signal.h>

#include <thread>

#include <spdlog/spdlog.h>

#include "agent/local/local_agent.h"
#include "agent/remote/agent_server.h"
#include "cli/commands.h"
#include "runtime/local/local_runtime.h"
#include "util/stop_signals.h"

namespace mdbop {

int cmd_agent(const AgentCommand& command) {
  const auto colon = command.listen.rfind(':');
  int port = -1;
  if (colon != std::string::npos) {
    try {
      port = std::stoi(command.listen.substr(colon + 1));
    } catch (const std::exception&) {
      port = -1;
    }
  }
  if (colon == std::string::npos || port < 0 || port > 65535) {
    return report_failure("--listen: \"" + command.listen + "\" is not HOST:PORT");
  }
  const std::string host = command.listen.substr(0, colon);
  // Signals are taken by one thread, which stops the server.
  sigset_t signals = block_stop_signals();

  LocalRuntime runtime(command.home, command.ports);
  auto tls = runtime.agent_server_tls(command.node);
  if (!tls) return report_failure(tls.error().what());
  LocalAgent agent(command.home, command.ports);
  AgentServer server(agent, command.node, *tls);
  auto bound = server.bind(host, port);
  if (!bound) return report_failure(bound.error().what());
  spdlog::info("agent of {} serving on {}:{} pid={}", command.node.qualified_pod(), host, *bound,
               getpid());
  std::thread signal_waiter([&] {
    int received = 0;
    sigwait(&signals, &received);
    spdlog::info("agent of {} stopping (signal {})", command.node.qualified_pod(), received);
    server.stop();
  });
  server.serve();
  // serve() also ends when the listener fails: a SIGTERM of our own (blocked in every thread,
  // so it waits for sigwait) lets the waiter end. One already taken makes this a no-op.
  kill(getpid(), SIGTERM);
  signal_waiter.join();
  return 0;
}

}  // namespace mdbop
