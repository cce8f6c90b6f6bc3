// MariaDB: the schema (field names from the operator's API, plus older names tutorials still
// use), the checks that depend on other fields, and the defaults.
#include <optional>
#include <string>

#include "api/backup_schema.h"
#include "api/json_lookup.h"
#include "api/metrics_schema.h"
#include "api/object_meta.h"
#include "api/option_value.h"
#include "api/quantity.h"
#include "api/schema.h"
#include "api/validators.h"

namespace mdbop {
namespace {

using schema::any_array;
using schema::any_object;
using schema::boolean;
using schema::duration;
using schema::int_or_percent;
using schema::integer;
using schema::key_ref;
using schema::lenient_string_map;
using schema::Node;
using schema::one_of;
using schema::quantity;
using schema::refused;
using schema::string_map;
using schema::text;

Node galera_schema() {
  return schema::object({
      {"enabled", boolean()},
      {"primary", schema::object({
                      {"podIndex", integer()},
                      {"autoFailover", boolean()},
                      {"automaticFailover", boolean()},  // the operator's name before v25
                  })},
      {"sst", one_of({"mariabackup", "rsync", "mysqldump"})},
      {"availableWhenDonor", boolean()},
      {"galeraLibPath", text()},
      {"replicaThreads", integer()},
      {"providerOptions", lenient_string_map()},
      {"agent", any_object()},
      {"recovery", schema::object({
                       {"enabled", boolean()},
                       {"minClusterSize", int_or_percent()},
                       {"clusterMonitorInterval", duration()},
                       {"clusterHealthyTimeout", duration()},
                       {"clusterBootstrapTimeout", duration()},
                       {"clusterUpscaleTimeout", duration()},
                       {"clusterDownscaleTimeout", duration()},
                       {"podRecoveryTimeout", duration()},
                       {"podSyncTimeout", duration()},
                       {"forceClusterBootstrapInPod", text()},
                       {"job", any_object()},
                   })},
      {"initContainer", any_object()},
      {"initJob", any_object()},
      {"config", schema::object({
                     {"reuseStorageVolume", boolean()},
                     {"volumeClaimTemplate", any_object()},
                 })},
      {"volumeClaimTemplate", any_object()},  // older place of config.volumeClaimTemplate
  });
}

}  // namespace

const schema::Node& mariadb_schema() {
  static const schema::Node node = object_schema({
      {"status", any_object()},
      {"spec",
       schema::object({
           {"replicas", integer()},
           {"replicasAllowEvenNumber", boolean()},
           {"port", integer()},
           {"galera", galera_schema()},
           {"myCnf", text()},
           {"myCnfConfigMapKeyRef", key_ref(false)},
           {"rootPasswordSecretKeyRef", key_ref(true)},
           {"rootEmptyPassword", boolean()},
           {"database", text()},
           {"username", text()},
           {"passwordSecretKeyRef", key_ref(true)},
           {"passwordHashSecretKeyRef", key_ref(false)},
           {"passwordPlugin", any_object()},
           {"cleanupPolicy", one_of({"Skip", "Delete"})},
           {"timeZone", text()},
           {"bootstrapFrom", bootstrap_from_schema()},
           {"storage", schema::object({
                           {"size", quantity()},
                           {"storageClassName", text()},
                           {"resizeInUseVolumes", boolean()},
                           {"waitForVolumeResize", boolean()},
                           {"volumeClaimTemplate", any_object()},
                           {"ephemeral", boolean()},
                           {"pvcRetentionPolicy", any_object()},
                       })},
           {"volumeClaimTemplate", any_object()},  // older form of storage.volumeClaimTemplate
           {"updateStrategy", schema::object({
                                  {"type", one_of({"ReplicasFirstPrimaryLast", "RollingUpdate",
                                                   "OnDelete", "Never"})},
                                  {"rollingUpdate", any_object()},
                                  {"autoUpdateDataPlane", boolean()},
                              })},
           {"podDisruptionBudget", schema::object({
                                       {"minAvailable", int_or_percent()},
                                       {"maxUnavailable", int_or_percent()},
                                   })},
           {"suspend", boolean()},
           {"image", text()},
           {"imagePullPolicy", one_of({"Always", "Never", "IfNotPresent"})},
           {"imagePullSecrets", any_array()},
           {"podMetadata", metadata_template()},
           {"inheritMetadata", metadata_template()},
           {"service", any_object()},
           {"primaryService", any_object()},
           {"secondaryService", any_object()},
           {"servicePorts", any_array()},
           {"connection", any_object()},
           {"primaryConnection", any_object()},
           {"secondaryConnection", any_object()},
           {"metrics", metrics_schema()},
           {"tls", any_object()},
           {"resources", any_object()},
           {"livenessProbe", any_object()},
           {"readinessProbe", any_object()},
           {"startupProbe", any_object()},
           {"lifecycle", any_object()},
           {"securityContext", any_object()},
           {"podSecurityContext", any_object()},
           {"serviceAccountName", text()},
           {"env", any_array()},
           {"envFrom", any_array()},
           {"volumes", any_array()},
           {"volumeMounts", any_array()},
           {"initContainers", any_array()},
           {"sidecarContainers", any_array()},
           {"affinity", any_object()},
           {"nodeSelector", string_map()},
           {"tolerations", any_array()},
           {"topologySpreadConstraints", any_array()},
           {"priorityClassName", text()},
           {"enableServiceLinks", boolean()},
           {"terminationGracePeriodSeconds", integer()},
           // Operator features mdbop does not implement: refused, since ignoring them would
           // silently run something other than what was asked for.
           {"replication",
            refused("asynchronous replication is not supported by mdbop; use spec.galera for "
                    "high availability")},
           {"maxScaleRef", refused("MaxScale is not supported by mdbop; remove this field")},
           {"multiCluster",
            refused("multi-cluster topologies are not supported by mdbop; remove this field")},
           {"pointInTimeRecoveryRef", schema::object({{"name", text()}})},
       })},
  });
  return node;
}

namespace {

// N for a well-formed "N%" (capped, so that huge values stay out of range); nullopt otherwise,
// the schema check having reported it.
std::optional<long long> percentage(const json& value) {
  if (!value.is_string()) return std::nullopt;
  std::string digits = value;
  if (digits.size() < 2 || digits.back() != '%') return std::nullopt;
  digits.pop_back();
  if (digits.find_first_not_of("0123456789") != std::string::npos) return std::nullopt;
  return digits.size() > 6 ? 1000000 : std::stoll(digits);
}

int decimal_digits(long long n) { return n < 10 ? 1 : 1 + decimal_digits(n / 10); }

void check_galera(const json& object, std::optional<int> replicas,
                  std::vector<ValidationIssue>& issues) {
  if (const json* sst = find(object, "/spec/galera/sst"); sst && *sst == "mysqldump") {
    // The other methods run over TLS with the installation's certificates; this one would
    // send the whole database through the SQL port, which has no TLS yet.
    issues.push_back({"spec.galera.sst",
                      "mysqldump would send the data in clear text through the SQL port; use "
                      "mariabackup (the default) or rsync, which mdbop runs over TLS"});
  }
  if (const auto index = find_int(object, "/spec/galera/primary/podIndex")) {
    if (*index < 0 || (replicas && *index >= *replicas)) {
      issues.push_back({"spec.galera.primary.podIndex",
                        replicas ? "must be between 0 and " + std::to_string(*replicas - 1) +
                                       " (spec.replicas is " + std::to_string(*replicas) + ")"
                                 : "must not be negative"});
    }
  }
  const json* auto_failover = find(object, "/spec/galera/primary/autoFailover");
  const json* automatic_failover = find(object, "/spec/galera/primary/automaticFailover");
  if (auto_failover && automatic_failover && *auto_failover != *automatic_failover) {
    issues.push_back({"spec.galera.primary.automaticFailover",
                      "contradicts spec.galera.primary.autoFailover; keep only autoFailover"});
  }
  if (const json* options = find(object, "/spec/galera/providerOptions");
      options && options->is_object()) {
    for (const auto& [key, value] : options->items()) {
      const std::string path = "spec.galera.providerOptions." + key;
      if (auto valid = check_provider_option_key(key); !valid) {
        issues.push_back({path, valid.error().message});
      } else if (value.is_string()) {
        if (auto fits = check_provider_option_value(value.get<std::string>()); !fits) {
          issues.push_back({path, fits.error().message});
        }
      }
    }
  }
  if (const auto threads = find_int(object, "/spec/galera/replicaThreads");
      threads && *threads < 1) {
    issues.push_back({"spec.galera.replicaThreads", "must be at least 1"});
  }
  if (const json* min = find(object, "/spec/galera/recovery/minClusterSize")) {
    const std::string path = "spec.galera.recovery.minClusterSize";
    const auto count = find_int(object, "/spec/galera/recovery/minClusterSize");
    if (count && (*count < 1 || (replicas && *count > *replicas))) {
      issues.push_back({path, replicas ? "must be between 1 and spec.replicas (" +
                                             std::to_string(*replicas) +
                                             "), or a percentage such as \"50%\""
                                       : "must be at least 1"});
    } else if (const auto percent = percentage(*min); percent && (*percent < 1 || *percent > 100)) {
      issues.push_back({path, "the percentage must be between 1% and 100%"});
    }
  }
  if (const json* pod = find(object, "/spec/galera/recovery/forceClusterBootstrapInPod");
      pod && pod->is_string() && replicas) {
    const json* name_field = find(object, "/metadata/name");
    const std::string name =
        name_field && name_field->is_string() ? name_field->get<std::string>() : "";
    const std::string value = *pod;
    const std::string prefix = name + "-";
    const std::string index = value.starts_with(prefix) ? value.substr(prefix.size()) : "";
    const bool is_index = !index.empty() && index.size() <= 9 &&
                          index.find_first_not_of("0123456789") == std::string::npos &&
                          (index == "0" || index[0] != '0');
    if (!is_index || std::stoll(index) >= *replicas) {
      issues.push_back({"spec.galera.recovery.forceClusterBootstrapInPod",
                        "must name one of this MariaDB's pods, " + name + "-0 to " + name + "-" +
                            std::to_string(*replicas - 1)});
    }
  }
}

void check_semantics(const json& object, std::vector<ValidationIssue>& issues) {
  const json* spec = find(object, "/spec");
  if (spec == nullptr || !spec->is_object()) return;

  if (const json* ref = find(*spec, "/pointInTimeRecoveryRef");
      ref && ref->is_object() && find_text(*ref, "/name").empty()) {
    issues.push_back({"spec.pointInTimeRecoveryRef.name",
                      "required: the PointInTimeRecovery (in this namespace) that says where "
                      "to archive the binary logs"});
  }
  if (spec->contains("pointInTimeRecoveryRef") && !find_true(object, "/spec/galera/enabled")) {
    issues.push_back({"spec.pointInTimeRecoveryRef",
                      "archiving the binary log needs Galera (its cluster state UUID names the "
                      "archive's history); set galera.enabled: true or remove this field"});
  }

  // The checks below that depend on the node count are skipped while replicas is invalid.
  std::optional<int> replicas =
      find(object, "/spec/replicas") ? find_int(object, "/spec/replicas") : 1;
  if (replicas && *replicas < 1) {
    issues.push_back({"spec.replicas", "must be at least 1"});
    replicas.reset();
  }
  // Galera clusters stay far below this; the bound keeps what is derived per node (status,
  // metrics, ports) bounded whatever a manifest says.
  constexpr int kMaxReplicas = 100;
  if (replicas && *replicas > kMaxReplicas) {
    issues.push_back({"spec.replicas", "must be at most " + std::to_string(kMaxReplicas)});
    replicas.reset();
  }
  const bool galera = find_true(object, "/spec/galera/enabled");
  if (galera && replicas && *replicas % 2 == 0 &&
      !find_true(object, "/spec/replicasAllowEvenNumber")) {
    issues.push_back({"spec.replicas",
                      "Galera needs an odd number of nodes so that a majority survives a network "
                      "split; use " +
                          std::to_string(*replicas + 1) +
                          ", or set spec.replicasAllowEvenNumber: true to run " +
                          std::to_string(*replicas) + " nodes anyway"});
  }
  if (galera) check_galera(object, replicas, issues);
  if (!galera && replicas && *replicas > 1) {
    issues.push_back(
        {"spec.replicas", std::to_string(*replicas) +
                              " nodes need Galera: set spec.galera.enabled: true, or use 1 (mdbop "
                              "does not run asynchronous replication)"});
  }
  if (find_true(object, "/spec/rootEmptyPassword")) {
    issues.push_back({"spec.rootEmptyPassword",
                      "a root account without a password lets every local user in as the "
                      "database's root; remove it (mdbop generates a root password when "
                      "spec.rootPasswordSecretKeyRef is omitted)"});
  }
  if (find_true(object, "/spec/tls/enabled")) {
    issues.push_back({"spec.tls.enabled",
                      "client TLS with your own certificates is not supported by mdbop yet (it "
                      "comes later); remove spec.tls. Traffic between the nodes is always "
                      "encrypted with the installation's certificates"});
  }

  if (const json* name = find(object, "/metadata/name");
      name && name->is_string() && is_dns1123_label(name->get<std::string>()) && replicas) {
    // Node names are <name>-<index> and must stay valid host names (at most 63 characters).
    const size_t longest = name->get<std::string>().size() + 1 + decimal_digits(*replicas - 1);
    if (longest > 63) {
      issues.push_back({"metadata.name",
                        "too long: pod names <name>-<index> would exceed 63 "
                        "characters; use at most " +
                            std::to_string(62 - decimal_digits(*replicas - 1)) + " characters"});
    }
  }

  if (const auto port = find_int(object, "/spec/port"); port && (*port < 1 || *port > 65535)) {
    issues.push_back({"spec.port", "must be between 1 and 65535"});
  }
  if (const json* size = find(object, "/spec/storage/size"); size && size->is_string()) {
    if (const auto bytes = parse_quantity(size->get<std::string>()); bytes && *bytes <= 0) {
      issues.push_back({"spec.storage.size", "must be greater than zero"});
    }
  }
  if (find_true(object, "/spec/storage/ephemeral")) {
    if (galera) {
      issues.push_back({"spec.storage.ephemeral",
                        "ephemeral storage cannot be used with Galera: a node would lose its data "
                        "on every restart; remove it"});
    }
    if (find(object, "/spec/storage/size") || find(object, "/spec/storage/volumeClaimTemplate")) {
      issues.push_back({"spec.storage.ephemeral",
                        "set either ephemeral: true or a size/volumeClaimTemplate, not both"});
    }
  }
  if (find(object, "/spec/myCnf") && find(object, "/spec/myCnfConfigMapKeyRef")) {
    issues.push_back({"spec.myCnfConfigMapKeyRef",
                      "set either spec.myCnf or spec.myCnfConfigMapKeyRef, not both"});
  }
  check_key_ref(object, "/spec/rootPasswordSecretKeyRef", "spec.rootPasswordSecretKeyRef",
                "Secret holding the root password", false, issues);
  check_key_ref(object, "/spec/passwordSecretKeyRef", "spec.passwordSecretKeyRef",
                "Secret holding the user's password", false, issues);
  check_key_ref(object, "/spec/passwordHashSecretKeyRef", "spec.passwordHashSecretKeyRef",
                "Secret holding the user's password hash", true, issues);
  check_key_ref(object, "/spec/myCnfConfigMapKeyRef", "spec.myCnfConfigMapKeyRef",
                "ConfigMap holding my.cnf", true, issues);
  check_bootstrap_from(object, issues);
  check_metrics(object, issues);
  if (find(object, "/spec/podDisruptionBudget/minAvailable") &&
      find(object, "/spec/podDisruptionBudget/maxUnavailable")) {
    issues.push_back(
        {"spec.podDisruptionBudget", "set either minAvailable or maxUnavailable, not both"});
  }
}

json default_key_ref(const std::string& name) {
  return {{"name", name}, {"key", "password"}, {"generate", true}};
}

void apply_galera_defaults(json& galera) {
  // The operator's defaults (api/v1alpha1/mariadb_galera_types.go).
  json& primary = galera["primary"];
  if (primary.contains("automaticFailover")) {
    fill(primary, "autoFailover", primary["automaticFailover"]);
    primary.erase("automaticFailover");
  }
  fill(primary, "podIndex", 0);
  fill(primary, "autoFailover", true);
  fill(galera, "sst", "mariabackup");
  fill(galera, "replicaThreads", 1);
  // Unlike the operator, a recovery block without `enabled` keeps recovery on: writing a
  // timeout should not switch the whole mechanism off.
  json& recovery = galera["recovery"];
  fill(recovery, "enabled", true);
  if (recovery["enabled"] == true) {
    fill(recovery, "minClusterSize", 1);
    fill(recovery, "clusterMonitorInterval", "10s");
    fill(recovery, "clusterHealthyTimeout", "30s");
    fill(recovery, "clusterBootstrapTimeout", "10m");
    fill(recovery, "clusterUpscaleTimeout", "5m");
    fill(recovery, "clusterDownscaleTimeout", "5m");
    fill(recovery, "podRecoveryTimeout", "5m");
    fill(recovery, "podSyncTimeout", "5m");
  }
}

void apply_defaults(json& object) {
  const std::string name = object["metadata"]["name"];
  json& spec = object["spec"];
  if (spec.is_null()) spec = json::object();
  fill(spec, "replicas", 1);
  fill(spec, "port", 3306);
  if (spec.contains("galera") && spec["galera"].value("enabled", false)) {
    apply_galera_defaults(spec["galera"]);
  }
  if (spec.contains("rootPasswordSecretKeyRef")) {
    fill(spec["rootPasswordSecretKeyRef"], "key", "password");
    fill(spec["rootPasswordSecretKeyRef"], "generate", false);
  } else if (!spec.value("rootEmptyPassword", false)) {
    spec["rootPasswordSecretKeyRef"] = default_key_ref(name + "-root");
  }
  if (spec.contains("passwordSecretKeyRef")) {
    fill(spec["passwordSecretKeyRef"], "key", "password");
    fill(spec["passwordSecretKeyRef"], "generate", false);
  } else if (spec.contains("username") && !spec.contains("passwordHashSecretKeyRef") &&
             !spec.contains("passwordPlugin")) {
    spec["passwordSecretKeyRef"] = default_key_ref(name + "-password");
  }
  fill(spec["updateStrategy"], "type", "RollingUpdate");
  if (spec.contains("bootstrapFrom")) default_bootstrap_from(spec["bootstrapFrom"]);
  if (spec.contains("metrics")) default_metrics(spec["metrics"], name);
}

}  // namespace

void validate_mariadb(json& object, std::vector<ValidationIssue>& issues) {
  const size_t before = issues.size();
  schema::check(object, mariadb_schema(), "", issues);
  check_names(object, NameRule::kLabel, issues);
  check_semantics(object, issues);
  if (issues.size() == before) apply_defaults(object);
}

}  // namespace mdbop
