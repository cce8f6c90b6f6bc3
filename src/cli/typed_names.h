// Names typed on the command line. They become keys of the store and paths under MDBOP_HOME
// (`logs -n ../../x` once read a planted file), so they follow apply's rules for
// metadata.namespace and metadata.name (api/object_meta.h).
#pragma once

#include <initializer_list>
#include <string>
#include <string_view>

#include "util/result.h"

namespace mdbop {

struct TypedName {
  const char* argument;  // how the user gave it: "NAME", "--pod", ...
  std::string_view value;
};

// Checks the namespace (-n) and every non-empty name; the error names the argument and
// echoes no value.
Result<void> check_typed_names(const std::string& namespace_,
                               std::initializer_list<TypedName> names = {});

}  // namespace mdbop
