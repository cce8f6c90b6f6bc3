#include "kubelet_double/node_pods.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <tuple>

#include "kubelet_double/hosts_file.h"
#include "util/files.h"

namespace mdbop::kubelet {

namespace fs = std::filesystem;
using json = nlohmann::json;

void NodePods::apply(const PodEvent& event) {
  if (event.type == PodEvent::Type::kListed) {
    std::set<std::string> listed;
    for (const json& pod : event.pods) {
      listed.insert(pod.at("metadata").value("uid", ""));
      changed(event.node, pod);
    }
    for (auto& [uid, worker] : workers_) {
      if (node_of_[uid] == event.node && !listed.contains(uid)) worker->object_gone();
    }
    return;
  }
  for (const json& pod : event.pods) {
    const std::string uid = pod.at("metadata").value("uid", "");
    if (event.type == PodEvent::Type::kChanged) {
      changed(event.node, pod);
    } else if (auto worker = workers_.find(uid); worker != workers_.end()) {
      worker->second->object_gone();
    }
  }
}

void NodePods::step() {
  for (auto it = workers_.begin(); it != workers_.end();) {
    it->second->step();
    if (!it->second->finished()) {
      ++it;
      continue;
    }
    const std::string uid = it->first;
    finished_.insert(uid);
    it = workers_.erase(it);
    node_of_.erase(uid);
    addresses_.release(uid);
    std::error_code ec;
    fs::remove_all(settings_.directory / "pods" / uid, ec);
  }
  write_hosts();
}

void NodePods::shut_down(std::chrono::seconds grace) {
  for (auto& [uid, worker] : workers_) worker->shut_down(grace);
}

void NodePods::changed(const std::string& node, const json& pod) {
  const std::string uid = pod.at("metadata").value("uid", "");
  if (auto worker = workers_.find(uid); worker != workers_.end()) {
    worker->second->update(pod);
    return;
  }
  // A pod whose worker is done (deleted by it) may still show in events already sent.
  if (finished_.contains(uid)) return;
  // A pod that ran under an earlier double keeps its address when it is free.
  auto address = addresses_.acquire(uid, pod.value("status", json::object()).value("podIP", ""));
  if (!address) {
    spdlog::error("pod={} gets no address: every address of the pod network is held", uid);
    return;
  }
  spdlog::info("pod={}/{} on node={} address={}", pod.at("metadata").value("namespace", ""),
               pod.at("metadata").value("name", ""), node, *address);
  workers_[uid] = std::make_unique<PodWorker>(settings_, pod, *address);
  node_of_[uid] = node;
}

void NodePods::write_hosts() {
  std::vector<PodHostEntry> entries;
  for (const auto& [uid, worker] : workers_) entries.push_back(worker->host_entry());
  std::sort(entries.begin(), entries.end(), [](const PodHostEntry& a, const PodHostEntry& b) {
    return std::tie(a.namespace_, a.name) < std::tie(b.namespace_, b.name);
  });
  std::string text = render_hosts_file(entries);
  if (text == hosts_text_) return;
  // Atomic (write and rename): a process resolving a name reads the old file or the new.
  auto written = write_file_atomic(hosts_file_, text, 0644);
  if (!written) {
    spdlog::error("cannot write {}: {}", hosts_file_.string(), written.error().what());
    return;
  }
  hosts_text_ = std::move(text);
}

}  // namespace mdbop::kubelet
