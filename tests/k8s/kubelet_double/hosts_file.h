// The hosts file every process of the kubelet double resolves names with (through nss_wrapper's
// NSS_WRAPPER_HOSTS): the pods' DNS names as a cluster's DNS would answer them. Pure.
//
// nss_wrapper answers host lookups from this file alone once NSS_WRAPPER_HOSTS is set (no
// fallback to /etc/hosts or DNS), so it also names localhost.
#pragma once

#include <string>
#include <vector>

namespace mdbop::kubelet {

// Debian's nss_wrapper, and the LD_PRELOAD of a process that resolves names from the hosts file:
// one lookup at a time (tests/k8s/serial_lookups/serial_lookups.cc says why), then nss_wrapper.
inline constexpr char kNssWrapper[] = "/usr/lib/x86_64-linux-gnu/libnss_wrapper.so";
std::string hosts_file_preload();

struct PodHostEntry {
  std::string ip;
  std::string name;  // the pod's
  std::string namespace_;
  std::string hostname;   // spec.hostname; empty when not set
  std::string subdomain;  // spec.subdomain; empty when not set
};

// One line per pod: "<ip> <hostname>.<subdomain>.<ns>.svc.cluster.local <hostname>.<subdomain>.
// <ns>.svc <hostname>" when the pod has both a hostname and a subdomain, else "<ip> <name>",
// after the localhost lines; pods in the order given.
std::string render_hosts_file(const std::vector<PodHostEntry>& pods);

}  // namespace mdbop::kubelet
