#include "util/time_text.h"

#include "util/rfc3339.h"

#include <date/date.h>

namespace mdbop {

std::string format_rfc3339(SysSeconds time) { return date::format("%FT%TZ", time); }

std::string format_unix_seconds(std::int64_t unix_seconds) {
  return format_rfc3339(SysSeconds(std::chrono::seconds(unix_seconds)));
}

std::string format_compact(SysMilliseconds time) { return date::format("%Y%m%dT%H%M%SZ", time); }

Result<SysSeconds> parse_rfc3339_seconds(const std::string& text) {
  auto parsed = parse_rfc3339(text);
  if (!parsed) return tl::unexpected(parsed.error());
  return std::chrono::floor<std::chrono::seconds>(*parsed);
}

SysSeconds now_seconds() {
  return std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
}

}  // namespace mdbop
