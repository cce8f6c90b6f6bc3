#include "bench_cluster.h"

#include <signal.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>

#include <fmt/format.h>

#include "api/manifest.h"
#include "store/secrets.h"
#include "util/base64.h"

namespace mdbop::bench {

void end_steps_on_signals() {
  signal(SIGPIPE, SIG_IGN);
  signal(SIGINT, [](int) { interrupted = true; });
  signal(SIGTERM, [](int) { interrupted = true; });
}

void note(const std::string& text) { std::cerr << "# " << text << std::endl; }

std::optional<Cluster> chosen_cluster(const std::string& path, const std::string& generated) {
  auto cluster = path.empty() ? cluster_from_manifest("", generated) : cluster_from_file(path);
  if (!cluster) {
    std::cerr << "error: " << (path.empty() ? "generated manifest" : path) << ": "
              << cluster.error().what() << "\n";
    return std::nullopt;
  }
  std::cout << "manifest " << (path.empty() ? "generated" : cluster->path) << std::endl;
  note("manifest: " + cluster->describe());
  return *cluster;
}

std::string Cluster::describe() const {
  return fmt::format("{} (MariaDB {}/{}, {} replicas)", path.empty() ? "generated" : path,
                     namespace_, name, replicas);
}

Result<Cluster> cluster_from_manifest(const std::string& path, const std::string& text) {
  auto documents = decode_yaml_documents(text);
  if (!documents) return tl::unexpected(documents.error());
  auto objects = validate_batch(*documents);
  if (!objects) {
    std::string issues;
    for (const ValidationIssue& issue : objects.error()) {
      issues += "\n  " + issue.field + ": " + issue.message;
    }
    return fail("the manifest is not valid:" + issues);
  }
  std::optional<json> mariadb;
  for (const json& object : *objects) {
    if (object.value("kind", "") != "MariaDB") continue;
    if (mariadb) return fail("the manifest declares more than one MariaDB");
    mariadb = object;
  }
  if (!mariadb) return fail("the manifest declares no MariaDB");
  MariaDBSpec spec = mariadb_spec_from(*mariadb);
  Cluster cluster;
  cluster.path = path;
  cluster.manifest = text;
  cluster.name = (*mariadb)["metadata"]["name"].get<std::string>();
  cluster.namespace_ = (*mariadb)["metadata"]["namespace"].get<std::string>();
  cluster.replicas = spec.replicas;
  cluster.port = spec.port;
  const json storage = (*mariadb)["spec"].value("storage", json::object());
  cluster.storage_class = storage.value("storageClassName", "");
  cluster.storage_size = storage.value("size", "");
  cluster.root_password = spec.root_password;
  cluster.root_password.generate = false;  // read, never made, by the bench
  if (!spec.galera_enabled) return fail("MariaDB " + cluster.name + " is not a Galera cluster");
  if (spec.root_empty_password) {
    cluster.password = "";
    return cluster;
  }
  for (const json& object : *objects) {
    const json& metadata = object["metadata"];
    if (object.value("kind", "") != "Secret" || metadata["name"] != spec.root_password.name ||
        metadata["namespace"] != cluster.namespace_) {
      continue;
    }
    const json& data = object.value("data", json::object());
    if (!data.contains(spec.root_password.key)) continue;
    auto password = base64_decode(data[spec.root_password.key].get<std::string>());
    if (!password) {
      return fail("Secret " + spec.root_password.name + ": " + password.error().what());
    }
    cluster.password = *password;
  }
  return cluster;
}

Result<Cluster> cluster_from_file(const std::string& path) {
  std::ifstream file(path);
  if (!file) return fail("cannot read the file");
  const std::string text{std::istreambuf_iterator<char>(file), std::istreambuf_iterator<char>()};
  return cluster_from_manifest(std::filesystem::absolute(path).string(), text);
}

Result<std::string> root_password(const Cluster& cluster, Store& store) {
  if (cluster.password) return *cluster.password;
  auto object = store.get({"MariaDB", cluster.namespace_, cluster.name});
  return resolve_secret_value(store, cluster.namespace_, cluster.root_password,
                              object ? *object : json());
}

bool ready_condition(const json& object) {
  long long generation = object["metadata"].value("generation", 0LL);
  for (const json& c : object.value("status", json::object()).value("conditions", json::array())) {
    if (c.value("type", "") == "Ready") {
      return c.value("status", "") == "True" &&
             c.value("observedGeneration", generation) >= generation;
    }
  }
  return false;
}

}  // namespace mdbop::bench
