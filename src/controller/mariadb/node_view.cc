#include "controller/mariadb/node_view.h"

#include <future>

namespace mdbop {

NodeView node_view(const NodeId& id, const NodeSnapshot& seen, bool galera) {
  NodeView view;
  static_cast<NodeSnapshot&>(view) = seen;
  view.id = id;
  if (!galera && view.wsrep.answers) {
    view.wsrep.local_state = "Synced";
    view.wsrep.cluster_status = "Primary";
    view.wsrep.cluster_size = 1;
  }
  return view;
}

std::vector<NodeView> observe_nodes(NodeAgent& agent, const std::vector<NodeId>& ids,
                                    const std::string& root_password, bool galera) {
  std::vector<std::future<NodeView>> pending;
  for (const NodeId& id : ids) {
    pending.push_back(std::async(std::launch::async, [&agent, id, &root_password, galera] {
      return node_view(id, agent.observe(id, root_password), galera);
    }));
  }
  std::vector<NodeView> views;
  for (auto& future : pending) views.push_back(future.get());
  return views;
}

}  // namespace mdbop
