// Lookups into a manifest's JSON that tolerate absent members and wrong types, for the checks
// that run after the schema check has already reported type mistakes; and the one write that
// defaulting needs.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "api/manifest.h"

namespace mdbop {

// The member at `pointer` ("/spec/replicas"), or nullptr when absent.
const json* find(const json& object, const std::string& pointer);

// The integer at `pointer`; nullopt when absent, not an integer or outside int's range (which the
// schema check reports).
std::optional<int> find_int(const json& object, const std::string& pointer);

// The string at `pointer`; empty when absent or not a string.
std::string find_text(const json& object, const std::string& pointer);

// object[key], or an empty object when `object` has no such member: for reading validated
// objects, whose optional blocks may be absent.
const json& member(const json& object, const char* key);

// Whether the member at `pointer` is the boolean true.
bool find_true(const json& object, const std::string& pointer);

// A Secret or ConfigMap key reference given at `pointer` (reported as `path`) must name its
// object and, when `key_required` or when written, a non-empty key. `what` says what the
// referenced object holds, e.g. "Secret holding the root password".
void check_key_ref(const json& object, const std::string& pointer, const std::string& path,
                   const std::string& what, bool key_required,
                   std::vector<ValidationIssue>& issues);

// Sets object[key] to `value` unless the key is present: a default that the user may override.
void fill(json& object, const char* key, const json& value);

}  // namespace mdbop
