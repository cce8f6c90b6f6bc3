#include "store/secrets.h"

#include "util/base64.h"
#include "util/random_password.h"

namespace mdbop {

Result<std::string> resolve_secret_value(Store& store, const std::string& namespace_,
                                         const SecretKeyRef& ref, const json& owner) {
  ObjectKey key{"Secret", namespace_, ref.name};
  auto secret = store.get(key);
  // Only a Secret known to be missing may be generated: one that could not be read may hold
  // the password the nodes already use.
  if (!secret && !is_not_found(secret.error())) {
    return fail("cannot read Secret " + namespace_ + "/" + ref.name + ": " + secret.error().what());
  }
  if (secret && secret->contains("data") && (*secret)["data"].contains(ref.key)) {
    return base64_decode((*secret)["data"][ref.key].get<std::string>());
  }
  if (!ref.generate) {
    return fail(ErrorCode::kInvalid, "Secret " + namespace_ + "/" + ref.name +
                                         (secret ? " has no key " + ref.key : " does not exist") +
                                         "; create it or set generate: true");
  }
  auto password = random_password(24);
  if (!password) return password;
  if (secret) {
    auto updated = store.update(
        key, [&](json& object) { object["data"][ref.key] = base64_encode(*password); });
    if (!updated) return tl::unexpected(updated.error());
  } else {
    json manifest = {{"apiVersion", "v1"},
                     {"kind", "Secret"},
                     {"metadata",
                      {{"name", ref.name},
                       {"namespace", namespace_},
                       {"labels", {{"k8s.mariadb.com/generated-for", owner["metadata"]["name"]}}}}},
                     {"type", "Opaque"},
                     {"data", {{ref.key, base64_encode(*password)}}}};
    auto applied = store.apply(manifest);
    if (!applied) return tl::unexpected(applied.error());
  }
  return password;
}

Result<std::string> resolve_config_map_value(Store& store, const std::string& namespace_,
                                             const ConfigMapKeyRef& ref) {
  auto config_map = store.get({"ConfigMap", namespace_, ref.name});
  if (!config_map && !is_not_found(config_map.error())) {
    return fail("cannot read ConfigMap " + namespace_ + "/" + ref.name + ": " +
                config_map.error().what());
  }
  if (!config_map) {
    return fail(ErrorCode::kInvalid,
                "ConfigMap " + namespace_ + "/" + ref.name + " does not exist; create it");
  }
  if (!config_map->contains("data") || !(*config_map)["data"].contains(ref.key)) {
    return fail(ErrorCode::kInvalid,
                "ConfigMap " + namespace_ + "/" + ref.name + " has no key " + ref.key);
  }
  return (*config_map)["data"][ref.key].get<std::string>();
}

}  // namespace mdbop
