// The validating admission webhook's decision, as a pure function: an AdmissionReview
// (admission.k8s.io/v1) in, its answer out. An object is refused exactly when `mdbop apply`
// refuses it, with the same message, so that kubectl and mdbop agree.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "api/manifest.h"
#include "util/result.h"

namespace mdbop {

// What `mdbop apply` and the webhook say when they refuse objects: a first line, then each
// issue on its own line.
std::string refusal_message(const std::vector<ValidationIssue>& issues);

// The AdmissionReview answering `review`: allowed unless the object it creates or updates is
// one mdbop refuses. Deletions, and updates of an object already being deleted (its finalizers
// let go), are always allowed. Fails (kInvalid) when `review` is not an AdmissionReview request.
Result<nlohmann::json> review_admission(const nlohmann::json& review);

}  // namespace mdbop
