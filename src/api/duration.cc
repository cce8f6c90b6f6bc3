#include "api/duration.h"

#include <cmath>
#include <cstdint>
#include <limits>
#include <string>

namespace mdbop {
namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// Nanoseconds per unit; 0 for an unknown unit.
long double unit_nanos(std::string_view unit, bool days) {
  if (days && unit == "d") return 86400e9L;
  if (unit == "ns") return 1;
  if (unit == "us" || unit == "\u00b5s" || unit == "\u03bcs") return 1e3L;
  if (unit == "ms") return 1e6L;
  if (unit == "s") return 1e9L;
  if (unit == "m") return 60e9L;
  if (unit == "h") return 3600e9L;
  return 0;
}

Result<std::chrono::nanoseconds> parse_duration(std::string_view text, bool days) {
  if (text.empty()) return fail("empty duration");
  std::string_view rest = text;
  bool negative = false;
  if (rest.front() == '-' || rest.front() == '+') {
    negative = rest.front() == '-';
    rest.remove_prefix(1);
  }
  if (rest == "0") return std::chrono::nanoseconds(0);
  if (rest.empty()) return fail("no number after the sign");

  // long double holds every int64 exactly, so whole-unit sums are exact; fractions round.
  long double total = 0;
  while (!rest.empty()) {
    size_t i = 0;
    long double number = 0;
    bool any_digit = false;
    for (; i < rest.size() && is_digit(rest[i]); ++i) {
      number = number * 10 + (rest[i] - '0');
      any_digit = true;
    }
    if (i < rest.size() && rest[i] == '.') {
      long double scale = 0.1L;
      for (++i; i < rest.size() && is_digit(rest[i]); ++i) {
        number += (rest[i] - '0') * scale;
        scale /= 10;
        any_digit = true;
      }
    }
    if (!any_digit) return fail("expected a number at \"" + std::string(rest) + "\"");
    size_t unit_end = i;
    while (unit_end < rest.size() && !is_digit(rest[unit_end]) && rest[unit_end] != '.') {
      ++unit_end;
    }
    const std::string_view unit = rest.substr(i, unit_end - i);
    if (unit.empty()) return fail("missing unit after \"" + std::string(rest) + "\"");
    const long double per_unit = unit_nanos(unit, days);
    if (per_unit == 0) {
      return fail("unknown unit \"" + std::string(unit) + "\"");
    }
    total += number * per_unit;
    if (total > static_cast<long double>(std::numeric_limits<std::int64_t>::max())) {
      return fail("duration too large");
    }
    rest.remove_prefix(unit_end);
  }
  const auto nanos = static_cast<std::int64_t>(std::llround(total));
  return std::chrono::nanoseconds(negative ? -nanos : nanos);
}

}  // namespace

Result<std::chrono::nanoseconds> parse_go_duration(std::string_view text) {
  return parse_duration(text, false);
}

Result<std::chrono::nanoseconds> parse_duration_with_days(std::string_view text) {
  return parse_duration(text, true);
}

}  // namespace mdbop
