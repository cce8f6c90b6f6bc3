// The meaning of each kind of watch event, and of malformed ones.
#include "kube/watch_event.h"

#include <gtest/gtest.h>

namespace mdbop {
namespace {

using nlohmann::json;

json event(const std::string& type, const json& object) {
  return {{"type", type}, {"object", object}};
}

const json kObject = {{"kind", "MariaDB"},
                      {"metadata", {{"name", "shop"}, {"resourceVersion", "42"}}}};

TEST(WatchEventTest, ChangesAndBookmarksCarryTheVersionToResumeFrom) {
  for (const char* type : {"ADDED", "MODIFIED", "DELETED"}) {
    WatchEvent read = read_watch_event(event(type, kObject));
    EXPECT_EQ(read.type, WatchEvent::Type::kChange) << type;
    EXPECT_EQ(read.resource_version, "42");
    EXPECT_EQ(read.object["metadata"]["name"], "shop");
    EXPECT_EQ(read.deleted, std::string(type) == "DELETED") << type;
  }
  WatchEvent bookmark = read_watch_event(event("BOOKMARK", kObject));
  EXPECT_EQ(bookmark.type, WatchEvent::Type::kBookmark);
  EXPECT_EQ(bookmark.resource_version, "42");
}

TEST(WatchEventTest, AGoneVersionExpiresAndOtherErrorsFail) {
  WatchEvent expired =
      read_watch_event(event("ERROR", {{"kind", "Status"}, {"code", 410}, {"message", "too old"}}));
  EXPECT_EQ(expired.type, WatchEvent::Type::kExpired);
  EXPECT_EQ(expired.message, "too old");
  WatchEvent failed =
      read_watch_event(event("ERROR", {{"kind", "Status"}, {"code", 500}, {"message", "boom"}}));
  EXPECT_EQ(failed.type, WatchEvent::Type::kFailed);
  EXPECT_EQ(failed.message, "boom");
}

TEST(WatchEventTest, MalformedEventsFailWithoutAVersion) {
  for (const json& malformed :
       {json(), json::array(), json{{"type", "ADDED"}}, event("ADDED", {{"metadata", {}}}),
        event("ADDED", {{"metadata", {{"resourceVersion", 42}}}}), event("SURPRISE", kObject),
        json{{"type", 7}, {"object", kObject}}}) {
    WatchEvent read = read_watch_event(malformed);
    EXPECT_EQ(read.type, WatchEvent::Type::kFailed) << malformed.dump();
    EXPECT_TRUE(read.resource_version.empty()) << malformed.dump();
  }
}

}  // namespace
}  // namespace mdbop
