#include "storage/s3_errors.h"

#include <gtest/gtest.h>

namespace mdbop {
namespace {

const S3ErrorContext kContext{"http://127.0.0.1:9000", "backups", "eu-west-1",
                              "uploading s3://backups/ns/a"};

HttpResponse answer(long status, const std::string& code, const std::string& message = "msg") {
  HttpResponse response;
  response.status = status;
  response.body = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>" + code +
                  "</Code><Message>" + message + "</Message></Error>";
  return response;
}

TEST(S3ErrorsTest, NamesTheSettingToFix) {
  EXPECT_EQ(describe_s3_failure(answer(403, "InvalidAccessKeyId"), kContext),
            "S3 refused the credentials (InvalidAccessKeyId): check "
            "storage.s3.accessKeyIdSecretKeyRef");
  EXPECT_EQ(describe_s3_failure(answer(403, "SignatureDoesNotMatch"), kContext),
            "S3 refused the request signature (SignatureDoesNotMatch): check "
            "storage.s3.secretAccessKeySecretKeyRef");
  EXPECT_EQ(describe_s3_failure(answer(400, "ExpiredToken"), kContext),
            "S3 refused the session token (ExpiredToken): check "
            "storage.s3.sessionTokenSecretKeyRef");
  EXPECT_EQ(describe_s3_failure(answer(404, "NoSuchBucket"), kContext),
            "bucket \"backups\" does not exist (NoSuchBucket)");
  EXPECT_EQ(
      describe_s3_failure(
          answer(400, "AuthorizationHeaderMalformed", "the region 'eu-west-1' is wrong"), kContext),
      "bucket \"backups\" is not reachable in region \"eu-west-1\" at "
      "http://127.0.0.1:9000 (AuthorizationHeaderMalformed): the region 'eu-west-1' is "
      "wrong; check storage.s3.region and storage.s3.endpoint");
}

TEST(S3ErrorsTest, SaysWhatWasRefused) {
  EXPECT_EQ(describe_s3_failure(answer(403, "AccessDenied", "Access Denied"), kContext),
            "S3 denied uploading s3://backups/ns/a (AccessDenied): Access Denied; the credentials "
            "need access to bucket \"backups\"");
  EXPECT_EQ(describe_s3_failure(answer(404, "NoSuchKey"), kContext),
            "uploading s3://backups/ns/a: no such object (NoSuchKey)");
  EXPECT_EQ(describe_s3_failure(answer(400, "EntityTooSmall", "Your proposed upload is smaller"),
                                kContext),
            "S3 refused uploading s3://backups/ns/a (HTTP 400 EntityTooSmall): Your proposed "
            "upload is smaller");
}

TEST(S3ErrorsTest, DescribesUnreachableEndpoints) {
  HttpResponse refused;
  refused.transport_error = "Couldn't connect to server";
  EXPECT_EQ(describe_s3_failure(refused, kContext),
            "cannot reach S3 endpoint http://127.0.0.1:9000: Couldn't connect to server");
  HttpResponse untrusted;
  untrusted.transport_error = "SSL peer certificate or SSH remote key was not OK";
  untrusted.certificate_problem = true;
  EXPECT_EQ(describe_s3_failure(untrusted, kContext),
            "cannot reach S3 endpoint http://127.0.0.1:9000: SSL peer certificate or SSH remote "
            "key was not OK; check storage.s3.tls.caSecretKeyRef");
}

TEST(S3ErrorsTest, DescribesAnswersWithoutS3Xml) {
  HttpResponse gateway;
  gateway.status = 502;
  gateway.body = "<html><head><title>502 Bad Gateway</title></head>\n<body>...</body></html>";
  EXPECT_EQ(describe_s3_failure(gateway, kContext),
            "S3 answered HTTP 502 uploading s3://backups/ns/a: <html><head><title>502 Bad "
            "Gateway</title></head>");
  HttpResponse missing;
  missing.status = 404;
  EXPECT_EQ(describe_s3_failure(missing, kContext),
            "uploading s3://backups/ns/a: not found (HTTP 404)");
  HttpResponse denied;
  denied.status = 403;
  EXPECT_EQ(describe_s3_failure(denied, kContext),
            "S3 denied uploading s3://backups/ns/a (HTTP 403): check the credentials and their "
            "permissions");
}

TEST(S3ErrorsTest, OnlyTransientFailuresAreRetried) {
  HttpResponse no_answer;
  no_answer.transport_error = "Timeout was reached";
  EXPECT_TRUE(is_transient_s3_failure(no_answer));
  EXPECT_TRUE(is_transient_s3_failure(answer(500, "InternalError")));
  EXPECT_TRUE(is_transient_s3_failure(answer(503, "SlowDown")));
  EXPECT_TRUE(is_transient_s3_failure(answer(400, "RequestTimeout")));
  EXPECT_TRUE(is_transient_s3_failure(answer(200, "InternalError")));  // after a 200
  EXPECT_FALSE(is_transient_s3_failure(answer(403, "InvalidAccessKeyId")));
  EXPECT_FALSE(is_transient_s3_failure(answer(404, "NoSuchBucket")));
  EXPECT_FALSE(is_transient_s3_failure(answer(400, "EntityTooSmall")));
}

}  // namespace
}  // namespace mdbop
