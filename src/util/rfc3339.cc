#include "util/rfc3339.h"

#include <optional>
#include <string>

namespace mdbop {
namespace {

using std::chrono::system_clock;

// Reads `count` digits at `at` as a number; nullopt unless all are digits.
std::optional<int> digits(std::string_view text, size_t at, size_t count) {
  if (at + count > text.size()) return std::nullopt;
  int value = 0;
  for (size_t i = at; i < at + count; ++i) {
    if (text[i] < '0' || text[i] > '9') return std::nullopt;
    value = value * 10 + (text[i] - '0');
  }
  return value;
}

bool char_at(std::string_view text, size_t at, char c) { return at < text.size() && text[at] == c; }

}  // namespace

Result<system_clock::time_point> parse_rfc3339(std::string_view text) {
  static const std::string kForm = "use the form 2026-11-22T14:30:00Z or 2026-11-22T15:30:00+01:00";
  const auto year = digits(text, 0, 4);
  const auto month = digits(text, 5, 2);
  const auto day = digits(text, 8, 2);
  const auto hour = digits(text, 11, 2);
  const auto minute = digits(text, 14, 2);
  const auto second = digits(text, 17, 2);
  if (!year || !month || !day || !hour || !minute || !second || !char_at(text, 4, '-') ||
      !char_at(text, 7, '-') || !char_at(text, 10, 'T') || !char_at(text, 13, ':') ||
      !char_at(text, 16, ':')) {
    return fail("not an RFC 3339 date and time; " + kForm);
  }
  const std::chrono::year_month_day date{std::chrono::year(*year),
                                         std::chrono::month(static_cast<unsigned>(*month)),
                                         std::chrono::day(static_cast<unsigned>(*day))};
  if (!date.ok()) return fail("no such date");
  // What a time point in nanoseconds holds (about 1677-09-21 to 2262-04-11): a year beyond
  // would overflow the conversion below.
  if (*year < 1678 || *year > 2261) return fail("the year must be between 1678 and 2261");
  if (*hour > 23 || *minute > 59 || *second > 59) return fail("no such time of day");

  size_t at = 19;
  std::chrono::nanoseconds fraction{0};
  if (char_at(text, at, '.')) {
    ++at;
    long long scale = 100000000;
    const size_t first = at;
    for (; at < text.size() && text[at] >= '0' && text[at] <= '9'; ++at) {
      fraction += std::chrono::nanoseconds((text[at] - '0') * scale);
      scale /= 10;
    }
    if (at == first) return fail("no digits after the decimal point; " + kForm);
  }
  std::chrono::minutes offset{0};
  if (char_at(text, at, 'Z')) {
    ++at;
  } else if (char_at(text, at, '+') || char_at(text, at, '-')) {
    const auto offset_hours = digits(text, at + 1, 2);
    const auto offset_minutes = digits(text, at + 4, 2);
    if (!offset_hours || !offset_minutes || !char_at(text, at + 3, ':') || *offset_hours > 23 ||
        *offset_minutes > 59) {
      return fail("invalid offset from UTC; " + kForm);
    }
    offset = std::chrono::hours(*offset_hours) + std::chrono::minutes(*offset_minutes);
    if (text[at] == '-') offset = -offset;
    at += 6;
  } else {
    return fail("missing time zone: end with Z for UTC or an offset such as +01:00");
  }
  if (at != text.size()) return fail("unexpected text after the time; " + kForm);

  const auto local = std::chrono::sys_days(date) + std::chrono::hours(*hour) +
                     std::chrono::minutes(*minute) + std::chrono::seconds(*second);
  return std::chrono::time_point_cast<system_clock::duration>(local - offset + fraction);
}

}  // namespace mdbop
