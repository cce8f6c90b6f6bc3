// Kubernetes resource quantities ("1Gi", "500Mi", "10G", "1.5e3"), the format of storage sizes.
#pragma once

#include <optional>
#include <string_view>

namespace mdbop {

// The value of `text` in base units (bytes for a storage size), or nullopt when `text` is not
// a quantity: a signed decimal number followed by a binary suffix (Ki Mi Gi Ti Pi Ei), a
// decimal suffix (n u m k M G T P E) or an exponent (e3, E-2), or nothing.
std::optional<long double> parse_quantity(std::string_view text);

}  // namespace mdbop
