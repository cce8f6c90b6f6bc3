#include "kubelet_double/hosts_file.h"

namespace mdbop::kubelet {

std::string hosts_file_preload() { return std::string(MDBOP_SERIAL_LOOKUPS) + ":" + kNssWrapper; }

std::string render_hosts_file(const std::vector<PodHostEntry>& pods) {
  std::string text = "127.0.0.1 localhost\n::1 localhost ip6-localhost ip6-loopback\n";
  for (const PodHostEntry& pod : pods) {
    if (pod.ip.empty()) continue;
    if (!pod.hostname.empty() && !pod.subdomain.empty()) {
      const std::string service =
          pod.hostname + "." + pod.subdomain + "." + pod.namespace_ + ".svc";
      text += pod.ip + " " + service + ".cluster.local " + service + " " + pod.hostname + "\n";
    } else {
      text += pod.ip + " " + pod.name + "\n";
    }
  }
  return text;
}

}  // namespace mdbop::kubelet
