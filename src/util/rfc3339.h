// RFC 3339 timestamps ("2026-11-22T14:30:00Z", "2026-11-22T15:30:00.5+01:00"): the wire format
// of the operator's metav1.Time fields, such as a restore's targetRecoveryTime.
#pragma once

#include <chrono>
#include <string_view>

#include "util/result.h"

namespace mdbop {

// Parses `text` as an RFC 3339 date and time: YYYY-MM-DDTHH:MM:SS, optional fraction of a
// second, then "Z" or an offset "+HH:MM" / "-HH:MM". The date must exist (no February 30) and
// the offset is applied, so the result is the instant in UTC; the year is 1678 to 2261 (what
// the time point holds). The error says what is wrong,
// without the field path.
Result<std::chrono::system_clock::time_point> parse_rfc3339(std::string_view text);

}  // namespace mdbop
