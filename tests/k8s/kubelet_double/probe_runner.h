// Runs one probe's handler against a running container, as a kubelet does: httpGet (an HTTP GET
// of http://<podIP or host>:<port><path>, success on a status 200-399), tcpSocket (a connection
// to <podIP>:<port> opens) or exec (the command, in the container's environment and working
// directory, exits 0), each within timeoutSeconds. HTTPS and grpc handlers always fail: the
// double does not speak them (a message says so in the double's log).
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "kubelet_double/container_command.h"
#include "util/http_transport.h"

namespace mdbop::kubelet {

struct ProbeTarget {
  std::string pod_ip;
  nlohmann::json container;     // its spec: named ports
  LaunchSpec process;           // env and working directory for exec
  std::vector<ExecRule> rules;  // exec commands are mapped as container commands are
  std::vector<MountMapping> mounts;
  std::map<std::string, std::string> extra_env;  // what every process of the double gets
  std::shared_ptr<HttpTransport> http;
};

// Whether the probe succeeded. Blocks up to the probe's timeout (run it off the main loop).
bool run_probe(const nlohmann::json& probe, const ProbeTarget& target);

}  // namespace mdbop::kubelet
