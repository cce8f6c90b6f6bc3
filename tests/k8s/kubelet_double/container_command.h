// What a container's process is, as a kubelet would start it but on this machine: the command
// line and environment from the pod's spec ($(VAR) expansion, the downward API), the program
// mapped by the double's --exec rules (images are ignored), and paths under a volume's
// mountPath rewritten to the directory the double maps that volume to. Pure.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "util/result.h"

namespace mdbop::kubelet {

// --exec FROM=TO: the first element of a command line equal to FROM becomes TO and every
// element before it is dropped (a loader and its options that run FROM in the image).
struct ExecRule {
  std::string from;
  std::string to;
};
Result<ExecRule> parse_exec_rule(std::string_view text);

// Where a volumeMount's mountPath is on this machine.
struct MountMapping {
  std::string mount_path;  // "/var/lib/mdbop"
  std::string directory;   // "/tmp/kubelet/pods/<uid>/volumes/storage"
};

// What the downward API reads of the pod.
struct PodFacts {
  std::string name;
  std::string namespace_;
  std::string uid;
  std::string node_name;
  std::string pod_ip;
  std::string host_ip;
  std::string service_account;
};

// Kubernetes' expansion of a command, an argument or an env value: "$(NAME)" becomes the
// variable's value when `variables` has it and stays as written when not; "$$" becomes "$";
// any other "$" stays.
std::string expand_variables(std::string_view text,
                             const std::map<std::string, std::string>& variables);

// The command line after the first rule whose FROM appears in it; `mapped` says whether one did.
std::vector<std::string> apply_exec_rules(const std::vector<std::string>& argv,
                                          const std::vector<ExecRule>& rules, bool* mapped);

// `text` with a leading mountPath (the whole text, or followed by '/') replaced by its
// directory; the longest mountPath wins.
std::string rewrite_mount_paths(const std::string& text, const std::vector<MountMapping>& mounts);

// The mappings of a container's volumeMounts (subPath honoured) given where each volume is;
// fails naming a mount whose volume is not mapped.
Result<std::vector<MountMapping>> container_mounts(
    const nlohmann::json& container, const std::map<std::string, std::string>& volumes);

// The container's `env`, in order: `value` (expanded against the variables before it), or a
// fieldRef of metadata.name, metadata.namespace, metadata.uid, spec.nodeName,
// spec.serviceAccountName, status.podIP or status.hostIP. Anything else (secretKeyRef,
// resourceFieldRef, envFrom) fails naming the variable: the double does not honour it.
Result<std::vector<std::pair<std::string, std::string>>> container_environment(
    const nlohmann::json& container, const PodFacts& pod);

// A command line as the container's process runs it: each element expanded against `env`,
// mapped by `rules`, then rewritten for `mounts` (but for a program a rule put there).
std::vector<std::string> resolve_command(const std::vector<std::string>& argv,
                                         const std::map<std::string, std::string>& env,
                                         const std::vector<ExecRule>& rules,
                                         const std::vector<MountMapping>& mounts);

struct LaunchSpec {
  std::vector<std::string> argv;
  std::map<std::string, std::string> env;  // the container's (values rewritten for mounts)
  std::string working_dir;                 // empty when the container names none
};

// command + args (args alone when there is no command: there is no image entrypoint), the
// environment and workingDir of a container. Fails on an empty command line or an env entry
// the double does not honour.
Result<LaunchSpec> launch_spec(const nlohmann::json& container, const PodFacts& pod,
                               const std::vector<ExecRule>& rules,
                               const std::vector<MountMapping>& mounts);

}  // namespace mdbop::kubelet
