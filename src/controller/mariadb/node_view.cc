#include "controller/mariadb/node_view.h"

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

std::vector<NodeView> observe_nodes(TaskPool& pool, NodeAgent& agent,
                                    const std::vector<NodeId>& ids,
                                    const std::string& root_password, bool galera) {
  std::vector<NodeView> views(ids.size());
  std::vector<std::function<void()>> looks;
  for (size_t i = 0; i < ids.size(); ++i) {
    looks.push_back(
        [&, i] { views[i] = node_view(ids[i], agent.observe(ids[i], root_password), galera); });
  }
  pool.run_all(looks);
  return views;
}

}  // namespace mdbop
