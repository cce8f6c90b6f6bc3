#include <algorithm>
#include <iostream>

#include "api/kinds.h"
#include "api/yaml_encode.h"
#include "cli/commands.h"
#include "cli/printers.h"
#include "cli/typed_names.h"
#include "store/local_store.h"

namespace mdbop {

namespace {

// The object's condition of that type, an empty object when it has none.
json condition_of(const json& object, const std::string& type) {
  for (const json& condition :
       object.value("status", json::object()).value("conditions", json::array())) {
    if (condition.value("type", "") == type) return condition;
  }
  return json::object();
}

std::string condition_status(const json& object, const std::string& type) {
  return condition_of(object, type).value("status", "Unknown");
}

std::string condition_message(const json& object, const std::string& type) {
  return condition_of(object, type).value("message", "");
}

std::string text_of(const json& value) {
  if (value.is_null()) return "-";
  if (value.is_string()) return value.get<std::string>();
  return value.dump();
}

// The objects the selector names (pods are views of MariaDB nodes, not stored objects).
Result<std::vector<json>> select(NodeAgent& agent, const ObjectSelector& selector, KindInfo& kind) {
  if (auto typed = check_typed_names(selector.namespace_, {{"NAME", selector.name}}); !typed) {
    return tl::unexpected(typed.error());
  }
  auto resolved = resolve_kind(selector.kind);
  if (!resolved) return tl::unexpected(resolved.error());
  kind = *resolved;
  LocalStore store(mdbop_home() / "store");
  std::string namespace_ = selector.all_namespaces ? "" : selector.namespace_;
  std::vector<json> objects;
  if (kind.kind == "Pod") {
    for (const json& mariadb : store.list("MariaDB", namespace_)) {
      for (json& pod : pod_views(agent, mariadb)) objects.push_back(std::move(pod));
    }
  } else {
    objects = store.list(kind.kind, namespace_);
  }
  if (!selector.name.empty()) {
    std::erase_if(objects, [&](const json& o) { return o["metadata"]["name"] != selector.name; });
    if (objects.empty()) {
      return fail(kind.plural + " \"" + selector.name + "\" not found in namespace " +
                  selector.namespace_);
    }
  }
  return objects;
}

using Row = std::vector<std::string>;

std::string age_of(const json& object) {
  return age_since(object["metadata"].value("creationTimestamp", ""));
}

Row mariadb_row(const json& object, bool wide) {
  const json& metadata = object["metadata"];
  const json status = object.value("status", json::object());
  Row row = {metadata["name"], condition_status(object, "Ready"),
             condition_message(object, "Ready"), status.value("currentPrimary", ""),
             age_of(object)};
  if (wide) {
    row.insert(row.end(), {std::to_string(status.value("replicas", 0)) + "/" +
                               std::to_string(object["spec"].value("replicas", 1)),
                           condition_status(object, "GaleraReady"),
                           std::to_string(metadata.value("generation", 0)),
                           std::to_string(status.value("observedGeneration", 0))});
  }
  return row;
}

Row pod_row(const json& object, bool wide) {
  json status = object.value("status", json::object());
  const json& galera = status["galera"];
  Row row = {object["metadata"]["name"], status.value("ready", false) ? "1/1" : "0/1",
             galera.value("state", ""), text_of(status["pid"]),
             std::to_string(status["ports"].value("sql", 0))};
  if (wide) {
    row.insert(
        row.end(),
        {std::to_string(status["ports"].value("galera", 0)),
         std::to_string(status["ports"].value("ist", 0)),
         std::to_string(status["ports"].value("sst", 0)),
         // The exporter's port, when spec.metrics.enabled.
         text_of(status["ports"].value("metrics", json())), text_of(galera["seqno"]),
         galera.value("clusterStatus", "") + "/" + std::to_string(galera.value("clusterSize", 0)),
         status.value("dataDir", "")});
  }
  return row;
}

Row secret_row(const json& object, bool) {
  return {object["metadata"]["name"], object.value("type", "Opaque"),
          std::to_string(object.value("data", json::object()).size()), age_of(object)};
}

Row config_map_row(const json& object, bool) {
  return {object["metadata"]["name"], std::to_string(object.value("data", json::object()).size()),
          age_of(object)};
}

Row backup_row(const json& object, bool wide) {
  const json status = object.value("status", json::object());
  const json spec = object.value("spec", json::object());
  const std::string method =
      object["kind"] == "PhysicalBackup" ? "physical" : spec.value("backupType", "logical");
  const json schedule = spec.value("schedule", json::object());
  Row row = {object["metadata"]["name"],
             method,
             status.value("phase", "Pending"),
             schedule.value("cron", "once"),
             status.value("lastSuccessTime", "-"),
             std::to_string(status.value("artifacts", json::array()).size()),
             age_of(object)};
  if (wide) {
    row.insert(row.end(), {status.value("nextScheduleTime", "-"),
                           status.value("storage", json::object()).value("location", "-"),
                           status.value("lastFailureReason", "-")});
  }
  return row;
}

Row restore_row(const json& object, bool) {
  const json status = object.value("status", json::object());
  return {
      object["metadata"]["name"],       condition_status(object, "Complete"),
      status.value("phase", "Pending"), status.value("artifact", json::object()).value("id", "-"),
      status.value("message", ""),      age_of(object)};
}

Row point_in_time_recovery_row(const json& object, bool wide) {
  const json status = object.value("status", json::object());
  Row row = {object["metadata"]["name"],
             condition_status(object, "Archiving"),
             condition_status(object, "ArchiveContinuous"),
             status.value("lastArchivedGtid", "-"),
             status.value("lastArchivedTime", "-"),
             age_of(object)};
  if (wide) {
    row.insert(row.end(), {status.value("mariaDbRef", json::object()).value("name", "-"),
                           status.value("node", "-"), condition_message(object, "Archiving")});
  }
  return row;
}

Row other_row(const json& object, bool) {
  return {object["metadata"]["name"], condition_status(object, "Complete"),
          condition_message(object, "Complete"), age_of(object)};
}

// The columns `get` prints for a kind; -o wide appends wide_headers (and row() their values).
struct Printer {
  std::vector<std::string> kinds;
  Row headers;
  Row wide_headers;
  Row (*row)(const json& object, bool wide);
};

const Printer& printer_for(const std::string& kind) {
  static const std::vector<Printer> printers = {
      {{"MariaDB"},
       {"NAME", "READY", "STATUS", "PRIMARY", "AGE"},
       {"REPLICAS", "GALERA", "GENERATION", "OBSERVED"},
       mariadb_row},
      {{"Pod"},
       {"NAME", "READY", "STATUS", "PID", "SQL-PORT"},
       {"GALERA-PORT", "IST-PORT", "SST-PORT", "METRICS", "SEQNO", "CLUSTER", "DATA-DIR"},
       pod_row},
      {{"Secret"}, {"NAME", "TYPE", "DATA", "AGE"}, {}, secret_row},
      {{"ConfigMap"}, {"NAME", "DATA", "AGE"}, {}, config_map_row},
      {{"Backup", "PhysicalBackup"},
       {"NAME", "TYPE", "PHASE", "SCHEDULE", "LAST-SUCCESS", "ARTIFACTS", "AGE"},
       {"NEXT", "STORAGE", "LAST-FAILURE"},
       backup_row},
      {{"Restore"}, {"NAME", "COMPLETE", "PHASE", "ARTIFACT", "MESSAGE", "AGE"}, {}, restore_row},
      {{"PointInTimeRecovery"},
       {"NAME", "ARCHIVING", "CONTINUOUS", "LAST-GTID", "LAST-TIME", "AGE"},
       {"MARIADB", "NODE", "MESSAGE"},
       point_in_time_recovery_row},
  };
  static const Printer other = {{}, {"NAME", "COMPLETE", "STATUS", "AGE"}, {}, other_row};
  for (const Printer& printer : printers) {
    if (std::find(printer.kinds.begin(), printer.kinds.end(), kind) != printer.kinds.end()) {
      return printer;
    }
  }
  return other;
}

std::string table_for(const KindInfo& kind, const std::vector<json>& objects, bool wide,
                      bool all_namespaces) {
  if (objects.empty()) return "";
  const Printer& printer = printer_for(kind.kind);
  Row headers = printer.headers;
  if (wide) headers.insert(headers.end(), printer.wide_headers.begin(), printer.wide_headers.end());
  if (all_namespaces) headers.insert(headers.begin(), "NAMESPACE");
  std::vector<Row> rows;
  for (const json& object : objects) {
    Row row = printer.row(object, wide);
    if (all_namespaces) row.insert(row.begin(), object["metadata"].value("namespace", "default"));
    rows.push_back(std::move(row));
  }
  return render_table(headers, rows);
}

}  // namespace

std::vector<json> pod_views(NodeAgent& agent, const json& mariadb) {
  std::vector<json> pods;
  const json& metadata = mariadb["metadata"];
  std::string namespace_ = metadata.value("namespace", "default");
  std::string name = metadata.value("name", "");
  for (const json& node : mariadb.value("status", json::object()).value("nodes", json::array())) {
    NodeId id{namespace_, name, node.value("index", 0)};
    const NodeProcess process = agent.process(id);
    const bool running = process.running;
    std::string state = running ? node.value("state", "Running") : "Stopped";
    // Status written before a restart describes the previous process.
    if (running && node["pid"] != process.details.value("pid", json())) state = "Starting";
    bool ready = running && state == "Synced";
    pods.push_back({{"apiVersion", "v1"},
                    {"kind", "Pod"},
                    {"metadata",
                     {{"name", id.pod()},
                      {"namespace", namespace_},
                      {"labels", {{"app.kubernetes.io/instance", name}}}}},
                    {"status",
                     {{"phase", running ? "Running" : "Stopped"},
                      {"ready", ready},
                      {"pid", process.details.value("pid", json())},
                      {"ports", node.value("ports", json::object())},
                      {"dataDir", node.value("dataDir", "")},
                      {"socket", node.value("socket", "")},
                      {"primary", mariadb["status"].value("currentPrimary", "") == id.pod()},
                      {"galera",
                       {{"state", state},
                        {"clusterStatus", running ? node.value("clusterStatus", "") : ""},
                        {"clusterSize", running ? node.value("clusterSize", 0) : 0},
                        {"seqno", node.value("seqno", -1)}}}}}});
  }
  return pods;
}

int cmd_get(NodeAgent& agent, const ObjectSelector& selector, const std::string& output) {
  KindInfo kind;
  auto objects = select(agent, selector, kind);
  if (!objects) return report_failure(objects.error().what());
  if (output == "json" || output == "yaml") {
    json document = !selector.name.empty() && objects->size() == 1
                        ? objects->front()
                        : json{{"apiVersion", "v1"}, {"kind", "List"}, {"items", *objects}};
    std::cout << (output == "json" ? document.dump(2) + "\n" : encode_yaml(document));
    return 0;
  }
  if (!output.empty() && output != "wide") {
    return report_failure("-o must be one of wide, yaml, json (got " + output + ")");
  }
  if (objects->empty()) {
    std::cerr << "No " << kind.plural << " found"
              << (selector.all_namespaces ? "" : " in namespace " + selector.namespace_) << ".\n";
    return 0;
  }
  std::cout << table_for(kind, *objects, output == "wide", selector.all_namespaces);
  return 0;
}

int cmd_describe(NodeAgent& agent, const ObjectSelector& selector) {
  KindInfo kind;
  auto objects = select(agent, selector, kind);
  if (!objects) return report_failure(objects.error().what());
  LocalStore store(mdbop_home() / "store");
  for (json object : *objects) {
    const json& metadata = object["metadata"];
    std::cout << "Name:         " << metadata.value("name", "") << "\n"
              << "Namespace:    " << metadata.value("namespace", "default") << "\n"
              << "Kind:         " << object.value("kind", "") << "\n";
    if (object["kind"] == "Secret" && object.contains("data")) {
      // Never print secret values: only their keys and sizes.
      for (auto& [key, value] : object["data"].items()) {
        value = std::to_string(value.get<std::string>().size() * 3 / 4) + " bytes";
      }
    }
    json body = object;
    body.erase("status");
    body.erase("metadata");
    body.erase("apiVersion");
    body.erase("kind");
    std::cout << encode_yaml(body);
    if (object.contains("status")) {
      json status = object["status"];
      if (object["kind"] == "MariaDB" && status.contains("nodes")) {
        std::vector<std::vector<std::string>> rows;
        for (const json& pod : pod_views(agent, object)) {
          const json& s = pod["status"];
          rows.push_back(
              {pod["metadata"]["name"], s["galera"].value("state", ""), text_of(s["pid"]),
               text_of(s["galera"]["seqno"]), std::to_string(s["ports"].value("sql", 0)),
               std::to_string(s["ports"].value("galera", 0)),
               std::to_string(s["ports"].value("ist", 0)),
               std::to_string(s["ports"].value("sst", 0)), s.value("primary", false) ? "yes" : ""});
        }
        std::cout << "Nodes:\n"
                  << render_table(
                         {"POD", "STATE", "PID", "SEQNO", "SQL", "GALERA", "IST", "SST", "PRIMARY"},
                         rows);
        status.erase("nodes");
      }
      if (status.contains("artifacts")) {
        std::vector<std::vector<std::string>> artifacts;
        for (const json& a : status["artifacts"]) {
          artifacts.push_back({a.value("id", ""), a.value("method", ""), a.value("finished", ""),
                               a.value("pod", ""), std::to_string(a.value("sourceBytes", 0)),
                               std::to_string(a.value("storedBytes", 0)), a.value("encryption", ""),
                               a.value("location", "")});
        }
        std::cout << "Artifacts:\n"
                  << (artifacts.empty() ? "  <none>\n"
                                        : render_table({"ID", "METHOD", "FINISHED", "POD", "BYTES",
                                                        "STORED", "ENCRYPTION", "LOCATION"},
                                                       artifacts));
        status.erase("artifacts");
      }
      std::vector<std::vector<std::string>> conditions;
      for (const json& c : status.value("conditions", json::array())) {
        conditions.push_back({c.value("type", ""), c.value("status", ""), c.value("reason", ""),
                              c.value("lastTransitionTime", ""), c.value("message", "")});
      }
      if (!conditions.empty()) {
        std::cout << "Conditions:\n"
                  << render_table({"TYPE", "STATUS", "REASON", "SINCE", "MESSAGE"}, conditions);
        status.erase("conditions");
      }
      std::cout << "Status:\n" << encode_yaml(status);
    }
    std::vector<std::vector<std::string>> rows;
    auto events = store.events(metadata.value("namespace", "default"), object.value("kind", ""),
                               metadata.value("name", ""));
    size_t first = events.size() > 15 ? events.size() - 15 : 0;
    for (size_t i = first; i < events.size(); ++i) {
      const json& e = events[i];
      rows.push_back({e.value("type", ""), e.value("reason", ""),
                      age_since(e.value("lastTimestamp", "")), std::to_string(e.value("count", 1)),
                      e.value("message", "")});
    }
    std::cout << "Events:\n"
              << (rows.empty() ? "  <none>\n"
                               : render_table({"TYPE", "REASON", "AGE", "COUNT", "MESSAGE"}, rows))
              << "\n";
  }
  return 0;
}

}  // namespace mdbop
