// The files of the kubelet double's secret and configMap volumes.
#include <gtest/gtest.h>

#include "kubelet_double/volume_files.h"

namespace mdbop::kubelet {
namespace {

using json = nlohmann::json;

const json kSecret = json::parse(R"({"kind":"Secret","metadata":{"name":"tls"},
  "data":{"ca.crt":"Y2E=","tls.key":"a2V5"}})");

TEST(KubeletDoubleVolumeFilesTest, EveryKeyDecodedWithTheDefaultMode) {
  auto files = volume_files(json{{"secretName", "tls"}, {"defaultMode", 0400}}, kSecret);
  ASSERT_TRUE(files) << files.error().what();
  ASSERT_EQ(files->size(), 2u);
  EXPECT_EQ((*files)[0].path, "ca.crt");
  EXPECT_EQ((*files)[0].content, "ca");
  EXPECT_EQ((*files)[0].mode, 0400u);
  EXPECT_EQ((*files)[1].content, "key");
  auto plain = volume_files(json{{"secretName", "tls"}}, kSecret);
  ASSERT_TRUE(plain);
  EXPECT_EQ((*plain)[0].mode, 0644u);
}

TEST(KubeletDoubleVolumeFilesTest, ItemsChooseKeysPathsAndModes) {
  auto files = volume_files(json::parse(R"({"secretName":"tls","defaultMode":288,
    "items":[{"key":"tls.key","path":"private/key.pem","mode":256}]})"),
                            kSecret);
  ASSERT_TRUE(files) << files.error().what();
  ASSERT_EQ(files->size(), 1u);
  EXPECT_EQ((*files)[0].path, "private/key.pem");
  EXPECT_EQ((*files)[0].mode, 0400u);
  EXPECT_FALSE(volume_files(json::parse(R"({"items":[{"key":"absent","path":"a"}]})"), kSecret));
  EXPECT_TRUE(volume_files(
      json::parse(R"({"optional":true,"items":[{"key":"absent","path":"a"}]})"), kSecret));
  EXPECT_FALSE(volume_files(json::parse(R"({"items":[{"key":"ca.crt","path":"../x"}]})"), kSecret));
  EXPECT_FALSE(volume_files(json::parse(R"({"items":[{"key":"ca.crt","path":"/x"}]})"), kSecret));
}

TEST(KubeletDoubleVolumeFilesTest, ConfigMapDataIsTextAndBinaryDataBase64) {
  auto files = volume_files(json{{"name", "conf"}}, json::parse(R"({"kind":"ConfigMap",
    "data":{"my.cnf":"[mysqld]\n"},"binaryData":{"blob":"AAE="}})"));
  ASSERT_TRUE(files) << files.error().what();
  ASSERT_EQ(files->size(), 2u);
  EXPECT_EQ((*files)[0].path, "blob");
  EXPECT_EQ((*files)[0].content, std::string("\0\1", 2));
  EXPECT_EQ((*files)[1].content, "[mysqld]\n");
}

TEST(KubeletDoubleVolumeFilesTest, DataThatIsNotBase64FailsWithoutQuotingIt) {
  auto files =
      volume_files(json::object(), json::parse(R"({"kind":"Secret","data":{"k":"s3cr3t!!"}})"));
  ASSERT_FALSE(files);
  EXPECT_EQ(files.error().what().find("s3cr3t"), std::string::npos);
}

}  // namespace
}  // namespace mdbop::kubelet
