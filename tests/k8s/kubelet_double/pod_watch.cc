#include "kubelet_double/pod_watch.h"

namespace mdbop::kubelet {

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
  CollectionFollowing following;
  following.path = api_path({"v1", "pods"}, "");
  following.selection = {{"fieldSelector", "spec.nodeName=" + node_}};
  following.start = [this, path = following.path,
                     selection = following.selection]() -> Result<std::string> {
    auto listed = list_collection(*client_, path, selection);
    if (!listed) return tl::unexpected(listed.error());
    events_.push({PodEvent::Type::kListed, node_, std::move(listed->items)});
    return listed->resource_version;
  };
  following.on_change = [this](const WatchEvent& event) {
    events_.push({event.deleted ? PodEvent::Type::kDeleted : PodEvent::Type::kChanged,
                  node_,
                  {event.object}});
  };
  thread_ = std::thread([this, following = std::move(following)]() mutable {
    follow_collection(*client_, std::move(following), stop_);
  });
}

PodWatch::~PodWatch() {
  stop_.raise();
  thread_.join();
}

}  // namespace mdbop::kubelet
