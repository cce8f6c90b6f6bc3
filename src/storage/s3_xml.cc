#include "storage/s3_xml.h"

#include <charconv>
#include <sstream>

#include <tinyxml2.h>

#include "util/rfc3339.h"

namespace mdbop {

namespace {

using tinyxml2::XMLDocument;
using tinyxml2::XMLElement;

std::string text_of(const XMLElement* parent, const char* name) {
  const XMLElement* child = parent == nullptr ? nullptr : parent->FirstChildElement(name);
  const char* text = child == nullptr ? nullptr : child->GetText();
  return text == nullptr ? "" : text;
}

Result<const XMLElement*> parse_root(XMLDocument& doc, std::string_view xml, const char* root,
                                     std::string_view what) {
  if (doc.Parse(xml.data(), xml.size()) != tinyxml2::XML_SUCCESS) {
    return fail("S3 answered " + std::string(what) + " with malformed XML: " + doc.ErrorStr());
  }
  const XMLElement* element = doc.RootElement();
  if (element == nullptr || std::string_view(element->Name()) != root) {
    return fail("S3 answered " + std::string(what) + " without a <" + root + "> document");
  }
  return element;
}

}  // namespace

std::optional<S3ErrorBody> parse_s3_error(std::string_view xml) {
  XMLDocument doc;
  if (xml.empty() || doc.Parse(xml.data(), xml.size()) != tinyxml2::XML_SUCCESS) {
    return std::nullopt;
  }
  const XMLElement* root = doc.RootElement();
  if (root == nullptr || std::string_view(root->Name()) != "Error") return std::nullopt;
  return S3ErrorBody{text_of(root, "Code"), text_of(root, "Message")};
}

Result<ListPage> parse_list_objects_v2(std::string_view xml) {
  XMLDocument doc;
  auto root = parse_root(doc, xml, "ListBucketResult", "a listing");
  if (!root) return tl::unexpected(root.error());
  ListPage page;
  for (const XMLElement* item = (*root)->FirstChildElement("Contents"); item != nullptr;
       item = item->NextSiblingElement("Contents")) {
    StoredObject object;
    object.key = text_of(item, "Key");
    std::string size = text_of(item, "Size");
    if (std::from_chars(size.data(), size.data() + size.size(), object.size).ec != std::errc()) {
      return fail("S3 answered a listing with a bad Size for \"" + object.key + "\": " + size);
    }
    // "2009-10-12T17:50:30.000Z"
    if (auto when = parse_rfc3339(text_of(item, "LastModified"))) object.modified = *when;
    page.objects.push_back(std::move(object));
  }
  if (text_of(*root, "IsTruncated") == "true") {
    page.next_continuation_token = text_of(*root, "NextContinuationToken");
    if (page.next_continuation_token.empty()) {
      return fail("S3 answered a truncated listing without a NextContinuationToken");
    }
  }
  return page;
}

Result<std::string> parse_upload_id(std::string_view xml) {
  XMLDocument doc;
  auto root = parse_root(doc, xml, "InitiateMultipartUploadResult", "CreateMultipartUpload");
  if (!root) return tl::unexpected(root.error());
  std::string id = text_of(*root, "UploadId");
  if (id.empty()) return fail("S3 answered CreateMultipartUpload without an UploadId");
  return id;
}

std::string complete_multipart_body(const std::vector<CompletedPart>& parts) {
  tinyxml2::XMLPrinter printer;
  printer.OpenElement("CompleteMultipartUpload", true);
  printer.PushAttribute("xmlns", "http://s3.amazonaws.com/doc/2006-03-01/");
  for (const CompletedPart& part : parts) {
    printer.OpenElement("Part", true);
    printer.OpenElement("PartNumber", true);
    printer.PushText(part.number);
    printer.CloseElement(true);
    printer.OpenElement("ETag", true);
    printer.PushText(part.etag.c_str());
    printer.CloseElement(true);
    printer.CloseElement(true);
  }
  printer.CloseElement(true);
  return std::string(printer.CStr(), printer.CStrSize() - 1);
}

}  // namespace mdbop
