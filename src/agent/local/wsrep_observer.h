// WsrepObserver: reads a running node's wsrep status over a session kept per node run. The
// operator looks at every node each second; a new login each time cost more than the look.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "agent/node_agent.h"
#include "sql/connection.h"

namespace mdbop {

class WsrepObserver {
 public:
  // Fills `wsrep` from the node's status. The session is reused while the node's run
  // (`instance`) and the endpoint stay the same; a session that fails is replaced once.
  // Thread-safe; one node is read by one caller at a time.
  void observe(const std::string& node, const std::string& instance, const SqlEndpoint& endpoint,
               WsrepStatus& wsrep);
  // Drops the node's session (it stopped, or its place is gone).
  void forget(const std::string& node);

 private:
  struct Session {
    std::mutex mutex;
    std::string made_for;  // instance, socket, port and password it was opened with
    std::unique_ptr<SqlConnection> connection;
  };
  std::shared_ptr<Session> session_of(const std::string& node);

  std::mutex mutex_;
  std::map<std::string, std::shared_ptr<Session>> sessions_;
};

}  // namespace mdbop
