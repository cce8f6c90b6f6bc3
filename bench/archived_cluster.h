// A cluster archived by a PointInTimeRecovery, as the benches that need one start and watch it:
// the manifest's MariaDB given `pointInTimeRecoveryRef: {name: pitr}`, the archive's objects
// (tests/integration/binlog_capture.h, archive_manifests) applied first. Shared by
// mdbop_archive_bench and mdbop_pitr_bench.
#pragma once

#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

#include "bench_cluster.h"
#include "harness.h"
#include "sql/connection.h"

namespace mdbop::bench {

// A step that cannot finish; the bench reports it and cleans up.
struct StepFailed : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// The manifest's objects, the MariaDB's spec given `pointInTimeRecoveryRef: {name: pitr}` (the
// PointInTimeRecovery of archive_manifests), as YAML documents (JSON is YAML) for `mdbop apply`.
Result<std::string> archived(const std::string& manifest);

// `mdbop ARGS -n NAMESPACE` parsed as JSON; throws when it fails.
testing::json get_json(testing::Installation& mdbop, const Cluster& cluster,
                       std::vector<std::string> args);

testing::json mariadb_status(testing::Installation& mdbop, const Cluster& cluster);

// The cluster's pods (`mdbop get pods` of its namespace, by instance label).
testing::json pods_of(testing::Installation& mdbop, const Cluster& cluster);

// The operator, then the cluster applied with archiving into `archive` and waited for Ready
// (the condition, then every pod ready); returns root's password.
std::string start_archived_cluster(testing::Installation& mdbop, const Cluster& cluster,
                                   const std::filesystem::path& archive);

// A root session on the pod `pod` of the cluster.
SqlConnection connect(testing::Installation& mdbop, const Cluster& cluster, const std::string& pod,
                      const std::string& password);

// Prints "NAME_median", "NAME_min" and "NAME_max" of one figure over the runs, with `decimals`.
void print_across_runs(const std::string& name, std::vector<double> values, int decimals = 0);

}  // namespace mdbop::bench
