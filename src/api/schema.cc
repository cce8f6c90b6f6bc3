#include "api/schema.h"

#include <algorithm>
#include <cctype>
#include <climits>
#include <cmath>
#include <optional>
#include <string_view>
#include <utility>

#include <date/tz.h>

#include "api/duration.h"
#include "api/quantity.h"
#include "util/ascii_case.h"
#include "util/rfc3339.h"

namespace mdbop::schema {
namespace {

Node of(Type type) { return Node{type, {}, {}, {}, false, INT_MIN, INT_MAX}; }

// Edit distance counting a swap of two neighbours as one edit (the commonest typo).
size_t typo_distance(const std::string& a, const std::string& b) {
  std::vector<std::vector<size_t>> d(a.size() + 1, std::vector<size_t>(b.size() + 1));
  for (size_t i = 0; i <= a.size(); ++i) d[i][0] = i;
  for (size_t j = 0; j <= b.size(); ++j) d[0][j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
      }
    }
  }
  return d[a.size()][b.size()];
}

std::optional<std::string> closest_field(const std::string& typed,
                                         const std::vector<Field>& known) {
  const std::string t = ascii_lowercase(typed);
  const size_t allowed = std::clamp<size_t>(t.size() / 4, 1, 3);
  std::optional<std::string> best;
  size_t best_distance = allowed + 1;
  for (const Field& f : known) {
    const std::string k = ascii_lowercase(f.name);
    size_t distance = typo_distance(t, k);
    // A truncated or extended name ("storageClass" for "storageClassName") is also close.
    const std::string& shorter = t.size() < k.size() ? t : k;
    const std::string& longer = t.size() < k.size() ? k : t;
    if (shorter.size() >= 4 && longer.starts_with(shorter)) {
      distance = std::min<size_t>(distance, 1);
    }
    if (distance < best_distance) {
      best_distance = distance;
      best = f.name;
    }
  }
  return best;
}

std::string unknown_field_message(const std::string& typed, const std::vector<Field>& known) {
  if (auto close = closest_field(typed, known)) {
    return "unknown field; did you mean \"" + *close + "\"?";
  }
  if (known.size() <= 12) {
    std::string names;
    for (const Field& f : known) names += (names.empty() ? "" : ", ") + f.name;
    return "unknown field; the fields accepted here are: " + names;
  }
  return "unknown field; remove it or correct its name";
}

bool is_percentage(const std::string& s) {
  return s.size() >= 2 && s.back() == '%' &&
         std::all_of(s.begin(), s.end() - 1, [](unsigned char c) { return std::isdigit(c); });
}

// The JSON text of a scalar, for messages and for turning numbers into strings.
std::string scalar_text(const json& value) {
  return value.is_string() ? value.get<std::string>() : value.dump();
}

bool is_whole_number(const std::string& s) {
  const size_t digits_from = !s.empty() && (s[0] == '-' || s[0] == '+') ? 1 : 0;
  return s.size() > digits_from && std::all_of(s.begin() + digits_from, s.end(),
                                               [](unsigned char c) { return std::isdigit(c); });
}

bool is_scalar(const json& value) { return value.is_number() || value.is_boolean(); }

// An integer outside [node.min, node.max], or one decoding held as a float because it does not
// fit in 64 bits.
bool out_of_range(const json& value, const Node& node) {
  if (value.is_number_unsigned() && value.get<unsigned long long>() > LLONG_MAX) return true;
  if (value.is_number_integer()) {
    return value.get<long long>() < node.min || value.get<long long>() > node.max;
  }
  const double d = value.is_number_float() ? value.get<double>() : 0;
  return std::fabs(d) >= 0x1p63 && std::floor(d) == d;
}

std::string range_message(const json& value, const Node& node) {
  return value.dump() + " is out of range (" + std::to_string(node.min) + ".." +
         std::to_string(node.max) + ")";
}

void check_string_map(json& value, const Node& node, const std::string& path,
                      std::vector<ValidationIssue>& issues) {
  const bool lenient = node.type == Type::kLenientStringMap;
  if (!value.is_object()) {
    issues.push_back({path, "must be a map of names to strings"});
    return;
  }
  for (auto& [key, member] : value.items()) {
    if (member.is_string()) continue;
    if (lenient && is_scalar(member)) {
      member = scalar_text(member);
    } else if (is_scalar(member)) {
      issues.push_back(
          {join(path, key), "map values must be strings; quote the value" +
                                (node.secret ? "" : ": \"" + scalar_text(member) + "\"")});
    } else {
      issues.push_back({join(path, key), "must be a string"});
    }
  }
}

void check_duration(const json& value, bool days, const std::string& path,
                    std::vector<ValidationIssue>& issues) {
  const std::string examples =
      days ? "use a duration such as \"30d\", \"720h\" or \"12h\" (units: d, h, m, s, ms, "
             "us, ns)"
           : "use a duration such as \"30s\", \"5m\" or \"1h30m\" (units: ns, us, ms, s, m, h)";
  const auto issue = [&](std::string message) { issues.push_back({path, std::move(message)}); };
  if (!value.is_string()) {
    return issue(
        (value.is_number() ? "a bare number has no unit; " : "must be a duration string; ") +
        examples);
  }
  const std::string text = value.get<std::string>();
  const auto parsed = days ? parse_duration_with_days(text) : parse_go_duration(text);
  if (!parsed) {
    return issue("invalid duration \"" + text + "\": " + parsed.error().message + "; " + examples);
  }
  if (parsed->count() < 0) return issue("must not be negative");
}

bool is_known_time_zone(const std::string& name) {
  try {
    date::locate_zone(name);
    return true;
  } catch (const std::runtime_error&) {
    return false;
  }
}

void check_object(json& value, const std::vector<Field>& fields, const std::string& path,
                  std::vector<ValidationIssue>& issues) {
  if (!value.is_object()) {
    issues.push_back({path, "must be an object (a mapping of fields)"});
    return;
  }
  for (auto it = value.begin(); it != value.end();) {
    if (it->is_null()) {
      it = value.erase(it);
      continue;
    }
    const auto known = std::find_if(fields.begin(), fields.end(),
                                    [&](const Field& f) { return f.name == it.key(); });
    if (known == fields.end()) {
      issues.push_back({join(path, it.key()), unknown_field_message(it.key(), fields)});
    } else {
      check(it.value(), known->node, join(path, it.key()), issues);
    }
    ++it;
  }
}

}  // namespace

Node boolean() { return of(Type::kBool); }
Node integer(long long min, long long max) { return Node{Type::kInt, {}, {}, {}, false, min, max}; }
Node text() { return of(Type::kString); }
Node one_of(std::vector<std::string> choices) {
  return Node{Type::kEnum, {}, std::move(choices), {}};
}
Node duration() { return of(Type::kDuration); }
Node duration_with_days() { return of(Type::kDurationWithDays); }
Node timestamp() { return of(Type::kTimestamp); }
Node time_zone() { return of(Type::kTimeZone); }
Node quantity() { return of(Type::kQuantity); }
Node int_or_percent() { return of(Type::kIntOrPercent); }
Node string_list() { return of(Type::kStringList); }
Node string_map() { return of(Type::kStringMap); }
Node secret_string_map() {
  Node node = of(Type::kStringMap);
  node.secret = true;
  return node;
}
Node lenient_string_map() { return of(Type::kLenientStringMap); }
Node object(std::vector<Field> fields) { return Node{Type::kObject, std::move(fields), {}, {}}; }
Node text_or_object(std::vector<Field> fields) {
  return Node{Type::kTextOrObject, std::move(fields), {}, {}};
}
Node any_object() { return of(Type::kAnyObject); }
Node any_array() { return of(Type::kAnyArray); }
Node refused(std::string reason) { return Node{Type::kRefused, {}, {}, std::move(reason)}; }

Node key_ref(bool with_generate) {
  std::vector<Field> fields = {{"name", text()}, {"key", text()}};
  if (with_generate) fields.push_back({"generate", boolean()});
  return object(std::move(fields));
}

std::string join(const std::string& path, const std::string& key) {
  return path.empty() ? key : path + "." + key;
}

void check(json& value, const Node& node, const std::string& path,
           std::vector<ValidationIssue>& issues) {
  const auto issue = [&](std::string message) { issues.push_back({path, std::move(message)}); };
  // A quoted number or boolean is the commonest type mistake; say how to fix it.
  const bool quoted_number = value.is_string() && is_whole_number(value.get<std::string>());
  switch (node.type) {
    case Type::kBool:
      if (value.is_boolean()) return;
      if (value == "true" || value == "false") {
        return issue("must be true or false; remove the quotes");
      }
      return issue("must be true or false");
    case Type::kInt:
      if (out_of_range(value, node)) return issue(range_message(value, node));
      if (value.is_number_integer()) return;
      return issue(quoted_number ? "must be a whole number; remove the quotes"
                                 : "must be a whole number");
    case Type::kString:
      if (value.is_string()) return;
      if (is_scalar(value))
        return issue("must be a string; quote the value: \"" + scalar_text(value) + "\"");
      return issue("must be a string");
    case Type::kEnum: {
      std::string names;
      for (const std::string& c : node.choices) names += (names.empty() ? "" : ", ") + c;
      if (value.is_string() &&
          std::find(node.choices.begin(), node.choices.end(), value) != node.choices.end()) {
        return;
      }
      return issue("must be one of: " + names);
    }
    case Type::kDuration:
    case Type::kDurationWithDays:
      return check_duration(value, node.type == Type::kDurationWithDays, path, issues);
    case Type::kTimestamp: {
      if (!value.is_string()) {
        return issue("must be a date and time in quotes, such as \"2026-11-22T14:30:00Z\"");
      }
      const auto parsed = parse_rfc3339(value.get<std::string>());
      if (!parsed) {
        return issue("invalid time \"" + value.get<std::string>() +
                     "\": " + parsed.error().message);
      }
      return;
    }
    case Type::kTimeZone:
      if (value.is_string() && is_known_time_zone(value.get<std::string>())) return;
      return issue("unknown time zone " +
                   (value.is_string() ? "\"" + scalar_text(value) + "\"" : value.dump()) +
                   "; use an IANA name such as \"Europe/Berlin\", \"America/New_York\" or "
                   "\"UTC\"");
    case Type::kQuantity:
      if (value.is_number()) value = scalar_text(value);
      if (value.is_string() && parse_quantity(value.get<std::string>())) return;
      return issue("invalid quantity " +
                   (value.is_string() ? "\"" + scalar_text(value) + "\"" : value.dump()) +
                   "; use a size such as \"1Gi\", \"500Mi\" or \"10G\"");
    case Type::kIntOrPercent:
      if (out_of_range(value, node)) return issue(range_message(value, node));
      if (value.is_number_integer()) return;
      if (value.is_string() && is_percentage(value.get<std::string>())) return;
      return issue(std::string("must be a whole number or a percentage such as \"50%\"") +
                   (quoted_number ? "; remove the quotes from a number" : ""));
    case Type::kStringList:
      if (value.is_array() &&
          std::all_of(value.begin(), value.end(), [](const json& v) { return v.is_string(); })) {
        return;
      }
      return issue("must be a list of strings; quote each item");
    case Type::kStringMap:
    case Type::kLenientStringMap:
      return check_string_map(value, node, path, issues);
    case Type::kObject:
      return check_object(value, node.fields, path, issues);
    case Type::kTextOrObject:
      if (value.is_string()) return;
      if (value.is_object()) return check_object(value, node.fields, path, issues);
      return issue("must be a string or an object (a mapping of fields)");
    case Type::kAnyObject:
      if (value.is_object()) return;
      return issue("must be an object (a mapping of fields)");
    case Type::kAnyArray:
      if (value.is_array()) return;
      return issue("must be a list");
    case Type::kRefused:
      return issue(node.reason);
  }
}

}  // namespace mdbop::schema
