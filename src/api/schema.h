// A small declarative schema for manifests: which fields exist, their JSON types, and the checks
// that need no context (enums, durations, quantities, times, time zones). Checking a value
// against it reports every problem with its field path, refuses unknown fields (suggesting a
// close known name) and drops nulls, which Kubernetes reads as "not set". Checks that need
// context (ranges that depend on spec.replicas, fields that exclude each other) live in each
// kind's validator.
#pragma once

#include <climits>
#include <string>
#include <vector>

#include "api/manifest.h"

namespace mdbop::schema {

enum class Type {
  kBool,
  kInt,  // whole number between min and max
  kString,
  kEnum,
  kDuration,          // Go duration string, not negative
  kDurationWithDays,  // as kDuration, plus the unit "d" ("30d")
  kTimestamp,         // RFC 3339 date and time
  kTimeZone,          // IANA time zone name ("Europe/Berlin")
  kQuantity,          // Kubernetes quantity; a YAML number is turned into its string form
  kIntOrPercent,      // whole number or "N%"
  kStringList,        // list of strings
  kStringMap,         // object whose values must be strings
  kLenientStringMap,  // object whose number and boolean values are turned into strings
  kObject,            // object with known fields only
  kTextOrObject,      // a string, or an object with known fields only
  kAnyObject,         // Kubernetes object passed through without deep checks
  kAnyArray,          // Kubernetes list passed through without deep checks
  kRefused,           // a field the operator has and mdbop does not implement
};

struct Field;

struct Node {
  Type type;
  std::vector<Field> fields;         // kObject
  std::vector<std::string> choices;  // kEnum
  std::string reason;                // kRefused: why, and what to do instead
  bool secret = false;               // kStringMap: values are never repeated in messages
  long long min = 0;                 // kInt, kIntOrPercent: the range of the C++ type that
  long long max = 0;                 // holds the value, so that reading it never truncates
};

struct Field {
  std::string name;
  Node node;
};

Node boolean();
// A whole number that fits the C++ type its reader stores it in: int unless told otherwise.
Node integer(long long min = INT_MIN, long long max = INT_MAX);
Node text();
Node one_of(std::vector<std::string> choices);
Node duration();
Node duration_with_days();
Node timestamp();
Node time_zone();
Node quantity();
Node int_or_percent();
Node string_list();
Node string_map();
// A string map whose values are secrets (a Secret's data and stringData).
Node secret_string_map();
Node lenient_string_map();
Node object(std::vector<Field> fields);
// A string, or an object of `fields`: a field with a short form and a long one.
Node text_or_object(std::vector<Field> fields);
Node any_object();
Node any_array();
Node refused(std::string reason);
// {name, key} of a Secret or ConfigMap key, plus `generate` when `with_generate`.
Node key_ref(bool with_generate = false);

// "spec" + "replicas" -> "spec.replicas"; an empty path gives the key alone.
std::string join(const std::string& path, const std::string& key);

// Checks `value` (found at `path`) against `node`, appending one issue per problem. Normalizes
// in place: drops null object members, stringifies lenient map values and numeric quantities.
void check(json& value, const Node& node, const std::string& path,
           std::vector<ValidationIssue>& issues);

}  // namespace mdbop::schema
