// A node's own `mdbop agent` process on this machine: started from the given program (the
// operator's own binary), as us (it starts the node's server as the node user, as the operator
// does), in its own session so that it outlives the operator, listening on loopback only. Its
// command line holds the node's name, the installation's home and its listen address: no secret.
#include <signal.h>

#include <thread>

#include "runtime/local/certificate_authority.h"
#include "runtime/local/local_runtime.h"
#include "util/files.h"
#include "util/ports.h"
#include "util/subprocess.h"

namespace mdbop {

namespace fs = std::filesystem;

namespace {

constexpr auto kAgentStartup = std::chrono::seconds(15);

bool is_agent_of(pid_t pid, const std::string& home, const NodeId& id) {
  const std::vector<std::string> arguments = process_arguments(pid);
  const auto has = [&](const std::string& flag, const std::string& value) {
    for (size_t i = 0; i + 1 < arguments.size(); ++i) {
      if (arguments[i] == flag && arguments[i + 1] == value) return true;
    }
    return false;
  };
  return arguments.size() > 1 && arguments[1] == "agent" && has("--home", home) &&
         has("--namespace", id.namespace_) && has("--mariadb", id.mariadb) &&
         has("--index", std::to_string(id.index));
}

// `name`.crt and `name`.key in `dir` (0700), issued by the agents' CA unless there.
Result<TlsFiles> agent_identity(const fs::path& home, const fs::path& dir, const std::string& name,
                                const std::string& common_name, CertificateUse use) {
  FileLock lock(home / "agent-ca.lock");
  auto ca =
      ensure_certificate_authority(home / "agent-ca", "mdbop agents CA " + home.string(), 0600);
  if (!ca) return tl::unexpected(ca.error());
  TlsFiles files{(dir / (name + ".crt")).string(), (dir / (name + ".key")).string(),
                 (home / "agent-ca" / "ca.crt").string()};
  std::error_code ec;
  if (fs::exists(files.key, ec)) return files;
  auto issued = issue_certificate(*ca, common_name, {"127.0.0.1"}, std::chrono::days(3650), use);
  if (!issued) return tl::unexpected(issued.error());
  fs::create_directories(dir, ec);
  fs::permissions(dir, fs::perms::owner_all, ec);
  if (ec) return fail("cannot make " + dir.string() + " ours alone: " + ec.message());
  if (auto w = write_file_atomic(files.certificate, issued->certificate, 0600); !w) {
    return tl::unexpected(w.error());
  }
  if (auto w = write_file_atomic(files.key, issued->private_key, 0600); !w) {
    return tl::unexpected(w.error());
  }
  return files;
}

}  // namespace

Result<TlsFiles> LocalRuntime::agent_server_tls(const NodeId& id) {
  if (pod_) {
    return TlsFiles{(pod_->tls_dir / "agent.crt").string(), (pod_->tls_dir / "agent.key").string(),
                    (pod_->tls_dir / "agent-ca.crt").string()};
  }
  return agent_identity(home_, node_dir(id) / "agent", "agent", "mdbop agent " + id.qualified_pod(),
                        CertificateUse::kServer);
}

Result<TlsFiles> LocalRuntime::agent_client_tls() {
  return agent_identity(home_, home_ / "agent-ca", "operator", "mdbop operator",
                        CertificateUse::kClient);
}

std::optional<LocalRuntime::AgentProcess> LocalRuntime::running_agent(const NodeId& id) {
  auto layout = find_layout(id);
  if (!layout || layout->ports.agent == 0) return std::nullopt;
  auto pid = find_process(node_dir(id) / "agent.pid",
                          [&](pid_t pid) { return is_agent_of(pid, home_.string(), id); });
  if (!pid) return std::nullopt;
  return AgentProcess{*pid, layout->ports.agent};
}

Result<LocalRuntime::AgentProcess> LocalRuntime::run_agent(const NodeId& id,
                                                           const std::string& program) {
  if (!find_layout(id)) return fail(ErrorCode::kNotFound, "node " + id.pod() + " has no place");
  // One start at a time per node: a second caller finds the first one's agent.
  FileLock lock(node_dir(id) / "agent.lock");
  if (auto running = running_agent(id)) return *running;
  if (auto tls = agent_server_tls(id); !tls) return tl::unexpected(tls.error());
  if (auto moved = move_taken_ports(id, {&NodePorts::agent}); !moved) {
    return tl::unexpected(moved.error());
  }
  const int port = find_layout(id)->ports.agent;
  SubprocessOptions agent;
  agent.argv = {
      program,       "agent",
      "--home",      home_.string(),
      "--namespace", id.namespace_,
      "--mariadb",   id.mariadb,
      "--index",     std::to_string(id.index),
      "--listen",    "127.0.0.1:" + std::to_string(port),
      "--ports",     std::to_string(port_range_.first) + "-" + std::to_string(port_range_.last)};
  agent.output_file = (node_dir(id) / "agent.log").string();
  agent.extra_env["MDBOP_HOME"] = home_.string();
  auto pid = spawn_detached(agent);
  if (!pid) return tl::unexpected(pid.error());
  if (auto recorded = record_pid(node_dir(id) / "agent.pid", *pid); !recorded) {
    kill(*pid, SIGKILL);
    return tl::unexpected(recorded.error());
  }
  const auto deadline = std::chrono::steady_clock::now() + kAgentStartup;
  while (std::chrono::steady_clock::now() < deadline) {
    reap_if_exited(*pid);
    if (!process_alive(*pid)) {
      return fail("the agent of " + id.pod() + " exited at once; see " + agent.output_file);
    }
    if (!loopback_port_free(port)) return AgentProcess{*pid, port};
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  kill(*pid, SIGKILL);
  return fail(ErrorCode::kUnavailable,
              "the agent of " + id.pod() + " did not listen within 15 s; see " + agent.output_file);
}

Result<bool> LocalRuntime::stop_agent(const NodeId& id) {
  auto running = running_agent(id);
  if (!running) return false;
  if (auto ended = end_process(running->pid, std::chrono::seconds(5), id.pod() + "'s agent");
      !ended) {
    return ended;
  }
  std::error_code ec;
  fs::remove(node_dir(id) / "agent.pid", ec);
  return true;
}

}  // namespace mdbop
