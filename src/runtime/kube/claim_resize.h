// Growing a node's claim to the size its MariaDB asks (spec.storage.size, or its claim
// template's request), decided purely from the claim as the API server holds it. Kubernetes
// grows a claim only when its StorageClass allows expansion, and never shrinks one; after the
// claim's request is raised, the volume's driver grows the volume (and the kubelet the
// filesystem), and the claim's status.capacity shows the new size once it is done.
#pragma once

#include <optional>
#include <string>

#include <nlohmann/json.hpp>

namespace mdbop {

struct ClaimResize {
  // Raise the claim's spec.resources.requests.storage to this.
  std::optional<std::string> grow_to;
  // The claim needs growing and whether its StorageClass allows it is not known: read the
  // class and decide again.
  bool needs_class = false;
  // A resize under way (the request above the capacity): what it waits for, in words.
  std::string resizing;
  // What the claim cannot give of the spec (a smaller size, growth not allowed), in words.
  std::string refused;
};

// `wanted`: the size the rendered claim requests; `resize_in_use`: spec.storage.
// resizeInUseVolumes; `class_allows_expansion`: the claim's StorageClass's allowVolumeExpansion,
// nullopt when not read (yet). A claim not Bound yet, and quantities that do not parse, leave
// the claim alone.
ClaimResize decide_claim_resize(const nlohmann::json& claim, const std::string& wanted,
                                bool resize_in_use, std::optional<bool> class_allows_expansion);

}  // namespace mdbop
