#include "kubelet_double/pod_volumes.h"

#include "kubelet_double/volume_files.h"
#include "util/files.h"

namespace mdbop::kubelet {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

Result<std::string> claim_directory(const KubeClient& client, const std::string& namespace_,
                                    const std::string& claim_name) {
  auto claim = client.get(api_path({"v1", "persistentvolumeclaims"}, namespace_, claim_name));
  if (!claim)
    return fail(ErrorCode::kUnavailable, "claim " + claim_name + ": " + claim.error().what());
  const json status = claim->value("status", json::object());
  if (status.value("phase", "") != "Bound") {
    return fail(ErrorCode::kUnavailable, "claim " + claim_name + " is not Bound yet");
  }
  const std::string volume_name = claim->value("spec", json::object()).value("volumeName", "");
  auto volume = client.get(api_path({"v1", "persistentvolumes"}, "", volume_name));
  if (!volume)
    return fail(ErrorCode::kUnavailable, "volume " + volume_name + ": " + volume.error().what());
  const json spec = volume->value("spec", json::object());
  for (const char* source : {"local", "hostPath"}) {
    if (auto found = spec.find(source); found != spec.end() && found->contains("path")) {
      std::string path = found->at("path");
      if (!fs::is_directory(path)) {
        return fail(ErrorCode::kUnavailable,
                    "volume " + volume_name + ": " + path + " is not a directory on this machine");
      }
      return path;
    }
  }
  return fail(
      ErrorCode::kInvalid,
      "volume " + volume_name + " is neither local nor hostPath: the double cannot mount it");
}

Result<void> write_projection(const KubeClient& client, const std::string& namespace_,
                              const json& source, const ApiResource& kind,
                              const std::string& object_name, const fs::path& directory) {
  auto object = client.get(api_path(kind, namespace_, object_name));
  if (!object && is_not_found(object.error()) && source.value("optional", false)) {
    object = json{{"kind", kind.plural == "secrets" ? "Secret" : "ConfigMap"}};
  }
  if (!object) {
    return fail(ErrorCode::kUnavailable,
                kind.plural + " " + object_name + ": " + object.error().what());
  }
  auto files = volume_files(source, *object);
  if (!files) return fail(files.error().code, object_name + ": " + files.error().what());
  for (const VolumeFile& file : *files) {
    const fs::path path = directory / file.path;
    std::error_code ec;
    fs::create_directories(path.parent_path(), ec);
    auto written = write_file_atomic(path, file.content, file.mode);
    if (!written) return tl::unexpected(written.error());
  }
  return {};
}

}  // namespace

Result<std::map<std::string, std::string>> map_pod_volumes(const KubeClient& client,
                                                           const json& pod,
                                                           const fs::path& pod_directory) {
  const json& metadata = pod.at("metadata");
  const std::string namespace_ = metadata.value("namespace", "default");
  std::map<std::string, std::string> mapped;
  for (const json& volume : pod.at("spec").value("volumes", json::array())) {
    const std::string name = volume.value("name", "");
    const fs::path own = pod_directory / "volumes" / name;
    if (auto claim = volume.find("persistentVolumeClaim"); claim != volume.end()) {
      auto directory = claim_directory(client, namespace_, claim->value("claimName", ""));
      if (!directory) return tl::unexpected(directory.error());
      mapped[name] = *directory;
      continue;
    }
    std::error_code ec;
    fs::create_directories(own, ec);
    if (ec) return fail("cannot make " + own.string() + ": " + ec.message());
    if (volume.contains("emptyDir")) {
      mapped[name] = own.string();
    } else if (auto secret = volume.find("secret"); secret != volume.end()) {
      auto written = write_projection(client, namespace_, *secret, {"v1", "secrets"},
                                      secret->value("secretName", ""), own);
      if (!written) return tl::unexpected(written.error());
      mapped[name] = own.string();
    } else if (auto config = volume.find("configMap"); config != volume.end()) {
      auto written = write_projection(client, namespace_, *config, {"v1", "configmaps"},
                                      config->value("name", ""), own);
      if (!written) return tl::unexpected(written.error());
      mapped[name] = own.string();
    } else {
      return fail(ErrorCode::kInvalid, "volume " + name +
                                           ": the kubelet double maps emptyDir, "
                                           "persistentVolumeClaim, secret and configMap only");
    }
  }
  return mapped;
}

}  // namespace mdbop::kubelet
