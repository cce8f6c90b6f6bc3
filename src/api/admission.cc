#include "api/admission.h"

#include "api/json_lookup.h"

namespace mdbop {

using nlohmann::json;

std::string refusal_message(const std::vector<ValidationIssue>& issues) {
  std::string message = "invalid manifest, nothing was applied:";
  for (const ValidationIssue& issue : issues) {
    message += "\n  " + issue.field + ": " + issue.message;
  }
  return message;
}

namespace {

// What the user wrote, without what the API server sets: the webhook judges the former.
json as_written(json object, const std::string& namespace_) {
  object.erase("status");
  if (!object["metadata"].is_object()) return object;
  json& metadata = object["metadata"];
  for (const char* assigned :
       {"uid", "resourceVersion", "generation", "creationTimestamp", "managedFields",
        "deletionTimestamp", "deletionGracePeriodSeconds", "generateName", "selfLink"}) {
    metadata.erase(assigned);
  }
  if (!metadata.contains("namespace") && !namespace_.empty()) metadata["namespace"] = namespace_;
  return object;
}

json answer(const std::string& uid, const std::optional<std::string>& refusal) {
  json response = {{"uid", uid}, {"allowed", !refusal}};
  if (refusal) response["status"] = {{"code", 422}, {"reason", "Invalid"}, {"message", *refusal}};
  return {
      {"apiVersion", "admission.k8s.io/v1"}, {"kind", "AdmissionReview"}, {"response", response}};
}

}  // namespace

Result<json> review_admission(const json& review) {
  if (!review.is_object() || review.value("kind", json()) != "AdmissionReview" ||
      !review.value("request", json()).is_object()) {
    return fail(ErrorCode::kInvalid, "not an AdmissionReview request");
  }
  const json& request = review["request"];
  const std::string uid = find_text(request, "/uid");
  if (uid.empty()) return fail(ErrorCode::kInvalid, "an AdmissionReview request without a uid");
  const std::string operation = find_text(request, "/operation");
  const json& object = member(request, "object");
  if ((operation != "CREATE" && operation != "UPDATE") || !object.is_object() || object.empty()) {
    return answer(uid, std::nullopt);
  }
  // Being deleted: its finalizers must be able to let go, whatever the object holds.
  if (find(object, "/metadata/deletionTimestamp") != nullptr) return answer(uid, std::nullopt);
  auto valid = validate_batch({as_written(object, find_text(request, "/namespace"))});
  if (valid) return answer(uid, std::nullopt);
  return answer(uid, refusal_message(valid.error()));
}

}  // namespace mdbop
