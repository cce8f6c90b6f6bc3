#include "kube/own_pod_image.h"

#include <gtest/gtest.h>

namespace mdbop {
namespace {

using json = nlohmann::json;

json pod_with(json containers) {
  return {{"metadata", {{"name", "mdbop-operator-7c9f-abcde"}, {"namespace", "mdbop-system"}}},
          {"spec", {{"containers", std::move(containers)}}}};
}

TEST(OwnPodImageTest, TakesTheImageOfTheNamedContainerAmongSidecars) {
  const json pod = pod_with(
      json::array({{{"name", "istio-proxy"}, {"image", "istio/proxyv2:1.24"}},
                   {{"name", "operator"}, {"image", "registry.example/mdbop@sha256:0123abcd"}}}));
  auto image = container_image(pod, kOperatorContainer);
  ASSERT_TRUE(image) << image.error().what();
  EXPECT_EQ(*image, "registry.example/mdbop@sha256:0123abcd");
}

TEST(OwnPodImageTest, APodWithoutThatContainerIsRefusedNamingThePodAndTheFix) {
  auto image = container_image(
      pod_with(json::array({{{"name", "manager"}, {"image", "registry.example/mdbop:1"}}})),
      kOperatorContainer);
  ASSERT_FALSE(image);
  EXPECT_EQ(image.error().code, ErrorCode::kInvalid);
  EXPECT_EQ(image.error().field, "--image");
  EXPECT_NE(image.error().message.find("pod mdbop-system/mdbop-operator-7c9f-abcde"),
            std::string::npos)
      << image.error().message;
  EXPECT_NE(image.error().message.find("give --image"), std::string::npos);
}

TEST(OwnPodImageTest, AContainerWithoutAnImageOrAPodOfAnotherShapeIsRefused) {
  EXPECT_FALSE(container_image(pod_with(json::array({{{"name", "operator"}}})), "operator"));
  EXPECT_FALSE(container_image(pod_with(json::array({"operator", 7, nullptr})), "operator"));
  EXPECT_FALSE(container_image(json::object(), "operator"));
  EXPECT_FALSE(container_image(json{{"spec", {{"containers", "operator"}}}}, "operator"));
}

}  // namespace
}  // namespace mdbop
