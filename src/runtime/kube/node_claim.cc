#include "runtime/kube/node_claim.h"

#include "runtime/kube/object_names.h"

namespace mdbop {

using json = nlohmann::json;

Result<json> render_node_claim(const json& mariadb, const NodeId& id) {
  const json& spec = mariadb.at("spec");
  auto storage = object_member(spec, "storage", "spec.storage");
  if (!storage) return storage;
  // spec.volumeClaimTemplate is the older place of storage.volumeClaimTemplate.
  const bool in_storage = storage->contains("volumeClaimTemplate");
  const std::string path =
      in_storage ? "spec.storage.volumeClaimTemplate" : "spec.volumeClaimTemplate";
  auto claim_spec = object_member(in_storage ? *storage : spec, "volumeClaimTemplate", path);
  if (!claim_spec) return claim_spec;
  auto metadata = object_member(*claim_spec, "metadata", path + ".metadata");
  if (!metadata) return metadata;
  auto labels = object_member(*metadata, "labels", path + ".metadata.labels");
  if (!labels) return labels;
  claim_spec->erase("metadata");
  if (!claim_spec->contains("accessModes")) (*claim_spec)["accessModes"] = {"ReadWriteOnce"};
  if (auto size = storage->find("size"); size != storage->end()) {
    auto resources = object_member(*claim_spec, "resources", path + ".resources");
    if (!resources) return resources;
    auto requests = object_member(*resources, "requests", path + ".resources.requests");
    if (!requests) return requests;
    (*requests)["storage"] = size->is_string() ? *size : json(size->dump());
    (*resources)["requests"] = *requests;
    (*claim_spec)["resources"] = *resources;
  }
  if (auto storage_class = storage->find("storageClassName"); storage_class != storage->end()) {
    (*claim_spec)["storageClassName"] = *storage_class;
  }
  labels->update(instance_labels(id.mariadb));
  (*labels)[kPodIndexLabel] = std::to_string(id.index);
  json claim = {
      {"apiVersion", "v1"},
      {"kind", "PersistentVolumeClaim"},
      {"metadata", {{"name", claim_name(id)}, {"namespace", id.namespace_}, {"labels", *labels}}},
      {"spec", *claim_spec}};
  if (auto annotations = metadata->find("annotations"); annotations != metadata->end()) {
    claim["metadata"]["annotations"] = *annotations;
  }
  return claim;
}

}  // namespace mdbop
