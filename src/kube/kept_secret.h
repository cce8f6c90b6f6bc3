// A Secret mdbop makes once and keeps (an authority, a certificate): read it; when it holds
// nothing usable (missing, or invalid now), make new contents and store them, replacing the
// unusable one; when another maker stored one meanwhile (an operator replica), take theirs.
#pragma once

#include <functional>
#include <string>

#include <nlohmann/json.hpp>

#include "kube/kube_client.h"

namespace mdbop {

// The Secret `namespace_/name` once `usable` holds for it; `make` gives the Secret to store
// (apiVersion, kind, metadata with name and namespace, data) when the stored one is not.
Result<nlohmann::json> ensure_kept_secret(const KubeClient& client, const std::string& namespace_,
                                          const std::string& name,
                                          const std::function<bool(const nlohmann::json&)>& usable,
                                          const std::function<Result<nlohmann::json>()>& make);

}  // namespace mdbop
