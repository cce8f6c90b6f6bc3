#include "controller/mariadb/reconciler.h"

#include <algorithm>
#include <thread>

#include <spdlog/spdlog.h>

#include "api/annotations.h"
#include "api/option_value.h"
#include "controller/conditions.h"
#include "controller/field_warnings.h"
#include "galera/node_config.h"
#include "galera/owned_options.h"
#include "store/secrets.h"

namespace mdbop {

using namespace std::chrono_literals;

namespace {

// A Secret or ConfigMap that is missing or lacks its key is the field's fault (kInvalid); one
// that could not be read or written is not (nor the nodes': an API server that does not answer
// is no node unavailable).
tl::unexpected<Error> blamed_on(const std::string& field, const Error& error) {
  if (error.code == ErrorCode::kInvalid) return fail_field(field, error.message);
  return fail(ErrorCode::kUnknown, field + ": " + error.message);
}

}  // namespace

MariaDBReconciler::MariaDBReconciler(Store& store, NodeAgent& agent, ObjectKey key,
                                     std::filesystem::path home)
    : ObjectReconciler(store, std::move(key), agent.nodes_are_pods()),
      agent_(agent),
      home_(std::move(home)) {}

MariaDBReconciler::~MariaDBReconciler() { stop_archiver(); }

void MariaDBReconciler::stop_soon() {
  stopping_ = true;
  std::lock_guard lock(archiver_mutex_);
  if (archiver_) archiver_->stop_soon();
}

std::chrono::milliseconds MariaDBReconciler::reconcile_object() {
  Pass pass;
  pass.object = object_;
  if (auto prepared = prepare(pass); !prepared) {
    spdlog::warn("mariadb={}/{} cannot reconcile: {}", key_.namespace_, key_.name,
                 prepared.error().what());
    // A node that cannot be reached yet (its pod starting) is no fault of the configuration,
    // nor is a failure of what the pass asks (the API server, a node's files): only a field.
    const Error& error = prepared.error();
    const char* reason = error.code == ErrorCode::kUnavailable ? "NodesUnavailable"
                         : error.code == ErrorCode::kInvalid || !error.field.empty()
                             ? "InvalidConfiguration"
                             : "ReconcileFailed";
    event("Warning", reason, prepared.error().what());
    store_.update_status(key_, [&](json& status) {
      set_condition(status, "Ready", false, reason, prepared.error().what());
    });
    return 5s;
  }

  ensure_bootstrap_restore(pass);
  take_up_prepared_restore(pass);
  // What scripts wait on must not outlive the nodes: a Ready that this look contradicts is
  // withdrawn before anything is done about it (a recovery can take seconds).
  if (condition_is_true(object_, "Ready") && !ready(pass)) record_status(pass, "");
  std::chrono::milliseconds next = std::chrono::hours(1);  // until a step below says sooner
  if (needs_seed(pass)) {
    if (auto seeded = seed_new_cluster(pass); !seeded) {
      // Cut off by the operator's stop: status.seeding makes the next operator redo it.
      if (stopping_) return 0ms;
      event("Warning", "BootstrapFailed", seeded.error().what());
      fail_restore_attempt(pass, seeded.error().what());
      record_status(pass, seeded.error().what());
      return 5s;
    }
    observe(pass);
    next = 0ms;
  }

  bool any_primary = false;
  for (const NodeView& view : pass.views) any_primary = any_primary || view.in_primary();
  if (pass.spec.galera_enabled && !any_primary) {
    const auto renewed = start_renewed_single(pass);
    next = std::min(next, renewed ? *renewed : recover_cluster(pass));
  } else {
    note_bootstrap_done(pass);
    next = std::min(next, maintain_members(pass));
  }

  maintain_exporters(pass);
  maintain_archiver(pass);
  // Fresh eyes for status: the actions above changed what runs.
  observe(pass);
  // Whole again: every member may serve the next joiner.
  if (ready(pass)) {
    joined_.clear();
    donor_silent_since_.clear();
    silent_donor_.clear();
  }
  record_status(pass, pass.waiting_on_donor);
  finish_restore_when_ready(pass);
  {
    std::lock_guard lock(watched_mutex_);
    watched_.clear();
    watched_password_ = pass.root_password;
    watched_object_ = object_;
    for (const NodeView& view : pass.views) {
      if (view.running())
        watched_.push_back({view.id, view.process.instance, view.wsrep.gcomm_uuid});
    }
  }
  return next;
}

void MariaDBReconciler::observe(Pass& pass) {
  pass.exits_before_views = exits_reported_;
  pass.views = observe_nodes(lookers_, agent_, pass.all_nodes(), pass.root_password, galera_);
}

Result<bool> MariaDBReconciler::prepare(Pass& pass) {
  pass.spec = mariadb_spec_from(pass.object);
  galera_ = pass.spec.galera_enabled;
  // Refused by validation, yet an object may reach the API server without it (its webhook away):
  // every pass below counts on at least one node.
  if (pass.spec.replicas < 1) return fail_field("spec.replicas", "must be at least 1");
  if (!pass.spec.galera_enabled && pass.spec.replicas != 1) {
    return fail_field("spec.replicas",
                      "without Galera only a single node is supported; set galera.enabled: true "
                      "or replicas: 1");
  }
  if (!pass.spec.root_empty_password) {
    auto password =
        resolve_secret_value(store_, key_.namespace_, pass.spec.root_password, pass.object);
    if (!password) return blamed_on("spec.rootPasswordSecretKeyRef", password.error());
    pass.root_password = *password;
    // It is written into the nodes' option files: a line break would end the option.
    for (char c : pass.root_password) {
      if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
        return fail_field("spec.rootPasswordSecretKeyRef",
                          "the root password contains a control character; use printable "
                          "characters only");
      }
    }
  }
  if (pass.spec.my_cnf_config_map) {
    auto text = resolve_config_map_value(store_, key_.namespace_, *pass.spec.my_cnf_config_map);
    if (!text) return blamed_on("spec.myCnfConfigMapKeyRef", text.error());
    pass.my_cnf = *text;
  } else {
    pass.my_cnf = pass.spec.my_cnf;
  }
  // The runtime's own options come after myCnf and replace what it says of them: said once
  // each, never dropped in silence.
  const std::string my_cnf_field =
      pass.spec.my_cnf_config_map ? "spec.myCnfConfigMapKeyRef" : "spec.myCnf";
  for (const OwnedOptionSet& set : owned_options_set_in(pass.my_cnf, pass.spec)) {
    object_ = warn_about_field_once(
        store_, key_, object_, my_cnf_field + " " + set.option, "FieldIgnored",
        my_cnf_field + " sets " + set.option + ", which mdbop sets itself after myCnf: it uses " +
            set.ours + " (" + set.why + "); remove " + set.option + " from myCnf");
  }
  // Only the status: the stored spec may be newer than the one this pass acts on.
  if (object_.contains("status")) pass.object["status"] = object_["status"];

  pass.spec.primary_pod_index = primary_pod_index_within_replicas(pass.spec);
  for (int i = 0; i < pass.spec.replicas; ++i) {
    NodeId id{key_.namespace_, key_.name, i};
    auto placed = agent_.place(id, pass.object);
    if (!placed) return tl::unexpected(placed.error());
    pass.members.push_back(id);
    pass.addresses.push_back(*placed);
  }
  for (int index : agent_.placed_indices(key_.namespace_, key_.name)) {
    if (index < pass.spec.replicas) continue;
    NodeId id{key_.namespace_, key_.name, index};
    auto placed = agent_.place(id, pass.object);
    if (!placed) return tl::unexpected(placed.error());
    pass.extras.push_back(id);
    pass.addresses.push_back(*placed);
  }
  std::string refused;
  for (const NodeId& id : pass.members) {
    const PlaceShortfall shortfall = agent_.place_shortfall(id);
    if (!shortfall.waiting.empty()) pass.places_waiting.push_back(shortfall.waiting);
    if (!shortfall.refused.empty()) refused += (refused.empty() ? "" : "; ") + shortfall.refused;
  }
  // Once per size asked: the cluster runs on, on the claims it has.
  if (!refused.empty()) {
    object_ =
        warn_about_field_once(store_, key_, object_, "spec.storage.size " + pass.spec.storage_size,
                              "StorageNotResized", refused);
  }
  if (auto written = write_configs(pass); !written) return written;
  observe(pass);
  return true;
}

Result<bool> MariaDBReconciler::write_configs(Pass& pass, bool force) {
  // A Secret applied on its own was not checked against the MariaDB that reads it.
  if (auto writable = check_quoted_option_value(pass.root_password); !writable) {
    return fail(ErrorCode::kInvalid,
                "the root password (spec.rootPasswordSecretKeyRef) cannot be written into a "
                "node's option file: " +
                    writable.error().message + "; change the Secret");
  }
  ClusterConfig config;
  config.spec = pass.spec;
  config.mariadb = pass.object;
  config.cluster_name = key_.namespace_ + "-" + key_.name;
  config.sst_password = pass.root_password;
  config.my_cnf = pass.my_cnf;
  config.peers = pass.all_nodes();
  config.peer_addresses = pass.addresses;
  pass.config_hash = rollout_hash(pass.spec, pass.my_cnf);
  // Everything a node's options are rendered from: the spec, the cluster, the secret and
  // where every peer listens (a port moved at a start, a place made again).
  std::string made_from = pass.config_hash + "\n" + config.cluster_name + "\n" + pass.root_password;
  for (size_t i = 0; i < config.peers.size() && i < pass.addresses.size(); ++i) {
    const NodeAddress& at = pass.addresses[i];
    made_from += fmt::format("\n{} {}:{}/{}/{}/{}", config.peers[i].pod(), at.host, at.sql_port,
                             at.galera_port, at.ist_port, at.sst_port);
  }
  if (!force && made_from == written_config_) return true;
  written_config_.clear();  // until every node has it
  for (const NodeId& id : config.peers) {
    if (auto written = agent_.configure(id, config); !written) return written;
  }
  written_config_ = made_from;
  return true;
}

void MariaDBReconciler::clean_up_deleted() {
  if (archiver_) {
    stop_archiver();
    release_point_in_time_recovery(archived_pitr_);
  }
  const json& object = object_;
  bool purge =
      object["metadata"].value("annotations", json::object()).value(kPurgeAnnotation, "false") ==
      "true";
  std::vector<std::thread> stoppers;
  for (int index : agent_.placed_indices(key_.namespace_, key_.name)) {
    stoppers.emplace_back([this, index, purge] {
      NodeId id{key_.namespace_, key_.name, index};
      agent_.stop_exporter(id);
      if (stop_node(id, 60s)) agent_.remove(id, purge);
    });
  }
  for (auto& stopper : stoppers) stopper.join();
  spdlog::info("mariadb={}/{} deleted purge={}", key_.namespace_, key_.name, purge);
  store_.record_event(
      object, "Normal", "Deleted",
      purge ? "nodes stopped and data removed" : "nodes stopped; data directories kept");
}

}  // namespace mdbop
