#include "storage/s3_xml.h"

#include <date/date.h>
#include <gtest/gtest.h>

namespace mdbop {
namespace {

TEST(S3XmlTest, ParsesAnErrorDocument) {
  auto error = parse_s3_error(
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      "<Error><Code>NoSuchKey</Code><Message>The resource you requested does not exist</Message>"
      "<Resource>/mybucket/myfoto.jpg</Resource><RequestId>4442587FB7D0A2F9</RequestId></Error>");
  ASSERT_TRUE(error);
  EXPECT_EQ(error->code, "NoSuchKey");
  EXPECT_EQ(error->message, "The resource you requested does not exist");
}

TEST(S3XmlTest, OtherTextIsNoError) {
  EXPECT_FALSE(parse_s3_error(""));
  EXPECT_FALSE(parse_s3_error("<html><body>502 Bad Gateway</body></html>"));
  EXPECT_FALSE(parse_s3_error("not xml at all <"));
  EXPECT_FALSE(
      parse_s3_error("<CompleteMultipartUploadResult><ETag>\"x\"</ETag>"
                     "</CompleteMultipartUploadResult>"));
}

TEST(S3XmlTest, ParsesAListingPage) {
  auto page = parse_list_objects_v2(
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      "<ListBucketResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
      "<Name>bucket</Name><Prefix>backups/</Prefix><KeyCount>2</KeyCount><MaxKeys>2</MaxKeys>"
      "<IsTruncated>true</IsTruncated>"
      "<Contents><Key>backups/a &amp; b</Key><LastModified>2009-10-12T17:50:30.000Z</LastModified>"
      "<ETag>\"fba9dede5f27731c9771645a39863328\"</ETag><Size>434234</Size>"
      "<StorageClass>STANDARD</StorageClass></Contents>"
      "<Contents><Key>backups/c</Key><LastModified>2024-05-01T03:00:01.250Z</LastModified>"
      "<Size>0</Size></Contents>"
      "<NextContinuationToken>1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm36Hy4vbOwM=</NextContinuationToken>"
      "</ListBucketResult>");
  ASSERT_TRUE(page) << page.error().message;
  ASSERT_EQ(page->objects.size(), 2u);
  EXPECT_EQ(page->objects[0].key, "backups/a & b");
  EXPECT_EQ(page->objects[0].size, 434234u);
  EXPECT_EQ(page->objects[0].modified, date::sys_days(date::year(2009) / 10 / 12) +
                                           std::chrono::hours(17) + std::chrono::minutes(50) +
                                           std::chrono::seconds(30));
  EXPECT_EQ(page->objects[1].key, "backups/c");
  EXPECT_EQ(page->objects[1].modified, date::sys_days(date::year(2024) / 5 / 1) +
                                           std::chrono::hours(3) + std::chrono::milliseconds(1250));
  EXPECT_EQ(page->next_continuation_token, "1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm36Hy4vbOwM=");
}

TEST(S3XmlTest, TheLastPageHasNoToken) {
  auto page = parse_list_objects_v2(
      "<ListBucketResult><IsTruncated>false</IsTruncated>"
      "<NextContinuationToken>ignored</NextContinuationToken></ListBucketResult>");
  ASSERT_TRUE(page);
  EXPECT_TRUE(page->objects.empty());
  EXPECT_EQ(page->next_continuation_token, "");
}

TEST(S3XmlTest, BadListingsAreErrors) {
  EXPECT_EQ(parse_list_objects_v2("<ListBucketResult><IsTruncated>true</IsTruncated>"
                                  "</ListBucketResult>")
                .error()
                .message,
            "S3 answered a truncated listing without a NextContinuationToken");
  EXPECT_EQ(parse_list_objects_v2("<Error><Code>X</Code></Error>").error().message,
            "S3 answered a listing without a <ListBucketResult> document");
  EXPECT_FALSE(parse_list_objects_v2("<ListBucketResult>"));
  EXPECT_FALSE(parse_list_objects_v2(
      "<ListBucketResult><Contents><Key>k</Key><Size>-1</Size></Contents></ListBucketResult>"));
}

TEST(S3XmlTest, ParsesTheUploadId) {
  auto id = parse_upload_id(
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      "<InitiateMultipartUploadResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
      "<Bucket>example-bucket</Bucket><Key>example-object</Key>"
      "<UploadId>VXBsb2FkIElEIGZvciA2aWWpbmcncyBteS1tb3ZpZS5tMnRzIHVwbG9hZA</UploadId>"
      "</InitiateMultipartUploadResult>");
  ASSERT_TRUE(id);
  EXPECT_EQ(*id, "VXBsb2FkIElEIGZvciA2aWWpbmcncyBteS1tb3ZpZS5tMnRzIHVwbG9hZA");
  EXPECT_FALSE(parse_upload_id("<InitiateMultipartUploadResult/>"));
}

TEST(S3XmlTest, BuildsTheCompleteBody) {
  EXPECT_EQ(complete_multipart_body({{1, "\"a54357aff0632cce46d942af68356b38\""}, {2, "\"0c78\""}}),
            "<CompleteMultipartUpload xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
            "<Part><PartNumber>1</PartNumber>"
            "<ETag>\"a54357aff0632cce46d942af68356b38\"</ETag></Part>"
            "<Part><PartNumber>2</PartNumber><ETag>\"0c78\"</ETag></Part>"
            "</CompleteMultipartUpload>");
}

}  // namespace
}  // namespace mdbop
