// A certificate authority kept in a Secret (ca.crt, ca.key), made when missing or no longer
// valid: where mdbop keeps the authorities of what runs as pods (the agents', which admits the
// operator to every node's agent; each MariaDB's nodes', which admits its nodes to each other),
// so that every operator replica and restart issues from the same one.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "kube/kube_client.h"
#include "util/x509.h"

namespace mdbop {

// The authority in the Secret `namespace_/name`; made (named `common_name`) and stored there,
// with `owner_reference` when it is an object, when the Secret is missing, holds none valid, or
// is not owned by that owner (an earlier object's of the same name).
// Two makers at once: the Secret the API server took is the one returned.
Result<PemCertificate> ensure_authority_secret(const KubeClient& client,
                                               const std::string& namespace_,
                                               const std::string& name,
                                               const std::string& common_name,
                                               const nlohmann::json& owner_reference);

}  // namespace mdbop
