#include "kube/kube_config.h"

#include <yaml-cpp/yaml.h>

#include <cstdlib>

#include "util/base64.h"
#include "util/files.h"

namespace mdbop {

namespace {

// The entry of `list` (a kubeconfig's clusters, contexts or users) named `name`.
Result<YAML::Node> named_entry(const YAML::Node& root, const std::string& list,
                               const std::string& name, const std::string& body) {
  const YAML::Node entries = root[list];
  if (entries && entries.IsSequence()) {
    for (const YAML::Node& entry : entries) {
      if (entry.IsMap() && entry["name"] && entry["name"].IsScalar() &&
          entry["name"].as<std::string>() == name) {
        if (!entry[body] || !entry[body].IsMap()) break;
        return entry[body];
      }
    }
  }
  return tl::unexpected(Error{"the kubeconfig has no " + body + " named \"" + name + "\"", list,
                              ErrorCode::kInvalid});
}

std::string scalar(const YAML::Node& map, const std::string& key) {
  const YAML::Node value = map[key];
  return value && value.IsScalar() ? value.as<std::string>() : std::string();
}

// PEM from `<key>-data` (base64) or from the file `<key>` names.
Result<std::string> pem_of(const YAML::Node& map, const std::string& key,
                           const std::filesystem::path& directory, const std::string& field) {
  if (const std::string data = scalar(map, key + "-data"); !data.empty()) {
    auto decoded = base64_decode(data);
    if (!decoded) {
      return tl::unexpected(
          Error{"is not valid base64", field + "." + key + "-data", ErrorCode::kInvalid});
    }
    return *decoded;
  }
  const std::string file = scalar(map, key);
  if (file.empty()) return std::string();
  auto text = read_file(directory / file);
  if (!text) {
    return tl::unexpected(
        Error{"cannot read " + (directory / file).string() + ": " + text.error().message,
              field + "." + key, ErrorCode::kInvalid});
  }
  return *text;
}

}  // namespace

Result<KubeConfig> parse_kubeconfig(std::string_view text, const std::filesystem::path& directory,
                                    const std::string& context) {
  YAML::Node root;
  try {
    root = YAML::Load(std::string(text));
  } catch (const YAML::Exception& e) {
    return fail(ErrorCode::kInvalid, std::string("the kubeconfig is not YAML: ") + e.what());
  }
  if (!root.IsMap()) return fail(ErrorCode::kInvalid, "the kubeconfig is not a YAML mapping");
  const std::string context_name = context.empty() ? scalar(root, "current-context") : context;
  if (context_name.empty()) {
    return tl::unexpected(Error{"the kubeconfig names no current context; pass --context",
                                "current-context", ErrorCode::kInvalid});
  }
  auto chosen = named_entry(root, "contexts", context_name, "context");
  if (!chosen) return tl::unexpected(chosen.error());
  auto cluster = named_entry(root, "clusters", scalar(*chosen, "cluster"), "cluster");
  if (!cluster) return tl::unexpected(cluster.error());
  auto user = named_entry(root, "users", scalar(*chosen, "user"), "user");
  if (!user) return tl::unexpected(user.error());

  KubeConfig config;
  config.namespace_ = scalar(*chosen, "namespace");
  if (config.namespace_.empty()) config.namespace_ = "default";
  config.server = scalar(*cluster, "server");
  if (!config.server.starts_with("https://")) {
    return tl::unexpected(Error{"the API server must be reached over https://", "cluster.server",
                                ErrorCode::kInvalid});
  }
  if (scalar(*cluster, "insecure-skip-tls-verify") == "true") {
    return tl::unexpected(
        Error{"mdbop always verifies the API server; give its certificate "
              "authority (certificate-authority-data) instead",
              "cluster.insecure-skip-tls-verify", ErrorCode::kInvalid});
  }
  auto ca = pem_of(*cluster, "certificate-authority", directory, "cluster");
  if (!ca) return tl::unexpected(ca.error());
  config.ca_pem = *ca;

  for (const char* plugin : {"exec", "auth-provider"}) {
    if ((*user)[plugin]) {
      return tl::unexpected(
          Error{"credential plugins are not supported; use a token, a token "
                "file or a client certificate",
                std::string("user.") + plugin, ErrorCode::kInvalid});
    }
  }
  config.token = scalar(*user, "token");
  if (const std::string file = scalar(*user, "tokenFile"); !file.empty()) {
    config.token_file = directory / file;
  }
  auto certificate = pem_of(*user, "client-certificate", directory, "user");
  if (!certificate) return tl::unexpected(certificate.error());
  auto key = pem_of(*user, "client-key", directory, "user");
  if (!key) return tl::unexpected(key.error());
  if (certificate->empty() != key->empty()) {
    return tl::unexpected(Error{"a client certificate needs its key and a key its certificate",
                                "user.client-key", ErrorCode::kInvalid});
  }
  config.client = {*certificate, *key};
  if (config.token.empty() && config.token_file.empty() && config.client.certificate_pem.empty()) {
    return tl::unexpected(
        Error{"the user has no token and no client certificate", "user", ErrorCode::kInvalid});
  }
  return config;
}

Result<KubeConfig> load_kubeconfig(const std::filesystem::path& file, const std::string& context) {
  auto text = read_file(file);
  if (!text) {
    return fail(ErrorCode::kInvalid,
                "cannot read the kubeconfig " + file.string() + ": " + text.error().message);
  }
  auto config = parse_kubeconfig(*text, file.parent_path(), context);
  if (!config) {
    Error error = config.error();
    error.message = file.string() + ": " + error.message;
    return tl::unexpected(error);
  }
  return config;
}

Result<KubeConfig> in_cluster_config(const std::filesystem::path& account_dir) {
  const char* host = std::getenv("KUBERNETES_SERVICE_HOST");
  const char* port = std::getenv("KUBERNETES_SERVICE_PORT");
  if (host == nullptr || port == nullptr || *host == '\0' || *port == '\0') {
    return fail(ErrorCode::kInvalid,
                "not inside a pod (KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT are "
                "unset); give --kubeconfig");
  }
  KubeConfig config;
  const std::string host_text(host);
  // An IPv6 address goes in brackets.
  config.server = "https://" +
                  (host_text.find(':') != std::string::npos ? "[" + host_text + "]" : host_text) +
                  ":" + port;
  auto ca = read_file(account_dir / "ca.crt");
  if (!ca) return fail("cannot read the service account's ca.crt: " + ca.error().message);
  config.ca_pem = *ca;
  config.token_file = account_dir / "token";
  config.in_cluster = true;
  auto namespace_ = read_file(account_dir / "namespace");
  config.namespace_ = namespace_ && !namespace_->empty() ? *namespace_ : "default";
  if (auto token = current_token(config); !token) return tl::unexpected(token.error());
  return config;
}

Result<KubeConfig> find_kube_config(const std::string& kubeconfig, const std::string& context) {
  if (!kubeconfig.empty()) return load_kubeconfig(kubeconfig, context);
  if (const char* named = std::getenv("KUBECONFIG"); named != nullptr && *named != '\0') {
    const std::string files(named);
    if (files.find(':') != std::string::npos) {
      return fail(ErrorCode::kInvalid,
                  "KUBECONFIG names several files, which mdbop does not merge; give one with "
                  "--kubeconfig");
    }
    return load_kubeconfig(files, context);
  }
  if (const char* host = std::getenv("KUBERNETES_SERVICE_HOST"); host != nullptr && *host != '\0') {
    if (!context.empty()) {
      return fail(ErrorCode::kInvalid,
                  "--context needs a kubeconfig: inside a pod mdbop uses its service account");
    }
    return in_cluster_config();
  }
  const char* home = std::getenv("HOME");
  if (home == nullptr || *home == '\0') {
    return fail(ErrorCode::kInvalid, "no kubeconfig: give --kubeconfig");
  }
  return load_kubeconfig(std::filesystem::path(home) / ".kube" / "config", context);
}

Result<std::string> current_token(const KubeConfig& config) {
  if (config.token_file.empty()) return config.token;
  auto token = read_file(config.token_file);
  if (!token) {
    return fail(
        ErrorCode::kUnavailable,
        "cannot read the token file " + config.token_file.string() + ": " + token.error().message);
  }
  while (!token->empty() && (token->back() == '\n' || token->back() == '\r')) token->pop_back();
  return *token;
}

}  // namespace mdbop
