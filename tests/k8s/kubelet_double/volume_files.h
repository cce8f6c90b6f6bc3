// The files of a secret or configMap volume, as a kubelet writes them: one per key (or per
// `items` entry, at its path), with the volume's defaultMode (0644 when not given) or the item's
// mode. Pure: the directory is written elsewhere.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "util/result.h"

namespace mdbop::kubelet {

struct VolumeFile {
  std::string path;  // relative to the volume's directory
  std::string content;
  mode_t mode = 0644;
};

// `source` is the volume's `secret` or `configMap` field, `object` the Secret (data is base64)
// or ConfigMap (data is text, binaryData base64). Fails on a key `items` names that the object
// lacks (unless the source is optional), a path leaving the volume, or data that is not base64;
// never quotes the data.
Result<std::vector<VolumeFile>> volume_files(const nlohmann::json& source,
                                             const nlohmann::json& object);

}  // namespace mdbop::kubelet
