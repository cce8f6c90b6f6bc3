// The pods bound to one node, as a kubelet follows them: a listing (field selector
// spec.nodeName), then a watch from its resource version, listed again when the watch's
// history is gone (410) or it fails (kube/collection_follower.h). Runs on a thread of its own
// and hands what it sees to the main loop through a PodEvents queue.
#pragma once

#include <deque>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "kube/collection_follower.h"
#include "kube/kube_client.h"

namespace mdbop::kubelet {

struct PodEvent {
  enum class Type {
    kListed,   // `pods` is every pod bound to `node` now: any other of its pods is gone
    kChanged,  // `pods` holds the pod as it is now
    kDeleted,  // `pods` holds the pod as it was
  };
  Type type = Type::kChanged;
  std::string node;
  std::vector<nlohmann::json> pods;
};

class PodEvents {
 public:
  void push(PodEvent event);
  std::deque<PodEvent> take();

 private:
  std::mutex mutex_;
  std::deque<PodEvent> events_;
};

class PodWatch {
 public:
  PodWatch(std::shared_ptr<KubeClient> client, std::string node, PodEvents& events);
  // Asks the thread to stop (a watch notices within about a second) without waiting.
  void stop() { stop_.raise(); }
  // Stops the thread and waits for it.
  ~PodWatch();
  PodWatch(const PodWatch&) = delete;
  PodWatch& operator=(const PodWatch&) = delete;

 private:
  std::shared_ptr<KubeClient> client_;
  std::string node_;
  PodEvents& events_;
  StopSignal stop_;
  std::thread thread_;
};

}  // namespace mdbop::kubelet
