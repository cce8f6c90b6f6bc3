// Instants as text: RFC 3339 in UTC for status and manifests, and the compact form used in
// artifact names.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include "util/result.h"

namespace mdbop {

using SysSeconds = std::chrono::sys_seconds;
using SysMilliseconds = std::chrono::sys_time<std::chrono::milliseconds>;

// "2026-11-22T01:50:42Z"
std::string format_rfc3339(SysSeconds time);
// format_rfc3339 of a Unix time in seconds (a binary-log event's timestamp).
std::string format_unix_seconds(std::int64_t unix_seconds);
// "20261122T015042.123Z": sorts like the instant and is safe in object keys.
std::string format_compact(SysMilliseconds time);
// parse_rfc3339 (util/rfc3339.h) to whole seconds, as status and manifests keep them.
Result<SysSeconds> parse_rfc3339_seconds(const std::string& text);

SysSeconds now_seconds();

}  // namespace mdbop
