// A client that inserts numbered rows as fast as it can, remembering which ones the server
// acknowledged, moving to the next node when its node goes away.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace mdbop::testing {

class Writer {
 public:
  struct Target {
    std::string host;
    int port = 0;
  };
  // Writes into test.writes (created if needed) through the given SQL ports, round-robin on
  // failure, connecting only to nodes whose wsrep_ready is ON (as a load balancer would).
  // `pause` between acknowledged rows makes a light load (zero: as fast as it can).
  Writer(std::vector<int> ports, std::string password,
         std::chrono::milliseconds pause = std::chrono::milliseconds(0));
  // The same through `port` on each of the hosts `hosts` gives (pods, each on an address of its
  // own, which changes when the pod is made again): asked again after every round of failures
  // and before deciding that no node is in a Primary component.
  Writer(std::function<std::vector<std::string>()> hosts, int port, std::string password,
         std::chrono::milliseconds pause = std::chrono::milliseconds(0));
  ~Writer();
  void stop();

  std::set<long long> acknowledged() const;
  long long attempts() const { return attempts_; }
  // Errors (1047) seen while no node at all was in a Primary component.
  std::vector<std::string> non_primary_errors() const;

 private:
  void run();
  bool other_node_is_primary(size_t failed_index);
  Writer(std::function<std::vector<Target>()> targets, std::string password,
         std::chrono::milliseconds pause);
  // Asks for the targets again (only the writer's thread uses them).
  void refresh_targets();
  std::function<std::vector<Target>()> targets_of_;
  std::vector<Target> targets_;
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
