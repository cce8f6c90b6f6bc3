// The cluster a benchmark measures, as its manifest declares it: the generated one or the file of
// --manifest (env MDBOP_BENCH_MANIFEST), decoded and validated as `mdbop apply` does. Shared by
// mdbop_galera_bench, mdbop_archive_bench and mdbop_pitr_bench.
#pragma once

#include <atomic>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "api/mariadb_spec.h"
#include "store/store.h"
#include "util/result.h"

namespace mdbop::bench {

struct Cluster {
  std::string path;      // the manifest's file; empty for the generated one (applied from stdin)
  std::string manifest;  // its text
  std::string name;
  std::string namespace_;
  int replicas = 0;
  int port = 3306;            // spec.port: the servers' SQL port
  std::string storage_class;  // spec.storage.storageClassName; empty: the default class
  std::string storage_size;   // spec.storage.size
  SecretKeyRef root_password;
  std::optional<std::string> password;  // from the manifest's Secret; nullopt: not in it

  std::string describe() const;
};

// The MariaDB (exactly one, Galera) and, when the manifest carries it, root's password from its
// Secret. Decoded, validated and defaulted as `mdbop apply` does, so that the namespace is
// "default" when none is written. `path` is empty for a generated manifest.
Result<Cluster> cluster_from_manifest(const std::string& path, const std::string& text);

// cluster_from_manifest of the file at `path` (made absolute).
Result<Cluster> cluster_from_file(const std::string& path);

// Ctrl-C or SIGTERM ends a bench's current step, so that its cleanup still kills every process.
inline std::atomic<bool> interrupted{false};
// Sets `interrupted` on SIGINT and SIGTERM, and ignores SIGPIPE.
void end_steps_on_signals();

// A progress line on stderr ("# text").
void note(const std::string& text);

// The cluster of --manifest (`path`), else the one of `generated` (a manifest's text), printed
// as "manifest ..."; nullopt, the error printed, when the manifest is refused.
std::optional<Cluster> chosen_cluster(const std::string& path, const std::string& generated);

// Root's password: the manifest's, or when the manifest does not carry the Secret, the one
// `store` holds (once the manifest is applied).
Result<std::string> root_password(const Cluster& cluster, Store& store);

// The MariaDB object's Ready condition is True for its current generation.
bool ready_condition(const nlohmann::json& object);

}  // namespace mdbop::bench
