#include "util/time_text.h"

#include <sstream>

#include <date/date.h>

namespace mdbop {

std::string format_rfc3339(SysSeconds time) { return date::format("%FT%TZ", time); }

std::string format_compact(SysSeconds time) { return date::format("%Y%m%dT%H%M%SZ", time); }

Result<SysSeconds> parse_rfc3339(const std::string& text) {
  const std::string error =
      "\"" + text + "\" is not an RFC 3339 time; write it like 2026-11-22T14:30:00Z";
  const size_t t = text.find_first_of("Tt ");
  if (t == std::string::npos) return fail(error);
  // %Ez reads "+01:00"; "Z" is the zero offset. Fractions of a second are dropped.
  std::string normalized = text;
  normalized[t] = 'T';
  if (!normalized.empty() && (normalized.back() == 'Z' || normalized.back() == 'z')) {
    normalized.back() = '+';
    normalized += "00:00";
  }
  std::istringstream in(normalized);
  std::chrono::time_point<std::chrono::system_clock, std::chrono::microseconds> parsed;
  in >> date::parse("%FT%T%Ez", parsed);
  if (in.fail() || in.peek() != std::char_traits<char>::eof()) return fail(error);
  return std::chrono::floor<std::chrono::seconds>(parsed);
}

SysSeconds now_seconds() {
  return std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
}

}  // namespace mdbop
