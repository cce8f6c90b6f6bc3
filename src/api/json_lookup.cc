#include "api/json_lookup.h"

#include <climits>

namespace mdbop {

const json* find(const json& object, const std::string& pointer) {
  const json::json_pointer p(pointer);
  return object.contains(p) ? &object.at(p) : nullptr;
}

std::optional<int> find_int(const json& object, const std::string& pointer) {
  const json* v = find(object, pointer);
  if (v == nullptr || !v->is_number_integer()) return std::nullopt;
  if (v->is_number_unsigned() && v->get<unsigned long long>() > INT_MAX) return std::nullopt;
  const long long n = v->get<long long>();
  if (n < INT_MIN || n > INT_MAX) return std::nullopt;
  return static_cast<int>(n);
}

std::string find_text(const json& object, const std::string& pointer) {
  const json* v = find(object, pointer);
  return v != nullptr && v->is_string() ? v->get<std::string>() : "";
}

const json& member(const json& object, const char* key) {
  static const json empty = json::object();
  return object.is_object() && object.contains(key) ? object[key] : empty;
}

bool find_true(const json& object, const std::string& pointer) {
  const json* v = find(object, pointer);
  return v != nullptr && v->is_boolean() && v->get<bool>();
}

void check_key_ref(const json& object, const std::string& pointer, const std::string& path,
                   const std::string& what, bool key_required,
                   std::vector<ValidationIssue>& issues) {
  const json* ref = find(object, pointer);
  if (ref == nullptr || !ref->is_object()) return;
  const json* name = find(*ref, "/name");
  if (name == nullptr || *name == "") {
    issues.push_back({path + ".name", "required: the name of the " + what});
  }
  const json* key = find(*ref, "/key");
  if ((key_required && key == nullptr) || (key != nullptr && *key == "")) {
    issues.push_back({path + ".key", "required: the key inside the " + what});
  }
}

void fill(json& object, const char* key, const json& value) {
  if (!object.contains(key)) object[key] = value;
}

}  // namespace mdbop
