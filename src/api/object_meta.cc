#include "api/object_meta.h"

#include <algorithm>
#include <climits>
#include <iterator>

namespace mdbop {
namespace {

// The store writes an object to "<name>.json" through a temporary ".<name>.json.tmp.<random()>"
// (store/store.cc, util/files.cc): 21 bytes beside the name, in a file name of at most 255 bytes
// (NAME_MAX).
constexpr size_t kMaxStoredName = 255 - 21;

bool is_lower_alnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }

std::string name_rules(NameRule rule) {
  return rule == NameRule::kLabel
             ? "use at most 63 lowercase letters, digits and '-', starting and ending with a "
               "letter or digit"
             : "use at most 253 lowercase letters, digits, '-' and '.', each dot-separated part "
               "starting and ending with a letter or digit";
}

}  // namespace

bool is_dns1123_label(std::string_view name) {
  return !name.empty() && name.size() <= 63 && is_lower_alnum(name.front()) &&
         is_lower_alnum(name.back()) && std::all_of(name.begin(), name.end(), [](char c) {
           return is_lower_alnum(c) || c == '-';
         });
}

bool is_dns1123_subdomain(std::string_view name) {
  if (name.empty() || name.size() > 253) return false;
  for (size_t start = 0;;) {
    const size_t dot = name.find('.', start);
    if (!is_dns1123_label(name.substr(start, dot - start))) return false;
    if (dot == std::string_view::npos) return true;
    start = dot + 1;
  }
}

schema::Node object_schema(std::vector<schema::Field> body) {
  using schema::any_array;
  using schema::integer;
  using schema::string_map;
  using schema::text;
  std::vector<schema::Field> fields = {
      {"apiVersion", text()},
      {"kind", text()},
      {"metadata", schema::object({
                       {"name", text()},
                       {"namespace", text()},
                       {"labels", string_map()},
                       {"annotations", string_map()},
                       // Set by a server; present when a manifest comes from `get -o yaml`.
                       {"uid", text()},
                       {"resourceVersion", text()},
                       {"generation", integer(0, LLONG_MAX)},  // a long long
                       {"creationTimestamp", text()},
                       {"finalizers", any_array()},
                       {"ownerReferences", any_array()},
                       {"managedFields", any_array()},
                   })},
  };
  fields.insert(fields.end(), std::make_move_iterator(body.begin()),
                std::make_move_iterator(body.end()));
  return schema::object(std::move(fields));
}

schema::Node metadata_template() {
  return schema::object({{"labels", schema::string_map()}, {"annotations", schema::string_map()}});
}

void check_names(const json& object, NameRule rule, std::vector<ValidationIssue>& issues) {
  const json empty = json::object();
  const json& metadata = object.contains("metadata") ? object["metadata"] : empty;
  if (!metadata.is_object()) return;  // the schema check has reported it
  if (!metadata.contains("name")) {
    issues.push_back({"metadata.name", "required: give the object a name; " + name_rules(rule)});
  } else if (metadata["name"].is_string()) {
    const std::string name = metadata["name"];
    const bool valid =
        rule == NameRule::kLabel ? is_dns1123_label(name) : is_dns1123_subdomain(name);
    if (!valid) {
      issues.push_back(
          {"metadata.name", "\"" + name + "\" is not a valid name: " + name_rules(rule)});
    } else if (name.size() > kMaxStoredName) {
      issues.push_back({"metadata.name",
                        "too long: the store keeps each object in a file named after it, and a "
                        "name of " +
                            std::to_string(name.size()) +
                            " characters would exceed the 255 bytes a file name may have; use "
                            "at most " +
                            std::to_string(kMaxStoredName) + " characters"});
    }
  }
  if (metadata.contains("namespace") && metadata["namespace"].is_string()) {
    const std::string ns = metadata["namespace"];
    if (!is_dns1123_label(ns)) {
      issues.push_back({"metadata.namespace", "\"" + ns + "\" is not a valid namespace: " +
                                                  name_rules(NameRule::kLabel)});
    }
  }
}

}  // namespace mdbop
