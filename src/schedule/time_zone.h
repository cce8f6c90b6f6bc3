// IANA time zones from the operating system's database (/usr/share/zoneinfo), through Howard
// Hinnant's date library.
#pragma once

#include <string>

#include <date/tz.h>

#include "util/result.h"

namespace mdbop {

// The zone named `name` ("Europe/Berlin"); UTC when `name` is empty. The zone lives as long as
// the program. The error names the unknown zone, without the caller's field path.
Result<const date::time_zone*> find_time_zone(const std::string& name);

}  // namespace mdbop
