// The tutorials' spec.podSelector.matchLabels on a Backup, read as mdbop's spec.target. The
// labels are those mariadb-operator puts on a MariaDB's pods: statefulset.kubernetes.io/pod-name
// (and Kubernetes' apps.kubernetes.io/pod-index) name one pod, k8s.mariadb.com/role is
// "primary" or "replica", and app.kubernetes.io/name ("mariadb") and
// app.kubernetes.io/instance (the MariaDB's name) select every pod of the MariaDB.
#pragma once

#include <string>

#include "api/manifest.h"
#include "util/result.h"

namespace mdbop {

// The target the labels choose: "<mariadb>-<index>" for a pod, "Replica" for the replica role,
// "PreferReplica" for labels that select every pod of the MariaDB. Errors carry the field path
// (spec.podSelector.matchLabels.<label>) and say what to write instead. `labels` is a string
// map; `mariadb` the name of the MariaDB backed up.
Result<std::string> target_from_match_labels(const json& labels, const std::string& mariadb);

// Whether `target` is "<mariadb>-<index>": a pod of that MariaDB.
bool is_pod_of(const std::string& target, const std::string& mariadb);

}  // namespace mdbop
