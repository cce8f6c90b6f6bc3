#include "runtime/kube/disruption_budget.h"

#include <gtest/gtest.h>

#include "runtime/kube/object_names.h"
#include "stored_mariadb.h"

namespace mdbop {
namespace {

using json = nlohmann::json;

std::optional<json> budget_of(const std::string& spec_yaml) {
  const json mariadb = stored_mariadb(spec_yaml);
  return render_disruption_budget(mariadb, mariadb_spec_from(mariadb));
}

TEST(DisruptionBudgetTest, TheManifestsBudgetIsKept) {
  auto budget = budget_of(
      "  replicas: 3\n  galera: {enabled: true}\n  podDisruptionBudget: {maxUnavailable: 1}\n");
  ASSERT_TRUE(budget);
  EXPECT_EQ((*budget)["apiVersion"], "policy/v1");
  EXPECT_EQ((*budget)["metadata"]["name"], "galera");
  EXPECT_EQ((*budget)["spec"]["maxUnavailable"], 1);
  EXPECT_EQ((*budget)["spec"]["selector"]["matchLabels"], instance_labels("galera"));
  budget = budget_of(
      "  replicas: 5\n  galera: {enabled: true}\n  podDisruptionBudget: {minAvailable: 60%}\n");
  ASSERT_TRUE(budget);
  EXPECT_EQ((*budget)["spec"]["minAvailable"], "60%");
  EXPECT_FALSE((*budget)["spec"].contains("maxUnavailable"));
}

TEST(DisruptionBudgetTest, AGaleraClusterWithoutOneLosesOneNodeAtATimeAndASingleNodeHasNone) {
  auto budget = budget_of("  replicas: 3\n  galera: {enabled: true}\n");
  ASSERT_TRUE(budget);
  EXPECT_EQ((*budget)["spec"]["maxUnavailable"], 1);
  EXPECT_FALSE(budget_of("  replicas: 1\n"));
}

}  // namespace
}  // namespace mdbop
