// The validator of each kind, called by validate_and_default once apiVersion and kind are known
// to be right. Each checks the whole object, appends every issue it finds and, only when it
// found none, writes the kind's defaults into `object`.
#pragma once

#include <vector>

#include "api/manifest.h"
#include "api/schema.h"

namespace mdbop {

using KindValidator = void (*)(json& object, std::vector<ValidationIssue>& issues);

void validate_mariadb(json& object, std::vector<ValidationIssue>& issues);
void validate_secret(json& object, std::vector<ValidationIssue>& issues);
void validate_config_map(json& object, std::vector<ValidationIssue>& issues);
void validate_backup(json& object, std::vector<ValidationIssue>& issues);
void validate_physical_backup(json& object, std::vector<ValidationIssue>& issues);
void validate_restore(json& object, std::vector<ValidationIssue>& issues);
void validate_point_in_time_recovery(json& object, std::vector<ValidationIssue>& issues);

// The schema each validator checks its whole object against (apiVersion, kind, metadata, spec,
// status): the one source of truth for the kind's fields, from which the CustomResourceDefinitions
// are made too (crd.h).
const schema::Node& mariadb_schema();
const schema::Node& backup_schema();
const schema::Node& physical_backup_schema();
const schema::Node& restore_schema();
const schema::Node& point_in_time_recovery_schema();

}  // namespace mdbop
