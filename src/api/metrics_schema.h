// A MariaDB's spec.metrics, as mariadb-operator writes it: whether every node gets a
// mysqld_exporter, the MariaDB account it scrapes with (username, passwordSecretKeyRef), and
// the exporter container and ServiceMonitor, which only Kubernetes can honour.
#pragma once

#include <string>
#include <vector>

#include "api/manifest.h"
#include "api/schema.h"

namespace mdbop {

schema::Node metrics_schema();

// Checks spec.metrics of `mariadb`, when present: the exporter's user name (and that it is not
// an account mdbop or the server owns) and its password reference.
void check_metrics(const json& mariadb, std::vector<ValidationIssue>& issues);

// With metrics enabled, the operator's defaults: username `<mariadb>-metrics`, and the password
// in Secret `<mariadb>-metrics-password`, key `password`, generated when missing. A reference
// written by the user gets key `password` and generate false, like the MariaDB's others.
void default_metrics(json& metrics, const std::string& mariadb);

// Why `name` cannot be the exporter's MariaDB account; empty when it can.
std::string exporter_username_problem(const std::string& name);

}  // namespace mdbop
