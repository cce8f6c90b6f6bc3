// The pod of one node: `mdbop agent` supervising the node's mariadbd (and its metrics exporter),
// with the node's claim as its home. Pure: the same inputs give the same pod.
//
// The agent comes from mdbop's own image: an init container copies its bundle (the binary, the
// Debian 12 libraries it links and their loader) into an emptyDir, and the server's container
// runs it through that loader, so the container may be any x86-64 glibc image holding the
// server version the manifest names (`spec.image`), or mdbop's image when none is named.
//
// Probes are mdbop's, against the agent's plain-HTTP probe port: startup (the agent serves),
// readiness (the server is Synced: Galera's wsrep_ready, or answering without Galera) and
// liveness (the agent answers). Liveness never looks at the server: a node in a state transfer,
// a crash or a recovery is the operator's to handle, and a kubelet restarting the container
// would end a transfer that may have run for hours. Probes written in the manifest keep their
// timings (initialDelaySeconds, periodSeconds, timeoutSeconds, successThreshold,
// failureThreshold); their handlers (exec, httpGet, tcpSocket, grpc) are replaced.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "api/mariadb_spec.h"
#include "runtime/kube/object_names.h"

namespace mdbop {

// Where a pod listens: one address per pod, so every node uses the same ports.
struct PodPorts {
  static constexpr int kGalera = 4567;
  static constexpr int kIst = 4568;
  static constexpr int kSst = 4444;
  static constexpr int kAgent = 5555;
  static constexpr int kProbes = 5556;
  static constexpr int kMetrics = 9104;
};

// What the installation gives every pod.
struct PodEnvironment {
  std::string agent_image;   // mdbop's image: the source of the agent bundle
  std::string server_image;  // run when the manifest names none (mdbop's image holds a server)
};

// Paths inside the pod.
inline constexpr char kAgentHome[] = "/var/lib/mdbop";    // the claim
inline constexpr char kAgentBundle[] = "/mdbop";          // the emptyDir the bundle is copied to
inline constexpr char kAgentTlsDir[] = "/etc/mdbop/tls";  // the node's Secret

// The annotation holding the hash of what the pod was rendered from, but its role: a pod whose
// hash differs from a fresh rendering's runs an old template, and is rolled (made again).
inline constexpr char kPodTemplateHashAnnotation[] = "k8s.mariadb.com/pod-template-hash";

// REQUIRES: `mariadb` passed validate_and_default() and was stored (it has a uid); `spec` was
// read from it.
nlohmann::json render_node_pod(const nlohmann::json& mariadb, const MariaDBSpec& spec,
                               const NodeId& id, NodeRole role, const PodEnvironment& environment);

// Whether `pod`, as the API server has it, was made from another template than `rendered` (by
// their kPodTemplateHashAnnotation). A pod being deleted is not: it is on its way out.
bool pod_template_outdated(const nlohmann::json& pod, const nlohmann::json& rendered);

}  // namespace mdbop
