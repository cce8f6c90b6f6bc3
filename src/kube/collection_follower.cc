#include "kube/collection_follower.h"

#include <spdlog/spdlog.h>

#include "util/json_text.h"

namespace mdbop {

using namespace std::chrono_literals;

void StopSignal::raise() {
  {
    std::lock_guard lock(mutex_);
    raised_ = true;
  }
  raised_changed_.notify_all();
}

bool StopSignal::wait_for(std::chrono::steady_clock::duration duration) {
  std::unique_lock lock(mutex_);
  return !raised_changed_.wait_for(lock, duration, [&] { return raised_.load(); });
}

void follow_collection(const KubeClient& client, CollectionFollowing following, StopSignal& stop) {
  std::string version;  // where the next watch starts; empty: from start()
  auto backoff = 1s;
  auto interrupted = [&](const std::string& why) {
    if (!why.empty()) spdlog::warn("{}", why);
    version.clear();
    if (following.on_interrupted) following.on_interrupted();
  };
  auto back_off = [&] {
    stop.wait_for(backoff);
    backoff = std::min<std::chrono::seconds>(backoff * 2, 30s);
  };
  while (!stop.raised()) {
    if (version.empty()) {
      auto started = following.start();
      if (!started) {
        spdlog::warn("cannot list {}: {}", following.path, started.error().what());
        back_off();
        continue;
      }
      version = *started;
    }
    auto query = following.selection;
    query.insert(query.end(), {{"watch", "1"},
                               {"resourceVersion", version},
                               {"allowWatchBookmarks", "true"},
                               {"timeoutSeconds", std::to_string(kWatchSeconds.count())}});
    bool expired = false;
    const auto watch_began = std::chrono::steady_clock::now();
    auto followed = client.watch(
        following.path + api_query(query),
        [&](nlohmann::json raw) -> Result<void> {
          WatchEvent event = read_watch_event(raw);
          switch (event.type) {
            case WatchEvent::Type::kChange:
              following.on_change(event);
              version = event.resource_version;
              return {};
            case WatchEvent::Type::kBookmark:
              version = event.resource_version;
              return {};
            case WatchEvent::Type::kExpired:
              expired = true;
              return fail(ErrorCode::kConflict, event.message);
            case WatchEvent::Type::kFailed:
              return fail(ErrorCode::kUnavailable, event.message);
          }
          return {};
        },
        stop.flag());
    if (stop.raised()) break;
    const bool brief = std::chrono::steady_clock::now() - watch_began < 1s;
    // 410 in the stream or as the answer: the version is no longer kept; start again, from now
    // (after a pause when it expires at once again: a listing is not repeated in a loop).
    if (expired || (!followed && followed.error().code == ErrorCode::kConflict)) {
      interrupted("");
      if (brief) back_off();
      continue;
    }
    if (!followed) {
      interrupted("the watch of " + following.path + " failed: " + followed.error().what());
      // A watch that ran a while before failing (a proxy ending connections) starts the
      // pauses over.
      if (!brief) backoff = 1s;
      back_off();
      continue;
    }
    backoff = 1s;
    // The server ended the watch (its timeout): resume at once, unless it ends them at once.
    if (brief) stop.wait_for(1s);
  }
}

Result<CollectionListing> list_collection(
    const KubeClient& client, const std::string& path,
    const std::vector<std::pair<std::string, std::string>>& selection) {
  CollectionListing listing;
  std::string next;
  do {
    auto query = selection;
    query.emplace_back("limit", "500");
    if (!next.empty()) query.emplace_back("continue", next);
    auto page = client.get(path + api_query(query));
    if (!page) return tl::unexpected(page.error());
    if (!page->value("items", nlohmann::json()).is_array()) {
      return fail(ErrorCode::kCorrupt, "the API server's list of " + path + " has no items");
    }
    for (nlohmann::json& item : (*page)["items"]) {
      if (item.is_object()) listing.items.push_back(std::move(item));
    }
    const nlohmann::json metadata = object_at(*page, "metadata");
    next = text_at(metadata, "continue");
    // A paged listing is consistent at its first page's version.
    if (listing.resource_version.empty())
      listing.resource_version = text_at(metadata, "resourceVersion");
  } while (!next.empty());
  return listing;
}

Result<std::string> current_version(const KubeClient& client, const std::string& path) {
  auto listed = client.get(path + api_query({{"limit", "1"}}));
  if (!listed) return tl::unexpected(listed.error());
  std::string version = text_at(object_at(*listed, "metadata"), "resourceVersion");
  if (version.empty()) return fail(ErrorCode::kCorrupt, "a listing without a resource version");
  return version;
}

}  // namespace mdbop
