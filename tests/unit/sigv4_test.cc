#include "storage/sigv4.h"

#include <date/date.h>
#include <gtest/gtest.h>

#include "util/sha256.h"

namespace mdbop {
namespace {

// The examples of "Signature Calculations for the Authorization Header: Transferring Payload
// in a Single Chunk (AWS Signature Version 4)" in the Amazon S3 API reference.
const AwsCredentials kExampleCredentials{"AKIAIOSFODNN7EXAMPLE",
                                         "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", ""};
const std::chrono::system_clock::time_point kExampleTime =
    date::sys_days(date::year(2013) / 5 / 24);
const std::string kEmptySha256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
const std::string kHost = "examplebucket.s3.amazonaws.com";

SignedRequest sign_example(const SigningInput& input) {
  return sign_v4(input, kExampleTime, kExampleCredentials, "us-east-1", "s3");
}

TEST(SigV4Test, GetObjectExample) {
  auto signed_request = sign_example(
      {"GET", "/test.txt", {}, {{"Host", kHost}, {"Range", "bytes=0-9"}}, kEmptySha256});
  EXPECT_EQ(signed_request.canonical_request,
            "GET\n"
            "/test.txt\n"
            "\n"
            "host:examplebucket.s3.amazonaws.com\n"
            "range:bytes=0-9\n"
            "x-amz-content-sha256:" +
                kEmptySha256 +
                "\n"
                "x-amz-date:20130524T000000Z\n"
                "\n"
                "host;range;x-amz-content-sha256;x-amz-date\n" +
                kEmptySha256);
  EXPECT_EQ(signed_request.string_to_sign,
            "AWS4-HMAC-SHA256\n"
            "20130524T000000Z\n"
            "20130524/us-east-1/s3/aws4_request\n"
            "7344ae5b7ee6c3e7e6b0fe0640412a37625d1fbfff95c48bbb2dc43964946972");
  EXPECT_EQ(signed_request.authorization,
            "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,"
            "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date,"
            "Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");
}

TEST(SigV4Test, PutObjectExample) {
  std::string payload_hash = sha256_hex("Welcome to Amazon S3.");
  ASSERT_EQ(payload_hash, "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072");
  auto signed_request = sign_example({"PUT",
                                      "/" + uri_encode("test$file.text", true),
                                      {},
                                      {{"Date", "Fri, 24 May 2013 00:00:00 GMT"},
                                       {"Host", kHost},
                                       {"x-amz-storage-class", "REDUCED_REDUNDANCY"}},
                                      payload_hash});
  EXPECT_EQ(signed_request.canonical_request,
            "PUT\n"
            "/test%24file.text\n"
            "\n"
            "date:Fri, 24 May 2013 00:00:00 GMT\n"
            "host:examplebucket.s3.amazonaws.com\n"
            "x-amz-content-sha256:" +
                payload_hash +
                "\n"
                "x-amz-date:20130524T000000Z\n"
                "x-amz-storage-class:REDUCED_REDUNDANCY\n"
                "\n"
                "date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class\n" +
                payload_hash);
  EXPECT_EQ(signed_request.string_to_sign,
            "AWS4-HMAC-SHA256\n"
            "20130524T000000Z\n"
            "20130524/us-east-1/s3/aws4_request\n"
            "9e0e90d9c76de8fa5b200d8c849cd5b8dc7a3be3951ddb7f6a76b4158342019d");
  EXPECT_EQ(signed_request.authorization,
            "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,"
            "SignedHeaders=date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class,"
            "Signature=98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd");
}

TEST(SigV4Test, GetBucketLifecycleExample) {
  auto signed_request =
      sign_example({"GET", "/", {{"lifecycle", ""}}, {{"Host", kHost}}, kEmptySha256});
  EXPECT_EQ(signed_request.canonical_request,
            "GET\n"
            "/\n"
            "lifecycle=\n"
            "host:examplebucket.s3.amazonaws.com\n"
            "x-amz-content-sha256:" +
                kEmptySha256 +
                "\n"
                "x-amz-date:20130524T000000Z\n"
                "\n"
                "host;x-amz-content-sha256;x-amz-date\n" +
                kEmptySha256);
  EXPECT_EQ(signed_request.string_to_sign,
            "AWS4-HMAC-SHA256\n"
            "20130524T000000Z\n"
            "20130524/us-east-1/s3/aws4_request\n"
            "9766c798316ff2757b517bc739a67f6213b4ab36dd5da2f94eaebf79c77395ca");
  EXPECT_EQ(signed_request.authorization,
            "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,"
            "SignedHeaders=host;x-amz-content-sha256;x-amz-date,"
            "Signature=fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543");
}

TEST(SigV4Test, GetBucketListObjectsExample) {
  // Given out of order: the canonical query sorts them.
  auto signed_request = sign_example(
      {"GET", "/", {{"prefix", "J"}, {"max-keys", "2"}}, {{"Host", kHost}}, kEmptySha256});
  EXPECT_EQ(signed_request.canonical_request,
            "GET\n"
            "/\n"
            "max-keys=2&prefix=J\n"
            "host:examplebucket.s3.amazonaws.com\n"
            "x-amz-content-sha256:" +
                kEmptySha256 +
                "\n"
                "x-amz-date:20130524T000000Z\n"
                "\n"
                "host;x-amz-content-sha256;x-amz-date\n" +
                kEmptySha256);
  EXPECT_EQ(signed_request.string_to_sign,
            "AWS4-HMAC-SHA256\n"
            "20130524T000000Z\n"
            "20130524/us-east-1/s3/aws4_request\n"
            "df57d21db20da04d7fa30298dd4488ba3a2b47ca3a489c74750e0f1e7df1b9b7");
  EXPECT_EQ(signed_request.authorization,
            "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,"
            "SignedHeaders=host;x-amz-content-sha256;x-amz-date,"
            "Signature=34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7");
}

TEST(SigV4Test, HeadersToSendIncludeTheSigningHeaders) {
  auto signed_request = sign_example({"GET", "/test.txt", {}, {{"Host", kHost}}, kEmptySha256});
  HttpHeaders expected{{"Host", kHost},
                       {"x-amz-content-sha256", kEmptySha256},
                       {"x-amz-date", "20130524T000000Z"},
                       {"authorization", signed_request.authorization}};
  EXPECT_EQ(signed_request.headers, expected);
}

TEST(SigV4Test, SessionTokenIsSentAndSigned) {
  AwsCredentials credentials = kExampleCredentials;
  credentials.session_token = "token/with+chars";
  auto with_token = sign_v4({"GET", "/test.txt", {}, {{"Host", kHost}}, kEmptySha256}, kExampleTime,
                            credentials, "us-east-1", "s3");
  auto without = sign_example({"GET", "/test.txt", {}, {{"Host", kHost}}, kEmptySha256});
  EXPECT_NE(with_token.canonical_request.find("x-amz-security-token:token/with+chars\n"),
            std::string::npos);
  EXPECT_NE(with_token.authorization.find(
                "SignedHeaders=host;x-amz-content-sha256;x-amz-date;x-amz-security-token,"),
            std::string::npos);
  EXPECT_NE(with_token.authorization, without.authorization);
  EXPECT_NE(
      std::find(with_token.headers.begin(), with_token.headers.end(),
                std::pair<std::string, std::string>{"x-amz-security-token", "token/with+chars"}),
      with_token.headers.end());
}

TEST(SigV4Test, HeaderValuesAreTrimmedAndSpacesCollapsed) {
  auto signed_request = sign_example(
      {"GET", "/", {}, {{"Host", kHost}, {"X-Amz-Meta-Note", "  a   b  "}}, kEmptySha256});
  EXPECT_NE(signed_request.canonical_request.find("\nx-amz-meta-note:a b\n"), std::string::npos);
}

TEST(SigV4Test, UriEncodeFollowsS3Rules) {
  EXPECT_EQ(uri_encode("AZaz09-._~", false), "AZaz09-._~");
  EXPECT_EQ(uri_encode("a b+c=d&e", false), "a%20b%2Bc%3Dd%26e");
  EXPECT_EQ(uri_encode("dir/sub/file", true), "dir/sub/file");
  EXPECT_EQ(uri_encode("dir/sub/file", false), "dir%2Fsub%2Ffile");
  EXPECT_EQ(uri_encode("test$file.text", true), "test%24file.text");
  EXPECT_EQ(uri_encode("\xc3\xa9t\xc3\xa9", true), "%C3%A9t%C3%A9");  // UTF-8 bytes, upper hex
  EXPECT_EQ(uri_encode("%", false), "%25");
  EXPECT_EQ(uri_encode("*", false), "%2A");
}

TEST(SigV4Test, CanonicalQuerySortsAndEncodes) {
  EXPECT_EQ(canonical_query({}), "");
  EXPECT_EQ(canonical_query({{"uploads", ""}}), "uploads=");
  EXPECT_EQ(
      canonical_query({{"prefix", "a b/c"}, {"list-type", "2"}, {"continuation-token", "x+y="}}),
      "continuation-token=x%2By%3D&list-type=2&prefix=a%20b%2Fc");
  EXPECT_EQ(canonical_query({{"b", "2"}, {"a", "z"}, {"a", "1"}}), "a=1&a=z&b=2");
}

TEST(SigV4Test, AmzDateIsUtcBasicFormat) {
  using namespace std::chrono_literals;
  EXPECT_EQ(amz_date(kExampleTime), "20130524T000000Z");
  EXPECT_EQ(amz_date(kExampleTime + 13h + 4min + 5s + 600ms), "20130524T130405Z");
}

}  // namespace
}  // namespace mdbop
