#include "runtime/kube/node_claim.h"

#include <gtest/gtest.h>

#include "runtime/kube/object_names.h"
#include "stored_mariadb.h"

namespace mdbop {
namespace {

using json = nlohmann::json;

TEST(NodeClaimTest, IsTheNodesStorageFromSizeAndClass) {
  const json claim =
      *render_node_claim(stored_mariadb("  replicas: 3\n  galera: {enabled: true}\n"
                                        "  storage: {size: 100Gi, storageClassName: ssd-retain}\n"),
                         NodeId{"db", "galera", 1});
  EXPECT_EQ(claim["kind"], "PersistentVolumeClaim");
  EXPECT_EQ(claim["metadata"]["name"], "storage-galera-1");
  EXPECT_EQ(claim["metadata"]["namespace"], "db");
  EXPECT_EQ(claim["metadata"]["labels"][kPodIndexLabel], "1");
  // The data outlives its MariaDB: no owner, whom the garbage collector would follow.
  EXPECT_FALSE(claim["metadata"].contains("ownerReferences"));
  EXPECT_EQ(claim["spec"]["accessModes"], json({"ReadWriteOnce"}));
  EXPECT_EQ(claim["spec"]["resources"]["requests"]["storage"], "100Gi");
  EXPECT_EQ(claim["spec"]["storageClassName"], "ssd-retain");
}

TEST(NodeClaimTest, ATemplateGivesTheClaimsSpecAndSizeOverridesItsRequest) {
  const json claim = *render_node_claim(stored_mariadb(R"(  replicas: 3
  galera: {enabled: true}
  storage:
    size: 20Gi
    volumeClaimTemplate:
      metadata: {annotations: {snapshot: daily}}
      accessModes: [ReadWriteOncePod]
      resources: {requests: {storage: 5Gi}}
      storageClassName: fast
)"),
                                        NodeId{"db", "galera", 0});
  EXPECT_EQ(claim["spec"]["accessModes"], json({"ReadWriteOncePod"}));
  EXPECT_EQ(claim["spec"]["resources"]["requests"]["storage"], "20Gi");
  EXPECT_EQ(claim["spec"]["storageClassName"], "fast");
  EXPECT_EQ(claim["metadata"]["annotations"]["snapshot"], "daily");
  EXPECT_FALSE(claim["spec"].contains("metadata"));
}

TEST(NodeClaimTest, ATemplateThatIsNotAMapIsRefusedNamingTheField) {
  auto claim = render_node_claim(
      stored_mariadb("  replicas: 3\n  galera: {enabled: true}\n"
                     "  storage: {size: 1Gi, volumeClaimTemplate: {resources: 5Gi}}\n"),
      NodeId{"db", "galera", 0});
  ASSERT_FALSE(claim);
  EXPECT_NE(claim.error().what().find("spec.storage.volumeClaimTemplate.resources"),
            std::string::npos)
      << claim.error().what();
}

}  // namespace
}  // namespace mdbop
