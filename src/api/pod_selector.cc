#include "api/pod_selector.h"

#include <optional>

namespace mdbop {
namespace {

constexpr const char* kPodName = "statefulset.kubernetes.io/pod-name";
constexpr const char* kPodIndex = "apps.kubernetes.io/pod-index";
constexpr const char* kRole = "k8s.mariadb.com/role";
constexpr const char* kApp = "app.kubernetes.io/name";
constexpr const char* kInstance = "app.kubernetes.io/instance";

std::string path_of(const std::string& label) { return "spec.podSelector.matchLabels." + label; }

bool is_index(const std::string& s) {
  return !s.empty() && s.size() <= 9 && s.find_first_not_of("0123456789") == std::string::npos &&
         (s == "0" || s[0] != '0');
}

}  // namespace

bool is_pod_of(const std::string& target, const std::string& mariadb) {
  const std::string prefix = mariadb + "-";
  return target.starts_with(prefix) && is_index(target.substr(prefix.size()));
}

Result<std::string> target_from_match_labels(const json& labels, const std::string& mariadb) {
  if (!labels.is_object() || labels.empty()) {
    return fail_field("spec.podSelector.matchLabels", "must name a pod (" + std::string(kPodName) +
                                                          ": " + mariadb + "-0) or a role (" +
                                                          kRole + ": replica)");
  }
  std::optional<std::string> pod;
  std::string pod_label;
  bool replica = false;
  for (const auto& [label, value_json] : labels.items()) {
    const std::string value = value_json.is_string() ? value_json.get<std::string>() : "";
    if (label == kPodName || label == kPodIndex) {
      const std::string named = label == kPodName ? value : mariadb + "-" + value;
      if (!is_pod_of(named, mariadb)) {
        return fail_field(path_of(label), "\"" + value + "\" is not a pod of MariaDB " + mariadb +
                                              "; name one such as " +
                                              (label == kPodName ? mariadb + "-0" : "\"0\""));
      }
      if (pod && *pod != named) {
        return fail_field(path_of(label), "names " + named + " but " + pod_label + " names " +
                                              *pod + "; keep one of the two labels");
      }
      pod = named;
      pod_label = label;
    } else if (label == kRole) {
      if (value == "primary") {
        return fail_field(path_of(label),
                          "mdbop does not choose the primary by role (backing up there slows "
                          "the node that takes the writes); remove podSelector for "
                          "PreferReplica (a replica, or the primary when no replica is Synced), "
                          "or name a pod: " +
                              std::string(kPodName) + ": " + mariadb + "-0");
      }
      if (value != "replica") {
        return fail_field(path_of(label),
                          "must be replica (or name a pod with " + std::string(kPodName) + ")");
      }
      replica = true;
    } else if (label == kApp) {
      if (value != "mariadb") {
        return fail_field(path_of(label),
                          "the MariaDB's pods are labelled mariadb; remove this label");
      }
    } else if (label == kInstance) {
      if (value != mariadb) {
        return fail_field(path_of(label), "the backup is of MariaDB " + mariadb + ", not \"" +
                                              value + "\"; remove this label");
      }
    } else {
      return fail_field(path_of(label),
                        "mdbop chooses the node by " + std::string(kPodName) + " (one pod, e.g. " +
                            mariadb + "-2) or " + kRole +
                            ": replica only; remove this label, or use spec.target");
    }
  }
  if (pod && replica) {
    return fail_field(path_of(kRole), "is given together with " + pod_label +
                                          ", which names one pod; keep " + pod_label +
                                          " to back up from " + *pod + " whatever its role, or " +
                                          kRole + ": replica for any replica");
  }
  if (pod) return *pod;
  return replica ? "Replica" : "PreferReplica";
}

}  // namespace mdbop
