#include "api/metrics_schema.h"

#include <algorithm>
#include <cctype>

#include "api/json_lookup.h"
#include "api/object_meta.h"

namespace mdbop {

namespace {

// MariaDB 10.11 accepts user names of up to 128 characters.
constexpr size_t kMaxUsernameLength = 128;

}  // namespace

schema::Node metrics_schema() {
  using schema::any_array;
  using schema::any_object;
  using schema::boolean;
  using schema::text;
  return schema::object({
      {"enabled", boolean()},
      // The exporter's container (api/v1alpha1 Exporter): here the exporter is a process of
      // the node, so all of it only applies on Kubernetes.
      {"exporter", schema::object({
                       {"image", text()},
                       {"imagePullPolicy", schema::one_of({"Always", "Never", "IfNotPresent"})},
                       {"imagePullSecrets", any_array()},
                       {"args", schema::string_list()},
                       {"port", schema::integer(1, 65535)},
                       {"resources", any_object()},
                       {"podMetadata", metadata_template()},
                       {"securityContext", any_object()},
                       {"podSecurityContext", any_object()},
                       {"affinity", any_object()},
                       {"nodeSelector", schema::string_map()},
                       {"tolerations", any_array()},
                       {"priorityClassName", text()},
                   })},
      {"serviceMonitor", schema::object({
                             {"enabled", boolean()},
                             {"prometheusRelease", text()},
                             {"jobLabel", text()},
                             {"interval", text()},
                             {"scrapeTimeout", text()},
                         })},
      {"username", text()},
      {"passwordSecretKeyRef", schema::key_ref(true)},
  });
}

std::string exporter_username_problem(const std::string& name) {
  if (name.empty()) return "must not be empty";
  if (name.size() > kMaxUsernameLength) {
    return "too long: MariaDB user names have at most " + std::to_string(kMaxUsernameLength) +
           " characters";
  }
  // The name goes into SQL (quoted), the exporter's option file and its connection string,
  // which has no escapes: letters, digits and `_ . -` are safe in all three.
  const bool safe = std::all_of(name.begin(), name.end(), [](unsigned char c) {
    return std::isalnum(c) || c == '_' || c == '.' || c == '-';
  });
  if (!safe || !std::isalnum(static_cast<unsigned char>(name[0]))) {
    return "\"" + name +
           "\" is not usable: use letters, digits, '_', '.' and '-', beginning with a letter "
           "or digit";
  }
  // mdbop would set the account's password and take its privileges away.
  if (name == "root" || name == "mariadb.sys" || name == "mysql" || name == "PUBLIC") {
    return "\"" + name + "\" is an account of the server or of mdbop; choose another name (the " +
           "default is <mariadb>-metrics)";
  }
  return "";
}

void check_metrics(const json& mariadb, std::vector<ValidationIssue>& issues) {
  const json* metrics = find(mariadb, "/spec/metrics");
  if (metrics == nullptr || !metrics->is_object()) return;
  if (const json* username = find(*metrics, "/username"); username && username->is_string()) {
    const std::string name = *username;
    if (std::string problem = exporter_username_problem(name); !problem.empty()) {
      issues.push_back({"spec.metrics.username", problem});
    } else if (name == find_text(mariadb, "/spec/username")) {
      issues.push_back({"spec.metrics.username",
                        "is spec.username, the application's account; the exporter needs an "
                        "account of its own (omit it for <mariadb>-metrics)"});
    }
  }
  check_key_ref(mariadb, "/spec/metrics/passwordSecretKeyRef", "spec.metrics.passwordSecretKeyRef",
                "Secret holding the exporter's password", false, issues);
}

void default_metrics(json& metrics, const std::string& mariadb) {
  if (!metrics.value("enabled", false)) return;
  fill(metrics, "username", mariadb + "-metrics");
  if (metrics.contains("passwordSecretKeyRef")) {
    fill(metrics["passwordSecretKeyRef"], "key", "password");
    fill(metrics["passwordSecretKeyRef"], "generate", false);
  } else {
    metrics["passwordSecretKeyRef"] = {
        {"name", mariadb + "-metrics-password"}, {"key", "password"}, {"generate", true}};
  }
}

}  // namespace mdbop
