#include "schedule/time_zone.h"

#include <exception>

namespace mdbop {

Result<const date::time_zone*> find_time_zone(const std::string& name) {
  // Loading the database first keeps its failure apart from an unknown name.
  try {
    date::get_tzdb();
  } catch (const std::exception& e) {
    return fail(std::string("cannot read the time zone database: ") + e.what());
  }
  try {
    return date::locate_zone(name.empty() ? "UTC" : name);
  } catch (const std::exception&) {
    return fail("unknown time zone \"" + name +
                "\"; use an IANA name such as \"Europe/Berlin\", \"America/New_York\" or "
                "\"UTC\"");
  }
}

}  // namespace mdbop
