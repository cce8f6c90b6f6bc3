// Reading (and, when asked, generating) passwords kept in Secrets.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "api/mariadb_spec.h"
#include "store/store.h"

namespace mdbop {

// The value at ref.key of Secret namespace_/ref.name. When the Secret or key is missing and
// ref.generate is set, a random password is generated and stored first (owned by `owner`).
// Error code kInvalid when missing (not generated) or without the key: the reference's fault;
// another code when the Secret could not be read or written.
Result<std::string> resolve_secret_value(Store& store, const std::string& namespace_,
                                         const SecretKeyRef& ref, const json& owner);

// Value of key in ConfigMap namespace_/name; kInvalid when it or its key is missing.
Result<std::string> resolve_config_map_value(Store& store, const std::string& namespace_,
                                             const ConfigMapKeyRef& ref);

}  // namespace mdbop
