// What every object shares: the metadata schema and the Kubernetes name rules.
#pragma once

#include <string_view>
#include <vector>

#include "api/manifest.h"
#include "api/schema.h"

namespace mdbop {

// Lowercase letters, digits and '-', starting and ending with a letter or digit, at most 63.
bool is_dns1123_label(std::string_view name);
// DNS-1123 labels joined by '.', at most 253 characters in all.
bool is_dns1123_subdomain(std::string_view name);

enum class NameRule {
  kLabel,      // names that become host or pod names
  kSubdomain,  // every other object name
};

// The object schema of one kind: apiVersion, kind and metadata, plus `body` (spec, data...).
schema::Node object_schema(std::vector<schema::Field> body);

// {labels, annotations}: metadata a parent object passes on to the objects it creates.
schema::Node metadata_template();

// Checks metadata.name (required, by `rule`) and metadata.namespace (a DNS-1123 label). Type
// mistakes are left to schema::check.
void check_names(const json& object, NameRule rule, std::vector<ValidationIssue>& issues);

}  // namespace mdbop
