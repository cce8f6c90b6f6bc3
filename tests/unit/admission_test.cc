// The webhook's decision: the objects `mdbop apply` refuses are refused with its very message;
// what the API server adds (status, uid, managedFields...) is not judged; deletions and objects
// being deleted pass; a body that is not an AdmissionReview request is refused as such.
#include "api/admission.h"

#include <gtest/gtest.h>

#include "manifest_test_util.h"

namespace mdbop {
namespace {

using nlohmann::json;

json mariadb(const std::string& extra_spec) {
  return parse_one(
      "apiVersion: k8s.mariadb.com/v1alpha1\nkind: MariaDB\nmetadata:\n  name: shop\n"
      "spec:\n  rootPasswordSecretKeyRef: {name: root, key: password}\n  replicas: 3\n"
      "  galera: {enabled: true}\n  storage: {size: 1Gi}\n" +
      extra_spec);
}

json review(const std::string& operation, const json& object) {
  return {{"apiVersion", "admission.k8s.io/v1"},
          {"kind", "AdmissionReview"},
          {"request",
           {{"uid", "705ab4f5-6393-11e8-b7cc-42010a800002"},
            {"operation", operation},
            {"namespace", "payments"},
            {"object", object}}}};
}

TEST(AdmissionTest, AValidObjectIsAllowedAndAnsweredUnderItsUid) {
  auto answer = review_admission(review("CREATE", mariadb("")));
  ASSERT_TRUE(answer) << answer.error().what();
  EXPECT_EQ((*answer)["apiVersion"], "admission.k8s.io/v1");
  EXPECT_EQ((*answer)["kind"], "AdmissionReview");
  EXPECT_EQ((*answer)["response"]["uid"], "705ab4f5-6393-11e8-b7cc-42010a800002");
  EXPECT_EQ((*answer)["response"]["allowed"], true);
}

TEST(AdmissionTest, WhatMdbopApplyRefusesIsRefusedWithItsMessage) {
  const json refused = mariadb("  tls: {enabled: true}\n");
  auto answer = review_admission(review("CREATE", refused));
  ASSERT_TRUE(answer) << answer.error().what();
  EXPECT_EQ((*answer)["response"]["allowed"], false);
  json in_namespace = refused;
  in_namespace["metadata"]["namespace"] = "payments";
  auto expected = validate_batch({in_namespace});
  ASSERT_FALSE(expected);
  EXPECT_EQ((*answer)["response"]["status"]["message"], refusal_message(expected.error()));
  EXPECT_EQ((*answer)["response"]["status"]["code"], 422);
  const std::string message = (*answer)["response"]["status"]["message"];
  EXPECT_NE(message.find("MariaDB/payments/shop spec.tls.enabled"), std::string::npos) << message;
}

TEST(AdmissionTest, WhatTheApiServerAddsIsNotJudged) {
  json stored = mariadb("");
  stored["metadata"]["uid"] = "0b0c";
  stored["metadata"]["resourceVersion"] = "42";
  stored["metadata"]["generation"] = 2;
  stored["metadata"]["creationTimestamp"] = "2026-12-03T00:00:00Z";
  stored["metadata"]["managedFields"] = json::array({{{"manager", "kubectl"}}});
  stored["metadata"]["deletionGracePeriodSeconds"] = 0;
  stored["status"] = {{"anything", "the operator wrote"}};
  auto answer = review_admission(review("UPDATE", stored));
  ASSERT_TRUE(answer) << answer.error().what();
  EXPECT_EQ((*answer)["response"]["allowed"], true) << answer->dump();
}

TEST(AdmissionTest, DeletionsAndObjectsBeingDeletedPass) {
  json invalid = mariadb("  tls: {enabled: true}\n");
  auto deleted = review_admission(review("DELETE", invalid));
  ASSERT_TRUE(deleted);
  EXPECT_EQ((*deleted)["response"]["allowed"], true);
  invalid["metadata"]["deletionTimestamp"] = "2026-12-03T00:00:00Z";
  auto letting_go = review_admission(review("UPDATE", invalid));
  ASSERT_TRUE(letting_go);
  EXPECT_EQ((*letting_go)["response"]["allowed"], true);
}

TEST(AdmissionTest, ABodyThatIsNotAnAdmissionReviewRequestIsRefused) {
  for (const json& body :
       {json(), json::array(), json{{"kind", "AdmissionReview"}},
        json{{"kind", "Pod"}, {"request", {{"uid", "x"}}}},
        json{{"kind", "AdmissionReview"}, {"request", {{"operation", "CREATE"}}}}}) {
    auto answer = review_admission(body);
    ASSERT_FALSE(answer) << body.dump();
    EXPECT_EQ(answer.error().code, ErrorCode::kInvalid);
  }
}

}  // namespace
}  // namespace mdbop
