#include "writer.h"

#include <chrono>
#include <optional>
#include <thread>

#include "sql/connection.h"

namespace mdbop::testing {

using namespace std::chrono_literals;

Writer::Writer(std::vector<int> ports, std::string password, std::chrono::milliseconds pause)
    : Writer(
          [ports] {
            std::vector<Target> targets;
            for (int port : ports) targets.push_back({"127.0.0.1", port});
            return targets;
          },
          std::move(password), pause) {}

Writer::Writer(std::function<std::vector<std::string>()> hosts, int port, std::string password,
               std::chrono::milliseconds pause)
    : Writer(
          [hosts = std::move(hosts), port] {
            std::vector<Target> targets;
            for (const std::string& host : hosts()) targets.push_back({host, port});
            return targets;
          },
          std::move(password), pause) {}

Writer::Writer(std::function<std::vector<Target>()> targets, std::string password,
               std::chrono::milliseconds pause)
    : targets_of_(std::move(targets)),
      targets_(targets_of_()),
      password_(std::move(password)),
      pause_(pause) {
  thread_ = std::thread([this] { run(); });
}

void Writer::refresh_targets() {
  std::vector<Target> fresh = targets_of_();
  if (!fresh.empty()) targets_ = std::move(fresh);
}

Writer::~Writer() { stop(); }

void Writer::stop() {
  stopping_ = true;
  if (thread_.joinable()) thread_.join();
}

std::set<long long> Writer::acknowledged() const {
  std::lock_guard lock(mutex_);
  return acknowledged_;
}

std::vector<std::string> Writer::non_primary_errors() const {
  std::lock_guard lock(mutex_);
  return non_primary_errors_;
}

// A node that is shutting down answers 1047 too; the cluster lost its Primary component only
// if no other node is in one.
bool Writer::other_node_is_primary(size_t failed_index) {
  const std::string failed_host = targets_[failed_index % targets_.size()].host;
  const int failed_port = targets_[failed_index % targets_.size()].port;
  refresh_targets();
  for (size_t i = 0; i < targets_.size(); ++i) {
    if (targets_[i].host == failed_host && targets_[i].port == failed_port) continue;
    SqlEndpoint endpoint;
    endpoint.host = targets_[i].host;
    endpoint.port = targets_[i].port;
    endpoint.password = password_;
    endpoint.timeout = 1s;
    auto connection = SqlConnection::connect(endpoint);
    if (!connection) continue;
    auto status = connection->status("wsrep_cluster_status");
    if (status && status->contains("wsrep_cluster_status") &&
        status->at("wsrep_cluster_status") == "Primary") {
      return true;
    }
  }
  return false;
}

void Writer::run() {
  size_t port_index = 0;
  long long next_id = 1;
  std::optional<SqlConnection> connection;
  while (!stopping_) {
    if (!connection) {
      SqlEndpoint endpoint;
      endpoint.host = targets_[port_index % targets_.size()].host;
      endpoint.port = targets_[port_index % targets_.size()].port;
      endpoint.password = password_;
      endpoint.timeout = 2s;
      auto connected = SqlConnection::connect(endpoint);
      if (!connected) {
        // Every target failed once: they may have moved.
        if (++port_index % targets_.size() == 0) refresh_targets();
        std::this_thread::sleep_for(20ms);
        continue;
      }
      // Like a load balancer's health check: only a node that is ready takes writes.
      auto ready = connected->status("wsrep_ready");
      if (!ready || !ready->contains("wsrep_ready") || ready->at("wsrep_ready") != "ON") {
        ++port_index;
        std::this_thread::sleep_for(20ms);
        continue;
      }
      connection = std::move(*connected);
      if (!connection->execute("CREATE DATABASE IF NOT EXISTS test; CREATE TABLE IF NOT EXISTS "
                               "test.writes (id BIGINT PRIMARY KEY, payload VARCHAR(64))")) {
        connection.reset();
        ++port_index;
        continue;
      }
    }
    long long id = next_id++;
    ++attempts_;
    auto done = connection->execute("INSERT INTO test.writes VALUES (" + std::to_string(id) +
                                    ", 'payload-" + std::to_string(id) + "')");
    if (done) {
      {
        std::lock_guard lock(mutex_);
        acknowledged_.insert(id);
      }
      if (pause_.count() > 0) std::this_thread::sleep_for(pause_);
      continue;
    }
    const std::string& message = done.error().message;
    // 1047: WSREP has not yet prepared node for application use (not in a Primary component).
    if (message.find("(1047)") != std::string::npos && !other_node_is_primary(port_index)) {
      std::lock_guard lock(mutex_);
      non_primary_errors_.push_back(message);
    }
    connection.reset();
    ++port_index;
  }
}

}  // namespace mdbop::testing
