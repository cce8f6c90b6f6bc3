// When a node's claim is grown to its MariaDB's size, when that is refused and why, and when a
// resize is still under way.
#include "runtime/kube/claim_resize.h"

#include <gtest/gtest.h>

namespace mdbop {
namespace {

using json = nlohmann::json;

json claim(const std::string& requested, const std::string& capacity,
           const std::string& storage_class = "ssd", const json& conditions = json::array()) {
  json made = {{"metadata", {{"name", "storage-shop-0"}}},
               {"spec", {{"resources", {{"requests", {{"storage", requested}}}}}}},
               {"status", {{"phase", "Bound"}, {"conditions", conditions}}}};
  if (!storage_class.empty()) made["spec"]["storageClassName"] = storage_class;
  if (!capacity.empty()) made["status"]["capacity"]["storage"] = capacity;
  return made;
}

TEST(ClaimResizeTest, AClaimOfItsSizeIsLeftAloneWhateverTheUnits) {
  for (const auto& [requested, wanted] :
       {std::pair{"100Gi", "100Gi"}, std::pair{"1Gi", "1024Mi"}, std::pair{"1G", "1000M"}}) {
    ClaimResize decided = decide_claim_resize(claim(requested, requested), wanted, true, {});
    EXPECT_FALSE(decided.grow_to) << requested;
    EXPECT_FALSE(decided.needs_class);
    EXPECT_EQ(decided.refused, "");
    EXPECT_EQ(decided.resizing, "");
  }
}

TEST(ClaimResizeTest, GrowsOnlyWhenItsClassAllowsExpansionAndThenWaitsForTheCapacity) {
  const json small = claim("100Gi", "100Gi");
  EXPECT_TRUE(decide_claim_resize(small, "120Gi", true, std::nullopt).needs_class);

  ClaimResize grown = decide_claim_resize(small, "120Gi", true, true);
  EXPECT_EQ(grown.grow_to, "120Gi");
  EXPECT_EQ(grown.resizing, "storage-shop-0 resizing from 100Gi to 120Gi");
  EXPECT_EQ(grown.refused, "");

  ClaimResize forbidden = decide_claim_resize(small, "120Gi", true, false);
  EXPECT_FALSE(forbidden.grow_to);
  EXPECT_EQ(forbidden.refused,
            "storage-shop-0 keeps 100Gi: its StorageClass ssd does not allow expansion "
            "(allowVolumeExpansion)");
  EXPECT_EQ(forbidden.resizing, "");
}

TEST(ClaimResizeTest, AResizeIsUnderWayUntilTheCapacityAndTheFilesystemHaveGrown) {
  EXPECT_EQ(decide_claim_resize(claim("120Gi", "100Gi"), "120Gi", true, {}).resizing,
            "storage-shop-0 resizing from 100Gi to 120Gi");
  EXPECT_EQ(decide_claim_resize(claim("120Gi", "120Gi", "ssd",
                                      {{{"type", "FileSystemResizePending"}, {"status", "True"}}}),
                                "120Gi", true, {})
                .resizing,
            "storage-shop-0 waits for its pod's filesystem to grow to 120Gi");
  EXPECT_EQ(decide_claim_resize(claim("120Gi", "120Gi"), "120Gi", true, {}).resizing, "");
  EXPECT_EQ(decide_claim_resize(
                claim("120Gi", "100Gi", "ssd", {{{"type", "Resizing"}, {"status", "True"}}}),
                "120Gi", true, {})
                .resizing,
            "storage-shop-0 resizing from 100Gi to 120Gi");
  EXPECT_EQ(decide_claim_resize(
                claim("120Gi", "120Gi", "ssd", {{{"type", "Resizing"}, {"status", "True"}}}),
                "120Gi", true, {})
                .resizing,
            "storage-shop-0 resizing to 120Gi");
  // Not bound yet: no capacity, nothing to resize; its request is not changed either.
  json pending = claim("100Gi", "");
  pending["status"]["phase"] = "Pending";
  ClaimResize unbound = decide_claim_resize(pending, "120Gi", true, true);
  EXPECT_FALSE(unbound.grow_to);
  EXPECT_EQ(unbound.resizing, "");
  EXPECT_EQ(unbound.refused, "");
}

TEST(ClaimResizeTest, ShrinkingDisabledGrowthAndClasslessClaimsAreRefusedWithTheFix) {
  EXPECT_EQ(decide_claim_resize(claim("100Gi", "100Gi"), "50Gi", true, true).refused,
            "storage-shop-0 keeps 100Gi: Kubernetes never shrinks a claim to 50Gi (a smaller size "
            "takes a new MariaDB restored from a backup)");
  EXPECT_EQ(decide_claim_resize(claim("100Gi", "100Gi"), "120Gi", false, true).refused,
            "storage-shop-0 keeps 100Gi: spec.storage.resizeInUseVolumes is false (set it to true "
            "to grow it to 120Gi)");
  ClaimResize classless = decide_claim_resize(claim("100Gi", "100Gi", ""), "120Gi", true, {});
  EXPECT_FALSE(classless.needs_class);
  EXPECT_NE(classless.refused.find("it has no StorageClass"), std::string::npos);
}

TEST(ClaimResizeTest, HostileClaimsAndSizesLeaveTheClaimAlone) {
  for (const json& hostile :
       {json(), json::array(), json{{"spec", "x"}}, json{{"spec", {{"resources", 7}}}},
        json{{"status", "Bound"}}, claim("lots", "100Gi")}) {
    ClaimResize decided = decide_claim_resize(hostile, "120Gi", true, true);
    EXPECT_FALSE(decided.grow_to) << hostile.dump();
    EXPECT_EQ(decided.refused, "") << hostile.dump();
    EXPECT_EQ(decided.resizing, "") << hostile.dump();
  }
  EXPECT_FALSE(decide_claim_resize(claim("100Gi", "100Gi"), "big", true, true).grow_to);
  // A capacity that does not parse: grown as asked, nothing said of its progress.
  ClaimResize unreadable = decide_claim_resize(claim("100Gi", "huge"), "120Gi", true, true);
  EXPECT_EQ(unreadable.grow_to, "120Gi");
  EXPECT_EQ(unreadable.resizing, "");
}

}  // namespace
}  // namespace mdbop
