// `mdbop agent`: one node's agent on the network (agent/remote/agent_server.h), serving the
// local node agent of this machine for that node only. The operator started with
// --node-agents=process runs one per node (runtime/local/local_agent_process.cc); on Kubernetes
// each pod runs one.
#include <signal.h>

#include <thread>

#include <spdlog/spdlog.h>

#include "agent/local/local_agent.h"
#include "agent/remote/agent_server.h"
#include "agent/remote/probe_server.h"
#include "cli/commands.h"
#include "runtime/kube/node_pod.h"
#include "runtime/local/local_runtime.h"
#include "util/ports.h"
#include "util/stop_signals.h"

namespace mdbop {

int cmd_agent(const AgentCommand& command) {
  const auto listen = split_host_port(command.listen);
  if (!listen) {
    return report_failure("--listen: \"" + command.listen + "\" is not HOST:PORT (PORT 1-65535)");
  }
  std::optional<HostPort> probe_listen;
  if (!command.probe_listen.empty()) {
    probe_listen = split_host_port(command.probe_listen);
    if (!probe_listen) {
      return report_failure("--probe-listen: \"" + command.probe_listen +
                            "\" is not HOST:PORT (PORT 1-65535)");
    }
  }
  std::optional<PodPlace> pod;
  if (!command.pod_address.empty()) {
    pod = PodPlace{command.pod_address,
                   NodePorts{command.sql_port, PodPorts::kGalera, PodPorts::kIst, PodPorts::kSst,
                             PodPorts::kMetrics, listen->port},
                   command.tls_dir};
  }
  // Signals are taken by one thread, which stops the servers.
  sigset_t signals = block_stop_signals();

  LocalRuntime runtime(command.home, command.ports, pod);
  auto tls = runtime.agent_server_tls(command.node);
  if (!tls) return report_failure(tls.error().what());
  LocalAgent agent(command.home, command.ports, pod);
  // In a pod the node's place is made when the agent starts: the operator only reads it.
  if (pod) {
    if (auto placed = agent.place(command.node, nlohmann::json::object()); !placed) {
      return report_failure(placed.error().what());
    }
  }
  AgentServer server(agent, command.node, *tls, std::filesystem::path(command.home) / "tmp");
  auto bound = server.bind(listen->host, listen->port);
  if (!bound) return report_failure(bound.error().what());
  ProbeServer probes(agent, command.node, [&server] { return server.last_root_password(); });
  if (probe_listen) {
    if (auto probing = probes.bind(probe_listen->host, probe_listen->port); !probing) {
      return report_failure(probing.error().what());
    }
  }
  spdlog::info("agent of {} serving on {}:{} pid={}", command.node.qualified_pod(), listen->host,
               *bound, getpid());
  std::thread probe_thread;
  if (probe_listen) probe_thread = std::thread([&probes] { probes.serve(); });
  std::thread signal_waiter([&] {
    int received = 0;
    sigwait(&signals, &received);
    spdlog::info("agent of {} stopping (signal {})", command.node.qualified_pod(), received);
    probes.stop();
    server.stop();
  });
  server.serve();
  // serve() also ends when the listener fails: a SIGTERM of our own (blocked in every thread,
  // so it waits for sigwait) lets the waiter end. One already taken makes this a no-op.
  kill(getpid(), SIGTERM);
  signal_waiter.join();
  if (probe_thread.joinable()) probe_thread.join();
  // A pod's container ends with its agent, and every process in it is killed then: the server
  // is stopped cleanly first (the kubelet's SIGTERM on a pod deletion or a node drain).
  if (pod) {
    if (auto stopped = agent.stop(command.node, std::chrono::seconds(90)); !stopped) {
      spdlog::error("agent of {}: stopping the server: {}", command.node.qualified_pod(),
                    stopped.error().what());
    }
  }
  return 0;
}

}  // namespace mdbop
