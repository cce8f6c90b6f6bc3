#include "agent/remote/probe_server.h"

#include <chrono>
#include <thread>

#include <httplib.h>

namespace mdbop {

bool node_ready(const NodeSnapshot& seen) {
  if (!seen.process.running || !seen.wsrep.answers) return false;
  // Without Galera the server has no cluster status.
  if (seen.wsrep.cluster_status.empty()) return true;
  return seen.wsrep.cluster_status == "Primary" && seen.wsrep.local_state == "Synced";
}

ProbeServer::ProbeServer(NodeAgent& agent, NodeId node,
                         std::function<std::optional<std::string>()> root_password)
    : agent_(agent),
      node_(std::move(node)),
      root_password_(std::move(root_password)),
      server_(std::make_unique<httplib::Server>()) {
  // A probe connection is short; a slow or idle one must not hold a worker.
  server_->new_task_queue = [] { return new httplib::ThreadPool(4); };
  server_->set_read_timeout(std::chrono::seconds(5));
  server_->set_write_timeout(std::chrono::seconds(5));
  server_->set_keep_alive_max_count(1);
  const auto serving = [](const httplib::Request&, httplib::Response& response) {
    response.set_content("ok\n", "text/plain");
  };
  server_->Get("/startup", serving);
  server_->Get("/live", serving);
  server_->Get("/ready", [this](const httplib::Request&, httplib::Response& response) {
    const std::optional<std::string> password = root_password_();
    const bool ready = password && node_ready(agent_.observe(node_, *password));
    response.status = ready ? 200 : 503;
    response.set_content(ready ? "ready\n" : "not ready\n", "text/plain");
  });
}

ProbeServer::~ProbeServer() { stop(); }

Result<int> ProbeServer::bind(const std::string& host, int port) {
  const int bound =
      port == 0 ? server_->bind_to_any_port(host) : (server_->bind_to_port(host, port) ? port : -1);
  if (bound < 0) {
    return fail(ErrorCode::kUnavailable,
                "cannot listen for probes on " + host + ":" + std::to_string(port));
  }
  return bound;
}

void ProbeServer::serve() {
  serving_ = true;
  if (!stopping_) server_->listen_after_bind();
  served_ = true;
}

void ProbeServer::stop() {
  stopping_ = true;
  // httplib's stop() does nothing until its loop runs (as AgentServer::stop).
  while (serving_ && !served_) {
    server_->stop();
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

}  // namespace mdbop
