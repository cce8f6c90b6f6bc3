// A client that inserts numbered rows as fast as it can, remembering which ones the server
// acknowledged, moving to the next node when its node goes away.
#pragma once

#include <atomic>
#include <chrono>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace mdbop::testing {

class Writer {
 public:
  // Writes into test.writes (created if needed) through the given SQL ports, round-robin on
  // failure, connecting only to nodes whose wsrep_ready is ON (as a load balancer would).
  // `pause` between acknowledged rows makes a light load (zero: as fast as it can).
  Writer(std::vector<int> ports, std::string password,
         std::chrono::milliseconds pause = std::chrono::milliseconds(0));
  ~Writer();
  void stop();

  std::set<long long> acknowledged() const;
  long long attempts() const { return attempts_; }
  // Errors (1047) seen while no node at all was in a Primary component.
  std::vector<std::string> non_primary_errors() const;

 private:
  void run();
  bool other_node_is_primary(size_t failed_index) const;
  std::vector<int> ports_;
  std::string password_;
  std::chrono::milliseconds pause_;
  std::atomic<bool> stopping_{false};
  std::atomic<long long> attempts_{0};
  mutable std::mutex mutex_;
  std::set<long long> acknowledged_;
  std::vector<std::string> non_primary_errors_;
  std::thread thread_;
};

}  // namespace mdbop::testing
