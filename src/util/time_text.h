// Instants as text: RFC 3339 in UTC for status and manifests, and the compact form used in
// artifact names.
#pragma once

#include <chrono>
#include <string>

#include "util/result.h"

namespace mdbop {

using SysSeconds = std::chrono::sys_seconds;

// "2026-11-22T01:50:42Z"
std::string format_rfc3339(SysSeconds time);
// "20261122T015042Z": sorts like the instant and is safe in object keys.
std::string format_compact(SysSeconds time);
// Accepts "2026-11-22T01:50:42Z", fractional seconds and numeric offsets ("+01:00").
Result<SysSeconds> parse_rfc3339(const std::string& text);

SysSeconds now_seconds();

}  // namespace mdbop
