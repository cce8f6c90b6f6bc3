#include "controller/mariadb/node_view.h"

#include <future>

namespace mdbop {

NodeView node_view(const NodeId& id, const NodeSnapshot& seen, bool galera) {
  NodeView view;
  view.id = id;
  view.address = seen.address;
  view.process = seen.process;
  view.data_present = seen.data_present;
  view.sst_in_progress = seen.sst_in_progress;
  view.grastate = seen.grastate;
  view.sql_answers = seen.wsrep.answers;
  view.sql_refusal = seen.wsrep.refusal;
  view.local_state = seen.wsrep.local_state;
  view.cluster_status = seen.wsrep.cluster_status;
  view.cluster_size = seen.wsrep.cluster_size;
  view.last_committed = seen.wsrep.last_committed;
  view.cluster_state_uuid = seen.wsrep.cluster_state_uuid;
  view.gcomm_uuid = seen.wsrep.gcomm_uuid;
  if (!galera && view.sql_answers) {
    view.local_state = "Synced";
    view.cluster_status = "Primary";
    view.cluster_size = 1;
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
