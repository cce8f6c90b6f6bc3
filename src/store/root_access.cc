#include "store/root_access.h"

#include "api/mariadb_spec.h"
#include "store/secrets.h"

namespace mdbop {

Result<RootAccess> root_access(Store& store, const nlohmann::json& mariadb,
                               const std::string& pod) {
  const std::string namespace_ = mariadb["metadata"].value("namespace", "default");
  const std::string name = mariadb["metadata"].value("name", "");
  std::string target = pod;
  if (target.empty()) {
    target = mariadb.value("status", nlohmann::json::object()).value("currentPrimary", "");
    if (target.empty()) return fail("mariadb " + name + " has no primary yet");
  }
  auto id = node_id_from_pod(namespace_, target);
  if (!id || id->mariadb != name)
    return fail("pod " + target + " is not a node of mariadb " + name);
  const MariaDBSpec spec = mariadb_spec_from(mariadb);
  RootAccess access{*id, ""};
  if (spec.root_empty_password) return access;
  SecretKeyRef ref = spec.root_password;
  ref.generate = false;
  auto password = resolve_secret_value(store, namespace_, ref, mariadb);
  if (!password) return fail("root password: " + password.error().message);
  access.password = *password;
  return access;
}

}  // namespace mdbop
