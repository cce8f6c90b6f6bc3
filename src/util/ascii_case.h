// ASCII case folding for names that are ASCII by definition (kinds, field names, HTTP headers,
// option names): bytes outside A-Z are kept as they are, whatever the locale.
#pragma once

#include <string>
#include <string_view>

namespace mdbop {

std::string ascii_lowercase(std::string_view text);

}  // namespace mdbop
