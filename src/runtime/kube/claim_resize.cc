#include "runtime/kube/claim_resize.h"

#include "api/quantity.h"
#include "util/json_text.h"

namespace mdbop {

using json = nlohmann::json;

namespace {

bool has_condition(const json& claim_status, const char* type) {
  const json conditions = claim_status.value("conditions", json::array());
  for (const json& condition : conditions.is_array() ? conditions : json::array()) {
    if (text_at(condition, "type") == type && text_at(condition, "status") == "True") return true;
  }
  return false;
}

}  // namespace

ClaimResize decide_claim_resize(const json& claim, const std::string& wanted, bool resize_in_use,
                                std::optional<bool> class_allows_expansion) {
  ClaimResize decided;
  const std::string name = text_at(object_at(claim, "metadata"), "name");
  const json spec = object_at(claim, "spec");
  const json status = object_at(claim, "status");
  std::string requested = text_at(object_at(object_at(spec, "resources"), "requests"), "storage");
  const std::string capacity = text_at(object_at(status, "capacity"), "storage");
  const auto wanted_bytes = parse_quantity(wanted);
  const auto requested_bytes = parse_quantity(requested);
  // Only a bound claim's request may change; one still waiting for its volume is left as made.
  if (!wanted_bytes || !requested_bytes || text_at(status, "phase") != "Bound") return decided;

  if (*wanted_bytes < *requested_bytes) {
    decided.refused = name + " keeps " + requested + ": Kubernetes never shrinks a claim to " +
                      wanted + " (a smaller size takes a new MariaDB restored from a backup)";
  } else if (*wanted_bytes > *requested_bytes) {
    const std::string storage_class = text_at(spec, "storageClassName");
    if (!resize_in_use) {
      decided.refused =
          name + " keeps " + requested +
          ": spec.storage.resizeInUseVolumes is false (set it to true to grow it to " + wanted +
          ")";
    } else if (storage_class.empty()) {
      decided.refused = name + " keeps " + requested +
                        ": it has no StorageClass, and only a class's claims can grow";
    } else if (!class_allows_expansion) {
      decided.needs_class = true;
      return decided;
    } else if (!*class_allows_expansion) {
      decided.refused = name + " keeps " + requested + ": its StorageClass " + storage_class +
                        " does not allow expansion (allowVolumeExpansion)";
    } else {
      decided.grow_to = wanted;
      requested = wanted;
    }
  }

  // Under way while the capacity is below the request (an unbound claim has none yet: nothing
  // to resize), or while the claim says so.
  const auto capacity_bytes = parse_quantity(capacity);
  const auto now_requested = parse_quantity(requested);
  if (capacity_bytes && now_requested && *capacity_bytes < *now_requested) {
    decided.resizing = name + " resizing from " + capacity + " to " + requested;
  }
  if (has_condition(status, "FileSystemResizePending")) {
    decided.resizing = name + " waits for its pod's filesystem to grow to " + requested;
  } else if (decided.resizing.empty() && has_condition(status, "Resizing")) {
    decided.resizing = name + " resizing to " + requested;
  }
  return decided;
}

}  // namespace mdbop
