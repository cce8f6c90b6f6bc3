#include "util/time_text.h"

#include <cctype>
#include <cstdio>

#include <date/date.h>

namespace mdbop {

std::string format_rfc3339(SysSeconds time) { return date::format("%FT%TZ", time); }

std::string format_compact(SysSeconds time) { return date::format("%Y%m%dT%H%M%SZ", time); }

Result<SysSeconds> parse_rfc3339(const std::string& text) {
  const auto error =
      fail("\"" + text + "\" is not an RFC 3339 time; write it like 2026-11-22T14:30:00Z");
  // date::parse trips g++ 12's maybe-uninitialized warning; the format is simple enough.
  int year, month, day, hour, minute, second, used = 0;
  char separator = 0;
  if (std::sscanf(text.c_str(), "%4d-%2d-%2d%c%2d:%2d:%2d%n", &year, &month, &day, &separator,
                  &hour, &minute, &second, &used) != 7 ||
      used != 19 || (separator != 'T' && separator != 't' && separator != ' ')) {
    return error;
  }
  size_t at = 19;
  if (at < text.size() && text[at] == '.') {
    ++at;
    const size_t digits = at;
    while (at < text.size() && std::isdigit(static_cast<unsigned char>(text[at]))) ++at;
    if (at == digits) return error;
  }
  std::chrono::minutes offset{0};
  const std::string zone = text.substr(at);
  if (zone == "Z" || zone == "z") {
  } else if (zone.size() == 6 && (zone[0] == '+' || zone[0] == '-') && zone[3] == ':' &&
             std::isdigit(static_cast<unsigned char>(zone[1])) &&
             std::isdigit(static_cast<unsigned char>(zone[2])) &&
             std::isdigit(static_cast<unsigned char>(zone[4])) &&
             std::isdigit(static_cast<unsigned char>(zone[5]))) {
    offset = std::chrono::hours(std::stoi(zone.substr(1, 2))) +
             std::chrono::minutes(std::stoi(zone.substr(4, 2)));
    if (zone[0] == '-') offset = -offset;
  } else {
    return error;
  }
  const date::year_month_day date{date::year(year), date::month(static_cast<unsigned>(month)),
                                  date::day(static_cast<unsigned>(day))};
  if (!date.ok() || hour > 23 || minute > 59 || second > 60) return error;
  return date::sys_days(date) + std::chrono::hours(hour) + std::chrono::minutes(minute) +
         std::chrono::seconds(second) - offset;
}

SysSeconds now_seconds() {
  return std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
}

}  // namespace mdbop
