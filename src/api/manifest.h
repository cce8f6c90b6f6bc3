// Decoding manifests (multi-document YAML or JSON) and validating them as a whole.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "util/result.h"

namespace mdbop {

using json = nlohmann::json;

// Parses every YAML document in `text` into JSON (empty documents are skipped). Scalars keep
// YAML's types: plain 3 is a number, "3" a string, true a boolean. A syntax error names the
// document index and line.
Result<std::vector<json>> decode_yaml_documents(std::string_view text);

struct ValidationIssue {
  std::string field;    // full path, e.g. "spec.galera.recovery.minClusterSize"
  std::string message;  // what is wrong and how to fix it
};

// Validates one object of any known kind and fills defaults (metadata.namespace "default",
// spec defaults of the kind). Returns the defaulted object, or every issue found.
// Unknown fields anywhere in the schema are issues ("unknown field; did you mean X?").
tl::expected<json, std::vector<ValidationIssue>> validate_and_default(const json& object);

// Validates a whole batch: either all objects are valid (returned defaulted, same order) or
// none is accepted. Issues are prefixed with the document's "Kind/namespace/name" (or its
// place in the batch). Objects of the kinds mdbop skips (skipped_kinds.h) are left out.
tl::expected<std::vector<json>, std::vector<ValidationIssue>> validate_batch(
    const std::vector<json>& objects);

// Paths of fields present in an object of any kind that the local runtime cannot honour, e.g.
// "spec.image" or "spec.tolerations" of a MariaDB, "spec.resources" or "spec.stagingStorage" of
// a Backup, PhysicalBackup or Restore. Empty for kinds with no such fields.
std::vector<std::string> fields_unsupported_locally(const json& object);

// Those of them that mdbop does not honour on Kubernetes either, where its nodes are pods: what
// it does not put into its pods (sidecars, env, extra volumes, the exporter's own pod) and the
// settings of the anchor's backup and restore Jobs (mdbop's go through the nodes' agents).
std::vector<std::string> fields_not_honoured_on_pods(const json& object);

}  // namespace mdbop
