#include "kubelet_double/volume_files.h"

#include <map>

#include "util/base64.h"

namespace mdbop::kubelet {
namespace {

using json = nlohmann::json;

// key -> content, decoded.
Result<std::map<std::string, std::string>> object_data(const json& object) {
  const bool secret = object.value("kind", "") == "Secret";
  std::map<std::string, std::string> data;
  for (const char* field : {"data", "binaryData"}) {
    const bool base64 = secret || std::string(field) == "binaryData";
    auto entries = object.find(field);
    if (entries == object.end() || !entries->is_object()) continue;
    for (const auto& [key, value] : entries->items()) {
      if (!base64) {
        data[key] = value.get<std::string>();
        continue;
      }
      auto decoded = base64_decode(value.get<std::string>());
      if (!decoded) return fail(ErrorCode::kCorrupt, "key " + key + ": not valid base64");
      data[key] = std::move(*decoded);
    }
  }
  return data;
}

bool leaves_volume(const std::string& path) {
  if (path.empty() || path.front() == '/') return true;
  size_t start = 0;
  while (start <= path.size()) {
    const size_t end = std::min(path.find('/', start), path.size());
    if (path.compare(start, end - start, "..") == 0 && end - start == 2) return true;
    start = end + 1;
  }
  return false;
}

}  // namespace

Result<std::vector<VolumeFile>> volume_files(const json& source, const json& object) {
  auto data = object_data(object);
  if (!data) return tl::unexpected(data.error());
  const mode_t default_mode = source.value("defaultMode", 0644);
  std::vector<VolumeFile> files;
  if (!source.contains("items")) {
    for (auto& [key, content] : *data) files.push_back({key, content, default_mode});
    return files;
  }
  for (const json& item : source.at("items")) {
    const std::string key = item.value("key", "");
    const std::string path = item.value("path", key);
    if (leaves_volume(path)) {
      return fail(ErrorCode::kInvalid, "item path " + path + " leaves the volume");
    }
    auto content = data->find(key);
    if (content == data->end()) {
      if (source.value("optional", false)) continue;
      return fail(ErrorCode::kNotFound,
                  "key " + key + " is not in " + object.value("kind", "") + " " +
                      object.value("metadata", json::object()).value("name", ""));
    }
    files.push_back({path, content->second, item.value("mode", default_mode)});
  }
  return files;
}

}  // namespace mdbop::kubelet
