// decode_yaml_documents: YAML text to JSON values, built directly from yaml-cpp's parser events
// so that duplicate keys are refused instead of silently overwritten, and so that a parser loop
// in yaml-cpp 0.7 can be caught.
#include <algorithm>
#include <charconv>
#include <cstdint>
#include <cstdlib>
#include <map>
#include <optional>
#include <regex>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/yaml.h>

#include "api/manifest.h"

namespace mdbop {
namespace {

// Resolves a plain (unquoted) scalar with YAML 1.2 core schema rules: only true/false are
// booleans (yes/no/on/off stay strings).
json resolve_plain(const std::string& text) {
  static const std::regex kInt("[-+]?[0-9]+");
  static const std::regex kOctal("0o[0-7]+");
  static const std::regex kHex("0x[0-9a-fA-F]+");
  static const std::regex kFloat("[-+]?(\\.[0-9]+|[0-9]+(\\.[0-9]*)?)([eE][-+]?[0-9]+)?");
  if (text.empty() || text == "~" || text == "null" || text == "Null" || text == "NULL") {
    return nullptr;
  }
  if (text == "true" || text == "True" || text == "TRUE") return true;
  if (text == "false" || text == "False" || text == "FALSE") return false;
  const auto as_integer = [&](size_t skip, int base) -> std::optional<json> {
    std::int64_t value = 0;
    const char* first = text.data() + skip + (text[0] == '+' ? 1 : 0);
    const char* last = text.data() + text.size();
    if (std::from_chars(first, last, value, base).ec == std::errc()) return value;
    return std::nullopt;  // out of int64 range: fall back to a float below
  };
  if (std::regex_match(text, kInt)) {
    if (auto v = as_integer(0, 10)) return *v;
  }
  if (std::regex_match(text, kOctal)) {
    if (auto v = as_integer(2, 8)) return *v;
  }
  if (std::regex_match(text, kHex)) {
    if (auto v = as_integer(2, 16)) return *v;
  }
  if (std::regex_match(text, kInt) || std::regex_match(text, kFloat)) {
    return std::strtod(text.c_str(), nullptr);
  }
  // .inf and .nan stay strings: JSON has no way to hold them.
  return text;
}

json typed_scalar(const std::string& tag, const std::string& value) {
  // "!" marks a quoted or block scalar; "!!str" is an explicit string tag.
  if (tag == "!" || tag == "tag:yaml.org,2002:str") return value;
  return resolve_plain(value);
}

// The number a reader gives the document holding `line` (0-based): one plus the "---" markers
// above it, not counting a marker that only opens the first document. Counted from the text
// because yaml-cpp's own document count is off after some errors.
int document_number(std::string_view text, int line) {
  int markers = 0;
  bool content_before_first_marker = false;
  std::istringstream lines{std::string(text)};
  std::string l;
  for (int i = 0; i < line && std::getline(lines, l); ++i) {
    if (l == "---" || l.starts_with("--- ") || l.starts_with("---\t")) {
      ++markers;
    } else if (markers == 0 && !l.empty() && l[0] != '#' && l[0] != '%' &&
               l.find_first_not_of(" \t\r") != std::string::npos) {
      content_before_first_marker = true;
    }
  }
  return std::max(1, content_before_first_marker ? markers + 1 : markers);
}

class JsonBuilder : public YAML::EventHandler {
 public:
  const YAML::Mark& document_start() const { return document_start_; }

  // The root of the last completed document (null for an empty one).
  json take_root() { return std::exchange(root_, nullptr); }

  void OnDocumentStart(const YAML::Mark& mark) override { document_start_ = mark; }
  void OnDocumentEnd() override {}

  void OnNull(const YAML::Mark& mark, YAML::anchor_t anchor) override {
    remember(anchor, nullptr);
    add(nullptr, std::nullopt, mark);
  }

  void OnAlias(const YAML::Mark& mark, YAML::anchor_t anchor) override {
    const json& value = anchors_.at(anchor);
    add(value, value.is_string() ? std::optional(value.get<std::string>()) : std::nullopt, mark);
  }

  void OnScalar(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t anchor,
                const std::string& value) override {
    json typed = typed_scalar(tag, value);
    remember(anchor, typed);
    add(std::move(typed), value, mark);
  }

  void OnSequenceStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t anchor,
                       YAML::EmitterStyle::value) override {
    open(json::array(), anchor, mark);
  }
  void OnSequenceEnd() override { close(); }

  void OnMapStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t anchor,
                  YAML::EmitterStyle::value) override {
    open(json::object(), anchor, mark);
  }
  void OnMapEnd() override { close(); }

 private:
  struct Frame {
    json value;
    YAML::anchor_t anchor;
    YAML::Mark mark;
    std::optional<std::string> key;  // in a mapping: the key waiting for its value
  };

  void remember(YAML::anchor_t anchor, const json& value) {
    if (anchor != YAML::NullAnchor) anchors_[anchor] = value;
  }

  void open(json value, YAML::anchor_t anchor, const YAML::Mark& mark) {
    if (expecting_key()) throw YAML::ParserException(mark, "mapping keys must be scalars");
    stack_.push_back(Frame{std::move(value), anchor, mark, std::nullopt});
  }

  void close() {
    Frame done = std::move(stack_.back());
    stack_.pop_back();
    remember(done.anchor, done.value);
    add(std::move(done.value), std::nullopt, done.mark);
  }

  bool expecting_key() const {
    return !stack_.empty() && stack_.back().value.is_object() && !stack_.back().key;
  }

  // `key_text` is the scalar's text, used when the value turns out to be a mapping key.
  void add(json value, std::optional<std::string> key_text, const YAML::Mark& mark) {
    if (stack_.empty()) {
      root_ = std::move(value);
      return;
    }
    Frame& parent = stack_.back();
    if (parent.value.is_array()) {
      parent.value.push_back(std::move(value));
    } else if (!parent.key) {
      if (!key_text) throw YAML::ParserException(mark, "mapping keys must be non-empty scalars");
      if (parent.value.contains(*key_text)) {
        throw YAML::ParserException(mark, "duplicate key \"" + *key_text + "\"");
      }
      parent.key = std::move(key_text);
    } else {
      parent.value[*parent.key] = std::move(value);
      parent.key.reset();
    }
  }

  std::vector<Frame> stack_;
  std::map<YAML::anchor_t, json> anchors_;
  json root_;
  YAML::Mark document_start_;
};

}  // namespace

Result<std::vector<json>> decode_yaml_documents(std::string_view text) {
  std::istringstream in{std::string(text)};
  YAML::Parser parser(in);
  JsonBuilder builder;
  std::vector<json> documents;
  try {
    int previous_start = -1;
    while (parser.HandleNextDocument(builder)) {
      // yaml-cpp 0.7 yields empty documents forever, never moving on, when one starts with a
      // stray ',' (jbeder/yaml-cpp#1040): a document that starts where the last one did is
      // that bug, so it is reported as the syntax error it is.
      const YAML::Mark& start = builder.document_start();
      if (start.pos == previous_start) {
        const bool inside = start.pos >= 0 && static_cast<size_t>(start.pos) < text.size();
        throw YAML::ParserException(
            start,
            inside ? "unexpected \"" + std::string(1, text[start.pos]) + "\"" : "unexpected end");
      }
      previous_start = start.pos;
      json root = builder.take_root();
      if (!root.is_null()) documents.push_back(std::move(root));
    }
  } catch (const YAML::Exception& e) {
    if (e.mark.is_null()) return fail("YAML syntax error: " + e.msg);
    return fail("YAML syntax error in document " +
                std::to_string(document_number(text, e.mark.line)) + ", line " +
                std::to_string(e.mark.line + 1) + ", column " + std::to_string(e.mark.column + 1) +
                ": " + e.msg);
  }
  return documents;
}

}  // namespace mdbop
