#include "runtime/kube/node_claim.h"

#include "runtime/kube/object_names.h"

namespace mdbop {

using json = nlohmann::json;

json render_node_claim(const json& mariadb, const NodeId& id) {
  const json& spec = mariadb.at("spec");
  const json storage = spec.value("storage", json::object());
  // spec.volumeClaimTemplate is the older place of storage.volumeClaimTemplate.
  json template_ = storage.value("volumeClaimTemplate", spec.value("volumeClaimTemplate", json()));
  json claim_spec = template_.is_object() ? template_ : json::object();
  json metadata = claim_spec.value("metadata", json::object());
  claim_spec.erase("metadata");
  if (!claim_spec.contains("accessModes")) claim_spec["accessModes"] = {"ReadWriteOnce"};
  if (auto size = storage.find("size"); size != storage.end()) {
    claim_spec["resources"]["requests"]["storage"] = size->is_string() ? *size : json(size->dump());
  }
  if (auto storage_class = storage.find("storageClassName"); storage_class != storage.end()) {
    claim_spec["storageClassName"] = *storage_class;
  }
  json labels = metadata.value("labels", json::object());
  labels.update(instance_labels(id.mariadb));
  labels[kPodIndexLabel] = std::to_string(id.index);
  json claim = {{"apiVersion", "v1"},
                {"kind", "PersistentVolumeClaim"},
                {"metadata",
                 {{"name", claim_name(id)},
                  {"namespace", id.namespace_},
                  {"labels", labels},
                  {"ownerReferences", json::array({owner_reference(mariadb)})}}},
                {"spec", claim_spec}};
  if (auto annotations = metadata.find("annotations"); annotations != metadata.end()) {
    claim["metadata"]["annotations"] = *annotations;
  }
  return claim;
}

}  // namespace mdbop
