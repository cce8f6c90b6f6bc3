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
#include "util/ports.h"
#include "util/stop_signals.h"

namespace mdbop {

int cmd_agent(const AgentCommand& command) {
  const auto listen = split_host_port(command.listen);
  if (!listen) {
    return report_failure("--listen: \"" + command.listen + "\" is not HOST:PORT (PORT 1-65535)");
  }
  // Signals are taken by one thread, which stops the server.
  sigset_t signals = block_stop_signals();

  LocalRuntime runtime(command.home, command.ports);
  auto tls = runtime.agent_server_tls(command.node);
  if (!tls) return report_failure(tls.error().what());
  LocalAgent agent(command.home, command.ports);
  AgentServer server(agent, command.node, *tls);
  auto bound = server.bind(listen->host, listen->port);
  if (!bound) return report_failure(bound.error().what());
  spdlog::info("agent of {} serving on {}:{} pid={}", command.node.qualified_pod(), listen->host,
               *bound, getpid());
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
