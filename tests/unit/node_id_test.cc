#include "api/node_id.h"

#include <gtest/gtest.h>

namespace mdbop {
namespace {

TEST(NodeId, PodNameRoundTrips) {
  auto id = node_id_from_pod("prod", "my-galera-12");
  ASSERT_TRUE(id);
  EXPECT_EQ(id->namespace_, "prod");
  EXPECT_EQ(id->mariadb, "my-galera");
  EXPECT_EQ(id->index, 12);
  EXPECT_EQ(id->pod(), "my-galera-12");
}

TEST(NodeId, RejectsNamesThatAreNotMariaDBDashIndex) {
  for (const char* pod :
       {"", "galera", "galera-", "-1", "galera-x", "galera-1x", "galera-99999999999"}) {
    EXPECT_FALSE(node_id_from_pod("default", pod)) << pod;
  }
}

}  // namespace
}  // namespace mdbop
