// Kubernetes CustomResourceDefinitions made from mdbop's own validation schema (schema.h), so
// that a kube-apiserver serves mdbop's kinds with the fields mdbop knows: one source of truth.
// deploy/crds/ holds them, written by scripts/crds.sh (tools/crds_main.cc) and checked by ctest.
//
// A CRD's schema may accept more than mdbop does, never less: the apiserver only prunes unknown
// fields and refuses wrong types, and mdbop's admission webhook refuses the rest with mdbop's own
// messages (requiredness, ranges that depend on other fields, fields mdbop does not implement).
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "api/schema.h"
#include "util/result.h"

namespace mdbop {

// The OpenAPI v3 structural schema of `node`: every node typed, except those marked
// x-kubernetes-preserve-unknown-fields or x-kubernetes-int-or-string.
nlohmann::json crd_schema(const schema::Node& node);

// The kinds that get a CustomResourceDefinition (mdbop's k8s.mariadb.com kinds; Secret and
// ConfigMap are core kinds, Pod a view), in known_kinds() order.
std::vector<std::string> crd_kinds();

// The CustomResourceDefinition (apiextensions.k8s.io/v1) of one of crd_kinds(): the group,
// version and names of kinds.h, namespaced, with the status subresource and printer columns.
Result<nlohmann::json> crd_for_kind(const std::string& kind);

}  // namespace mdbop
