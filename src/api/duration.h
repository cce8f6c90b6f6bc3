// Go duration strings ("300ms", "1h30m", "1.5h"): the wire format of the operator's
// metav1.Duration fields, so manifests written for it keep their meaning here.
#pragma once

#include <chrono>
#include <string_view>

#include "util/result.h"

namespace mdbop {

// Parses `text` the way Go's time.ParseDuration does: an optional sign, then one or more
// decimal numbers (fractions allowed), each with a unit among ns, us (or µs), ms, s, m, h;
// "0" alone is allowed. The error says what is wrong, without the field path.
Result<std::chrono::nanoseconds> parse_go_duration(std::string_view text);

// As parse_go_duration, plus the unit "d" for 24 hours ("30d", "1d12h"): the way retention
// periods are usually written, although Go itself has no day unit.
Result<std::chrono::nanoseconds> parse_duration_with_days(std::string_view text);

}  // namespace mdbop
