// The image an operator running in a pod gives its nodes' agents when --image is not set: its
// own, as the API server holds its pod, whatever named it on the way (an installation's
// kustomization `images:`, an overlay, a webhook pinning digests), so that the pods name the
// image the operator runs from (a digest there pins the very build; a moving tag may not).
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "kube/kube_client.h"
#include "util/result.h"

namespace mdbop {

// The container of the operator's pod whose image is taken (deploy/operator names it so).
inline constexpr char kOperatorContainer[] = "operator";

// The image of the container named `container` of `pod` (a Pod object); kInvalid, naming the
// pod, when it has no such container or the container names no image.
Result<std::string> container_image(const nlohmann::json& pod, const std::string& container);

// Reads pod `pod` of `namespace_` and takes the image of its container `container`.
Result<std::string> own_pod_image(const KubeClient& client, const std::string& namespace_,
                                  const std::string& pod, const std::string& container);

}  // namespace mdbop
