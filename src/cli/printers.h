// Output formats shared by the commands: aligned tables, YAML, ages.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace mdbop {

using json = nlohmann::json;

// Columns separated by three spaces, like kubectl.
std::string render_table(const std::vector<std::string>& headers,
                         const std::vector<std::vector<std::string>>& rows);

// "5s", "3m", "2h", "4d" since an RFC 3339 UTC timestamp; "<unknown>" if unparsable.
std::string age_since(const std::string& rfc3339);

}  // namespace mdbop
