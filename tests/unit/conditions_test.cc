// Status conditions: set, read and removed by type, the others left as they are.
#include "controller/conditions.h"

#include <gtest/gtest.h>

namespace mdbop {
namespace {

TEST(Conditions, OneIsRemovedByTypeAndTheOthersStay) {
  nlohmann::json status = nlohmann::json::object();
  set_condition(status, "Archiving", true, "Archiving", "from g-1", 1);
  set_condition(status, "ArchiveContinuous", false, "Gap", "after 0-1-7", 1);
  remove_condition(status, "ArchiveContinuous");
  const nlohmann::json object = {{"status", status}};
  EXPECT_EQ(condition_reason(object, "ArchiveContinuous"), "");
  EXPECT_TRUE(condition_is_true(object, "Archiving"));
  EXPECT_EQ(status["conditions"].size(), 1u);

  remove_condition(status, "Missing");  // nothing to remove
  EXPECT_EQ(status["conditions"].size(), 1u);
  nlohmann::json bare = nlohmann::json::object();
  remove_condition(bare, "Archiving");  // no conditions at all
  EXPECT_FALSE(bare.contains("conditions"));
}

}  // namespace
}  // namespace mdbop
