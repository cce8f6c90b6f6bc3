#include "kubelet_double/pod_watch.h"

#include <spdlog/spdlog.h>

#include "kube/watch_event.h"

namespace mdbop::kubelet {

using json = nlohmann::json;
using namespace std::chrono_literals;

void PodEvents::push(PodEvent event) {
  std::lock_guard lock(mutex_);
  events_.push_back(std::move(event));
}

std::deque<PodEvent> PodEvents::take() {
  std::lock_guard lock(mutex_);
  return std::exchange(events_, {});
}

PodWatch::PodWatch(std::shared_ptr<KubeClient> client, std::string node, PodEvents& events)
    : client_(std::move(client)), node_(std::move(node)), events_(events) {
  thread_ = std::thread([this] { run(); });
}

PodWatch::~PodWatch() {
  stopping_ = true;
  thread_.join();
}

void PodWatch::run() {
  while (!stopping_) {
    list_and_watch();
    // A pause before listing again, so that an API server that is down is not hammered.
    for (int i = 0; i < 10 && !stopping_; ++i) std::this_thread::sleep_for(100ms);
  }
}

void PodWatch::list_and_watch() {
  const std::string path = api_path({"v1", "pods"}, "");
  const std::string selector = "spec.nodeName=" + node_;
  auto listed = client_->get(path + api_query({{"fieldSelector", selector}}));
  if (!listed) {
    spdlog::warn("node={} cannot list its pods: {}", node_, listed.error().what());
    return;
  }
  PodEvent snapshot{PodEvent::Type::kListed, node_, {}};
  for (const json& pod : listed->value("items", json::array())) snapshot.pods.push_back(pod);
  events_.push(std::move(snapshot));
  std::string version = listed->value("metadata", json::object()).value("resourceVersion", "");
  while (!stopping_) {
    const std::string query =
        api_query({{"fieldSelector", selector},
                   {"watch", "1"},
                   {"allowWatchBookmarks", "true"},
                   {"resourceVersion", version},
                   {"timeoutSeconds", std::to_string(kWatchSeconds.count())}});
    bool relist = false;
    auto watched = client_->watch(
        path + query,
        [&](json raw) -> Result<void> {
          const WatchEvent event = read_watch_event(raw);
          switch (event.type) {
            case WatchEvent::Type::kChange: {
              const bool deleted = raw.value("type", "") == "DELETED";
              events_.push({deleted ? PodEvent::Type::kDeleted : PodEvent::Type::kChanged,
                            node_,
                            {event.object}});
              version = event.resource_version;
              return {};
            }
            case WatchEvent::Type::kBookmark:
              version = event.resource_version;
              return {};
            case WatchEvent::Type::kExpired:
            case WatchEvent::Type::kFailed:
              relist = true;
              return fail(event.message);
          }
          return {};
        },
        &stopping_);
    if (relist || !watched) return;
  }
}

}  // namespace mdbop::kubelet
