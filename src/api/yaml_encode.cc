#include "api/yaml_encode.h"

#include <yaml-cpp/yaml.h>

#include <set>

#include "util/ascii_case.h"

namespace mdbop {

using nlohmann::json;

namespace {

// Whether a plain scalar `s` would read back as something other than this string: a boolean
// or null of YAML 1.1 (sigs.k8s.io/yaml's reader: y, no, on, off...) or 1.2, or a number.
// yaml-cpp quotes by itself the strings that cannot be plain at all (": ", leading '*'...).
bool needs_quotes(const std::string& s) {
  static const std::set<std::string> kWords = {"y",     "yes",   "n",     "no",   "true",
                                               "false", "on",    "off",   "null", "~",
                                               ".inf",  "+.inf", "-.inf", ".nan"};
  if (s.empty() || kWords.count(ascii_lowercase(s))) return true;
  const auto digit = [](char c) { return c >= '0' && c <= '9'; };
  if (digit(s[0])) return true;
  return (s[0] == '+' || s[0] == '-' || s[0] == '.') && s.size() > 1 &&
         (digit(s[1]) || s[1] == '.');
}

void emit_string(YAML::Emitter& out, const std::string& s) {
  if (needs_quotes(s)) out << YAML::DoubleQuoted;
  out << s;
}

void emit(YAML::Emitter& out, const json& value) {
  if ((value.is_object() || value.is_array()) && value.empty()) {
    out << YAML::Flow << (value.is_object() ? YAML::BeginMap : YAML::BeginSeq)
        << (value.is_object() ? YAML::EndMap : YAML::EndSeq);
  } else if (value.is_object()) {
    out << YAML::BeginMap;
    for (const auto& [key, member] : value.items()) {
      out << YAML::Key;
      emit_string(out, key);
      out << YAML::Value;
      emit(out, member);
    }
    out << YAML::EndMap;
  } else if (value.is_array()) {
    out << YAML::BeginSeq;
    for (const json& item : value) emit(out, item);
    out << YAML::EndSeq;
  } else if (value.is_string()) {
    const std::string& text = value.get_ref<const std::string&>();
    if (text.find('\n') != std::string::npos) out << YAML::Literal;
    emit_string(out, text);
  } else if (value.is_boolean()) {
    out << value.get<bool>();
  } else if (value.is_null()) {
    out << YAML::Null;
  } else {
    out << value.dump();
  }
}

}  // namespace

std::string encode_yaml(const json& value) {
  YAML::Emitter out;
  out.SetIndent(2);
  emit(out, value);
  return std::string(out.c_str()) + "\n";
}

}  // namespace mdbop
