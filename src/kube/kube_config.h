// Where the Kubernetes API server is and how mdbop proves who it is: from a kubeconfig file
// (kubectl's format, one context of it) or from the service account of the pod mdbop runs in.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include "util/curl_transport.h"
#include "util/result.h"

namespace mdbop {

struct KubeConfig {
  std::string server;  // "https://10.96.0.1:443"
  std::string ca_pem;  // what to trust for the server; empty: the system's certificates
  std::string token;   // a bearer token; empty when none
  // A token that rotates (a pod's projected service-account token): read again as it changes.
  std::filesystem::path token_file;
  ClientCertificate client;  // empty when none
  std::string namespace_;    // the context's or the pod's namespace; "default" when neither says
  bool in_cluster = false;   // the pod's own service account
};

// A kubeconfig's context (`context` empty: its current-context). Relative file names are taken
// from `directory`, the file's own. Refuses what mdbop cannot honour (an exec or auth-provider
// plugin, insecure-skip-tls-verify) naming the field. Never puts a credential in a message.
Result<KubeConfig> parse_kubeconfig(std::string_view text, const std::filesystem::path& directory,
                                    const std::string& context);
Result<KubeConfig> load_kubeconfig(const std::filesystem::path& file, const std::string& context);

inline const std::filesystem::path kServiceAccountDir =
    "/var/run/secrets/kubernetes.io/serviceaccount";

// Inside a pod: KUBERNETES_SERVICE_HOST and _PORT, and the service account's token, ca.crt and
// namespace under `account_dir`.
Result<KubeConfig> in_cluster_config(const std::filesystem::path& account_dir = kServiceAccountDir);

// What `mdbop operator run --kubernetes` talks to, in the order controllers built with
// controller-runtime look: the file `kubeconfig` names; else $KUBECONFIG (one file); else,
// inside a pod, its service account; else ~/.kube/config. `context` empty: the file's current
// context.
Result<KubeConfig> find_kube_config(const std::string& kubeconfig, const std::string& context);

// The bearer token to send now: the file's current content when there is a token file.
Result<std::string> current_token(const KubeConfig& config);

}  // namespace mdbop
