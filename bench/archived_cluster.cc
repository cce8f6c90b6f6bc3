#include "archived_cluster.h"

#include <algorithm>
#include <chrono>
#include <iostream>

#include <fmt/format.h>

#include "api/manifest.h"
#include "binlog_capture.h"
#include "store/local_store.h"

namespace mdbop::bench {

using namespace std::chrono_literals;
using mdbop::testing::Installation;
using mdbop::testing::json;

Result<std::string> archived(const std::string& manifest) {
  auto documents = decode_yaml_documents(manifest);
  if (!documents) return tl::unexpected(documents.error());
  std::string yaml;
  for (json& document : *documents) {
    if (document.value("kind", "") == "MariaDB") {
      document["spec"]["pointInTimeRecoveryRef"] = {{"name", "pitr"}};
    }
    yaml += "---\n" + document.dump() + "\n";
  }
  return yaml;
}

json get_json(Installation& mdbop, const Cluster& cluster, std::vector<std::string> args) {
  args.insert(args.end(), {"-o", "json", "-n", cluster.namespace_});
  auto result = mdbop.mdbop(args);
  json parsed = json::parse(result.out, nullptr, false);
  if (result.exit_code != 0 || parsed.is_discarded()) {
    throw StepFailed("mdbop " + args[0] + " " + args[1] + ": " + result.err);
  }
  return parsed;
}

json mariadb_status(Installation& mdbop, const Cluster& cluster) {
  return get_json(mdbop, cluster, {"get", "mariadb", cluster.name}).value("status", json::object());
}

json pods_of(Installation& mdbop, const Cluster& cluster) {
  json selected = json::array();
  for (const json& pod : get_json(mdbop, cluster, {"get", "pods"}).value("items", json::array())) {
    if (pod["metadata"]["labels"].value("app.kubernetes.io/instance", "") == cluster.name) {
      selected.push_back(pod);
    }
  }
  return selected;
}

std::string start_archived_cluster(Installation& mdbop, const Cluster& cluster,
                                   const std::filesystem::path& archive) {
  mdbop.start_operator();
  auto manifest = archived(cluster.manifest);
  if (!manifest) throw StepFailed("the manifest: " + manifest.error().what());
  for (const std::string& yaml :
       {mdbop::testing::archive_manifests(archive, cluster.namespace_), *manifest}) {
    auto applied = mdbop.mdbop({"apply", "-f", "-"}, yaml);
    if (applied.exit_code != 0) throw StepFailed("mdbop apply: " + applied.out + applied.err);
  }
  auto ready = mdbop.mdbop({"wait", "mariadb/" + cluster.name, "-n", cluster.namespace_,
                            "--for=condition=Ready", "--timeout=600s"});
  if (ready.exit_code != 0) throw StepFailed("not Ready within 600 s: " + ready.err);
  if (!mdbop::testing::eventually(
          [&] {
            const json pods = pods_of(mdbop, cluster);
            return static_cast<int>(pods.size()) == cluster.replicas &&
                   std::all_of(pods.begin(), pods.end(),
                               [](const json& pod) { return pod["status"].value("ready", false); });
          },
          120s)) {
    throw StepFailed("the pods were not all ready within 120 s");
  }
  LocalStore store(mdbop.home() / "store");
  auto password = root_password(cluster, store);
  if (!password) throw StepFailed("root's password: " + password.error().what());
  return *password;
}

SqlConnection connect(Installation& mdbop, const Cluster& cluster, const std::string& pod,
                      const std::string& password) {
  for (const json& found : pods_of(mdbop, cluster)) {
    if (found["metadata"].value("name", "") != pod) continue;
    SqlEndpoint endpoint;
    endpoint.port = found["status"]["ports"].value("sql", 0);
    endpoint.password = password;
    endpoint.timeout = 10s;
    auto connection = SqlConnection::connect(endpoint);
    if (!connection) throw StepFailed("connect to " + pod + ": " + connection.error().what());
    return std::move(*connection);
  }
  throw StepFailed("no pod " + pod + " in " + cluster.namespace_);
}

void print_across_runs(const std::string& name, std::vector<double> values, int decimals) {
  std::sort(values.begin(), values.end());
  const double median = values.size() % 2
                            ? values[values.size() / 2]
                            : (values[values.size() / 2 - 1] + values[values.size() / 2]) / 2;
  std::cout << fmt::format("{}_median {:.{}f}\n{}_min {:.{}f}\n{}_max {:.{}f}", name, median,
                           decimals, name, values.front(), decimals, name, values.back(), decimals)
            << std::endl;
}

}  // namespace mdbop::bench
