#include "kube/own_pod_image.h"

#include "util/json_text.h"

namespace mdbop {

using json = nlohmann::json;

Result<std::string> container_image(const json& pod, const std::string& container) {
  const json metadata = object_at(pod, "metadata");
  const std::string name = text_at(metadata, "namespace") + "/" + text_at(metadata, "name");
  const json spec = object_at(pod, "spec");
  const json containers = spec.contains("containers") && spec.at("containers").is_array()
                              ? spec.at("containers")
                              : json::array();
  for (const json& candidate : containers) {
    if (!candidate.is_object() || text_at(candidate, "name") != container) continue;
    const std::string image = text_at(candidate, "image");
    if (image.empty()) {
      return fail_field("--image", "not given, and container \"" + container + "\" of pod " + name +
                                       " names no image: give --image");
    }
    return image;
  }
  return fail_field("--image", "not given, and pod " + name + " has no container named \"" +
                                   container + "\" to take the image of: name it so (as " +
                                   "deploy/operator does) or give --image");
}

Result<std::string> own_pod_image(const KubeClient& client, const std::string& namespace_,
                                  const std::string& pod, const std::string& container) {
  auto object = client.get(api_path({"v1", "pods"}, namespace_, pod));
  if (!object) {
    Error error = object.error();
    error.message = "reading the operator's own pod " + namespace_ + "/" + pod +
                    " for its image (--image not given): " + error.message;
    return tl::unexpected(std::move(error));
  }
  return container_image(*object, container);
}

}  // namespace mdbop
