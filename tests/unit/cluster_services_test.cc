#include "runtime/kube/cluster_services.h"

#include <gtest/gtest.h>

#include "runtime/kube/object_names.h"
#include "stored_mariadb.h"

namespace mdbop {
namespace {

using json = nlohmann::json;

std::vector<json> services_of(const json& mariadb) {
  auto services = render_cluster_services(mariadb, mariadb_spec_from(mariadb));
  EXPECT_TRUE(services) << services.error().what();
  return services ? *services : std::vector<json>();
}

TEST(ClusterServicesTest, TheHeadlessServicePublishesEveryPodForThePeers) {
  const auto services = services_of(stored_mariadb("  replicas: 3\n  galera: {enabled: true}\n"));
  ASSERT_EQ(services.size(), 4u);
  const json& headless = services[0];
  EXPECT_EQ(headless["metadata"]["name"], "galera-internal");
  EXPECT_EQ(headless["spec"]["clusterIP"], "None");
  EXPECT_EQ(headless["spec"]["publishNotReadyAddresses"], true);
  EXPECT_EQ(headless["spec"]["selector"], instance_labels("galera"));
  EXPECT_EQ(headless["spec"]["ports"].size(), 4u);
  EXPECT_EQ(headless["metadata"]["ownerReferences"][0]["kind"], "MariaDB");
}

TEST(ClusterServicesTest, ClientServicesSelectByRoleAndFollowTheirTemplates) {
  const auto services = services_of(stored_mariadb(R"(  replicas: 3
  port: 3307
  galera: {enabled: true}
  service:
    type: LoadBalancer
    annotations: {service.alpha.kubernetes.io/tolerate-unready-endpoints: "true"}
    loadBalancerSourceRanges: [10.0.0.0/8]
  primaryService:
    type: ClusterIP
    metadata: {labels: {tier: writes}, annotations: {a: b}}
  secondaryService: {type: NodePort}
)"));
  const json& all = services[1];
  EXPECT_EQ(all["metadata"]["name"], "galera");
  EXPECT_EQ(all["spec"]["type"], "LoadBalancer");
  EXPECT_EQ(all["spec"]["loadBalancerSourceRanges"], json({"10.0.0.0/8"}));
  EXPECT_EQ(
      all["metadata"]["annotations"]["service.alpha.kubernetes.io/tolerate-unready-endpoints"],
      "true");
  EXPECT_FALSE(all["spec"]["selector"].contains(kRoleLabel));
  EXPECT_EQ(all["spec"]["ports"][0]["port"], 3307);
  const json& primary = services[2];
  EXPECT_EQ(primary["metadata"]["name"], "galera-primary");
  EXPECT_EQ(primary["spec"]["selector"][kRoleLabel], "primary");
  EXPECT_EQ(primary["metadata"]["labels"]["tier"], "writes");
  EXPECT_EQ(primary["metadata"]["annotations"]["a"], "b");
  const json& secondary = services[3];
  EXPECT_EQ(secondary["metadata"]["name"], "galera-secondary");
  EXPECT_EQ(secondary["spec"]["selector"][kRoleLabel], "secondary");
  EXPECT_EQ(secondary["spec"]["type"], "NodePort");
}

TEST(ClusterServicesTest, ATemplatesMapThatIsNotOneIsRefusedNamingTheField) {
  for (const auto& [spec, field] :
       {std::pair{"  service: {metadata: labels}\n", "spec.service.metadata"},
        std::pair{"  primaryService: {metadata: {labels: [a]}}\n",
                  "spec.primaryService.metadata.labels"},
        std::pair{"  secondaryService: {annotations: x}\n", "spec.secondaryService.annotations"}}) {
    const json mariadb =
        stored_mariadb(std::string("  replicas: 3\n  galera: {enabled: true}\n") + spec);
    auto services = render_cluster_services(mariadb, mariadb_spec_from(mariadb));
    ASSERT_FALSE(services) << field;
    EXPECT_NE(services.error().what().find(field), std::string::npos) << services.error().what();
  }
  // A value of the wrong type is the API server's to refuse, in its words.
  const json mariadb =
      stored_mariadb("  replicas: 3\n  galera: {enabled: true}\n  service: {type: 1}\n");
  auto services = render_cluster_services(mariadb, mariadb_spec_from(mariadb));
  ASSERT_TRUE(services);
  EXPECT_EQ((*services)[1]["spec"]["type"], 1);
}

}  // namespace
}  // namespace mdbop
