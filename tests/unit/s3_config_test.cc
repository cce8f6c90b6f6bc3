#include "storage/s3_config.h"

#include <gtest/gtest.h>

namespace mdbop {
namespace {

S3Config config_for(const std::string& endpoint, bool tls = false) {
  S3Config config;
  config.endpoint = endpoint;
  config.bucket = "backups";
  config.access_key_id = "AKID";
  config.secret_access_key = "SECRET";
  config.tls_enabled = tls;
  return config;
}

TEST(S3ConfigTest, ResolvesEndpoints) {
  struct Case {
    std::string endpoint;
    bool tls;
    std::string base_url;
    std::string host;
  };
  const Case cases[] = {
      {"http://127.0.0.1:9000", false, "http://127.0.0.1:9000", "127.0.0.1:9000"},
      {"http://127.0.0.1:9000/", true, "http://127.0.0.1:9000", "127.0.0.1:9000"},
      {"s3.amazonaws.com", true, "https://s3.amazonaws.com", "s3.amazonaws.com"},
      {"minio.minio.svc:9000", false, "http://minio.minio.svc:9000", "minio.minio.svc:9000"},
      {"https://s3.eu-west-1.amazonaws.com", false, "https://s3.eu-west-1.amazonaws.com",
       "s3.eu-west-1.amazonaws.com"},
      // What a storage.s3 without endpoint becomes (backup_spec.cc): AWS, over TLS.
      {"s3.eu-central-1.amazonaws.com", true, "https://s3.eu-central-1.amazonaws.com",
       "s3.eu-central-1.amazonaws.com"},
  };
  for (const Case& c : cases) {
    auto endpoint = resolve_s3_endpoint(config_for(c.endpoint, c.tls));
    ASSERT_TRUE(endpoint) << c.endpoint << ": " << endpoint.error().what();
    EXPECT_EQ(endpoint->base_url, c.base_url);
    EXPECT_EQ(endpoint->host, c.host);
  }
}

TEST(S3ConfigTest, RefusesBadConfigs) {
  EXPECT_EQ(resolve_s3_endpoint(config_for("")).error().what(),
            "storage.s3.endpoint: must not be empty");
  EXPECT_EQ(resolve_s3_endpoint(config_for("ftp://host")).error().what(),
            "storage.s3.endpoint: \"ftp://host\" must use http or https");
  EXPECT_EQ(resolve_s3_endpoint(config_for("http://host/bucket")).error().what(),
            "storage.s3.endpoint: \"http://host/bucket\" must not have a path; the bucket goes in "
            "storage.s3.bucket and the folder in storage.s3.prefix");
  auto no_bucket = config_for("http://host");
  no_bucket.bucket.clear();
  EXPECT_EQ(resolve_s3_endpoint(no_bucket).error().what(), "storage.s3.bucket: must not be empty");
  auto no_secret = config_for("http://host");
  no_secret.secret_access_key.clear();
  EXPECT_EQ(resolve_s3_endpoint(no_secret).error().what(),
            "S3 credentials are missing: set storage.s3.accessKeyIdSecretKeyRef and "
            "storage.s3.secretAccessKeySecretKeyRef");
  auto tiny_parts = config_for("http://host");
  tiny_parts.part_size = 1 << 20;
  EXPECT_FALSE(resolve_s3_endpoint(tiny_parts));
  // Sent in headers: nothing that could end one and begin another.
  auto class_with_header = config_for("http://host");
  class_with_header.storage_class = "STANDARD\r\nx-amz-acl: public-read";
  EXPECT_EQ(resolve_s3_endpoint(class_with_header).error().what(),
            "storage.s3.storageClass: must be an S3 storage class name: letters, digits, '-', '_'");
  auto region_with_header = config_for("http://host");
  region_with_header.region = "us-east-1\r\nx-evil: 1";
  EXPECT_FALSE(resolve_s3_endpoint(region_with_header));
}

}  // namespace
}  // namespace mdbop
