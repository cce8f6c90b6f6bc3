// Where a pod's volumes are on this machine: emptyDir a fresh directory of the pod's own,
// persistentVolumeClaim the directory of the claim's bound PersistentVolume (spec.local.path
// or spec.hostPath.path), secret and configMap a directory of the pod's own holding one file
// per key (volume_files). Other kinds are not mapped (the pod waits, saying why).
#pragma once

#include <filesystem>
#include <map>
#include <string>

#include <nlohmann/json.hpp>

#include "kube/kube_client.h"
#include "util/result.h"

namespace mdbop::kubelet {

// volume name -> directory. `pod_directory` is the pod's own (private: secrets are written
// under it). Fails, saying what the pod waits for, while a claim is not Bound, an object it
// needs is missing, or a volume is of a kind the double does not map; calling again later
// redoes the work.
Result<std::map<std::string, std::string>> map_pod_volumes(
    const KubeClient& client, const nlohmann::json& pod,
    const std::filesystem::path& pod_directory);

}  // namespace mdbop::kubelet
