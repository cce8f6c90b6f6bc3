// Backup, PhysicalBackup and Restore: only the object's frame is checked for now; each kind
// gets its own validator (and schema) when its controller is written.
#include "api/object_meta.h"
#include "api/schema.h"
#include "api/validators.h"

namespace mdbop {

void validate_opaque_spec(json& object, std::vector<ValidationIssue>& issues) {
  static const schema::Node node = object_schema({
      {"spec", schema::any_object()},
      {"status", schema::any_object()},
  });
  schema::check(object, node, "", issues);
  check_names(object, NameRule::kSubdomain, issues);
  if (!object.contains("spec")) {
    issues.push_back({"spec", "required: describe the " + object["kind"].get<std::string>()});
  }
}

}  // namespace mdbop
