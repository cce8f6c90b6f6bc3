#include "controller/mariadb/node_view.h"

#include <future>

namespace mdbop {

namespace {

void read_wsrep_status(Runtime& runtime, const std::string& root_password, NodeView& view) {
  SqlEndpoint endpoint = runtime.sql_endpoint(view.id, root_password);
  endpoint.timeout = std::chrono::seconds(2);
  auto connection = SqlConnection::connect(endpoint);
  if (!connection) {
    const std::string& message = connection.error().message;
    if (message.find("(1045)") != std::string::npos ||
        message.find("(1040)") != std::string::npos) {
      view.sql_refusal = message;
    }
    return;
  }
  auto status = connection->status("wsrep_%");
  if (!status) return;
  auto value = [&](const char* name) {
    auto it = status->find(name);
    return it == status->end() ? std::string() : it->second;
  };
  view.sql_answers = true;
  view.local_state = value("wsrep_local_state_comment");
  view.cluster_status = value("wsrep_cluster_status");
  view.cluster_state_uuid = value("wsrep_cluster_state_uuid");
  view.gcomm_uuid = value("wsrep_gcomm_uuid");
  std::string size = value("wsrep_cluster_size");
  std::string committed = value("wsrep_last_committed");
  view.cluster_size = size.empty() ? 0 : std::stoi(size);
  view.last_committed = committed.empty() ? -1 : std::stoll(committed);
}

NodeView observe_node(Runtime& runtime, const NodeId& id, const std::string& root_password,
                      bool galera) {
  NodeView view;
  view.id = id;
  if (auto layout = runtime.find_layout(id)) view.layout = *layout;
  view.pid = runtime.running_pid(id);
  view.data_present = runtime.data_present(id);
  view.sst_in_progress = runtime.sst_in_progress(id);
  if (auto grastate = runtime.read_grastate(id)) view.grastate = *grastate;
  if (view.pid) read_wsrep_status(runtime, root_password, view);
  if (!galera && view.sql_answers) {
    view.local_state = "Synced";
    view.cluster_status = "Primary";
    view.cluster_size = 1;
  }
  return view;
}

}  // namespace

std::vector<NodeView> observe_nodes(Runtime& runtime, const std::vector<NodeId>& ids,
                                    const std::string& root_password, bool galera) {
  // In parallel: a node that hangs on connect must not delay seeing the others.
  std::vector<std::future<NodeView>> pending;
  for (const NodeId& id : ids) {
    pending.push_back(std::async(std::launch::async, [&runtime, id, &root_password, galera] {
      return observe_node(runtime, id, root_password, galera);
    }));
  }
  std::vector<NodeView> views;
  for (auto& future : pending) views.push_back(future.get());
  return views;
}

}  // namespace mdbop
