#include "cli/typed_names.h"

#include "api/object_meta.h"

namespace mdbop {

Result<void> check_typed_names(const std::string& namespace_,
                               std::initializer_list<TypedName> names) {
  if (!is_dns1123_label(namespace_)) {
    return fail(
        "-n/--namespace: not a valid namespace (lowercase letters, digits and '-', starting and "
        "ending with a letter or digit, as in metadata.namespace)");
  }
  for (const TypedName& name : names) {
    if (!name.value.empty() && !is_dns1123_subdomain(name.value)) {
      return fail(std::string(name.argument) +
                  ": not a valid name (lowercase letters, digits, '-' and '.', starting and "
                  "ending with a letter or digit, as in metadata.name)");
    }
  }
  return {};
}

}  // namespace mdbop
