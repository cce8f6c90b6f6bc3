// decode_yaml_documents: YAML text to JSON values, built directly from yaml-cpp's parser events
// so that duplicate keys are refused instead of silently overwritten, aliases are expanded within
// a budget, merge keys are applied, and a parser loop in yaml-cpp 0.7 can be caught.
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/yaml.h>

#include "api/manifest.h"
#include "api/printable.h"

namespace mdbop {
namespace {

// Kubernetes refuses objects over about 1.5 MiB; a file is read whole, so it is bounded too.
// Sizes count what decoding produces (the text of every scalar plus one per node), aliases
// expanded, so that an alias bomb is refused after producing at most these many bytes.
constexpr size_t kMaxInputBytes = 3 * 1024 * 1024;
constexpr size_t kMaxDocumentBytes = 3 * 512 * 1024;
constexpr size_t kMaxDecodedBytes = kMaxInputBytes;
// Deeper than any manifest needs; keeps every recursive walk over a decoded value shallow.
constexpr size_t kMaxDepth = 200;

size_t digits_at(std::string_view s, size_t from, bool (*is_digit)(char)) {
  size_t n = 0;
  while (from + n < s.size() && is_digit(s[from + n])) ++n;
  return n;
}
bool is_decimal(char c) { return c >= '0' && c <= '9'; }
bool is_octal(char c) { return c >= '0' && c <= '7'; }
bool is_hex(char c) { return is_decimal(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

size_t sign_length(std::string_view s) {
  return !s.empty() && (s[0] == '-' || s[0] == '+') ? 1 : 0;
}

// The core schema's integer forms: [-+]?[0-9]+, 0o[0-7]+, 0x[0-9a-fA-F]+. nullopt when `s` has
// none of them or does not fit in 64 bits (a decimal then reads as a float, see below).
std::optional<std::int64_t> core_integer(std::string_view s) {
  size_t skip = sign_length(s);
  bool (*is_digit)(char) = is_decimal;
  int base = 10;
  if (s.starts_with("0o") || s.starts_with("0x")) {
    skip = 2;
    is_digit = s[1] == 'o' ? is_octal : is_hex;
    base = s[1] == 'o' ? 8 : 16;
  }
  if (skip == s.size() || digits_at(s, skip, is_digit) != s.size() - skip) return std::nullopt;
  // from_chars takes a '-' but no '+'.
  const char* first = s.data() + (s[0] == '+' ? 1 : base == 10 ? 0 : 2);
  std::int64_t value = 0;
  if (std::from_chars(first, s.data() + s.size(), value, base).ec != std::errc()) {
    return std::nullopt;
  }
  return value;
}

// [-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?
bool is_core_float(std::string_view s) {
  size_t i = sign_length(s);
  const size_t whole = digits_at(s, i, is_decimal);
  i += whole;
  size_t fraction = 0;
  if (i < s.size() && s[i] == '.') {
    fraction = digits_at(s, i + 1, is_decimal);
    i += 1 + fraction;
  }
  if (whole == 0 && fraction == 0) return false;
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    i += 1 + sign_length(s.substr(i + 1));
    const size_t exponent = digits_at(s, i, is_decimal);
    if (exponent == 0) return false;
    i += exponent;
  }
  return i == s.size();
}

// Resolves a plain (unquoted) scalar with YAML 1.2 core schema rules: only true/false are
// booleans (yes/no/on/off stay strings). Checked by hand: std::regex recurses once per
// character and overflowed the stack on a 30,000-digit scalar. An integer beyond 64 bits reads
// as a float, which an integer field reports as out of range; one beyond any float is refused.
json resolve_plain(const std::string& text, const YAML::Mark& mark) {
  if (text.empty() || text == "~" || text == "null" || text == "Null" || text == "NULL") {
    return nullptr;
  }
  if (text == "true" || text == "True" || text == "TRUE") return true;
  if (text == "false" || text == "False" || text == "FALSE") return false;
  if (const auto integer = core_integer(text)) return *integer;
  if (is_core_float(text)) {
    const double value = std::strtod(text.c_str(), nullptr);
    if (!std::isfinite(value)) {
      throw YAML::ParserException(mark, "a number of " + std::to_string(text.size()) +
                                            " characters is too large; quote it if it is text");
    }
    return value;
  }
  // .inf and .nan stay strings: JSON has no way to hold them.
  return text;
}

json typed_scalar(const std::string& tag, const std::string& value, const YAML::Mark& mark) {
  // "!" marks a quoted or block scalar; "!!str" is an explicit string tag.
  if (tag == "!" || tag == "tag:yaml.org,2002:str") return value;
  return resolve_plain(value, mark);
}

std::string mib(size_t bytes) {
  std::ostringstream out;
  out << static_cast<double>(bytes) / (1024 * 1024) << " MiB";
  return out.str();
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

  void OnDocumentStart(const YAML::Mark& mark) override {
    document_start_ = mark;
    document_bytes_ = 0;
    anchors_.clear();  // yaml-cpp numbers anchors from 1 in every document
  }
  void OnDocumentEnd() override {}

  void OnNull(const YAML::Mark& mark, YAML::anchor_t anchor) override {
    charge(1, mark);
    remember(anchor, nullptr, 1, mark);
    add(nullptr, std::nullopt, false, mark, 1);
  }

  void OnAlias(const YAML::Mark& mark, YAML::anchor_t anchor) override {
    const auto it = anchors_.find(anchor);
    // yaml-cpp refuses an alias to an unknown anchor and gives every anchor a new id, so an
    // id not remembered yet belongs to a node still open: the alias is inside it.
    if (it == anchors_.end()) {
      throw YAML::ParserException(mark, "an alias refers to a node that contains it");
    }
    const auto& [value, size] = it->second;
    charge(size, mark);
    add(value, value.is_string() ? std::optional(value.get<std::string>()) : std::nullopt, false,
        mark, size);
  }

  void OnScalar(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t anchor,
                const std::string& value) override {
    const size_t size = value.size() + 1;
    charge(size, mark);
    json typed = typed_scalar(tag, value, mark);
    remember(anchor, typed, size, mark);
    add(std::move(typed), value, tag != "!" && value == "<<", mark, size);
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
    size_t size = 1;                 // decoded bytes of the node so far
    std::optional<std::string> key;  // in a mapping: the key waiting for its value
    bool merge_key = false;          // that key is the merge key "<<"
    json merged = json::object();    // members from merge keys; explicit members win over them
  };

  struct Anchored {
    json value;
    size_t size;
  };

  // Counts `size` decoded bytes against the document's and the input's budget before they are
  // produced: an alias bomb stops at the first alias past the budget.
  void charge(size_t size, const YAML::Mark& mark) {
    document_bytes_ += size;
    total_bytes_ += size;
    check_budget(mark);
  }

  void check_budget(const YAML::Mark& mark) const {
    if (document_bytes_ > kMaxDocumentBytes) {
      throw YAML::ParserException(mark, "the document is larger than " + mib(kMaxDocumentBytes) +
                                            " with its aliases expanded (Kubernetes refuses "
                                            "objects of that size)");
    }
    if (total_bytes_ > kMaxDecodedBytes) {
      throw YAML::ParserException(mark, "the documents are larger than " + mib(kMaxDecodedBytes) +
                                            " in all with their aliases expanded");
    }
  }

  // A remembered node is a copy, so it counts against the input's budget too: nested anchors
  // would otherwise hold many copies of one large node.
  void remember(YAML::anchor_t anchor, const json& value, size_t size, const YAML::Mark& mark) {
    if (anchor == YAML::NullAnchor) return;
    total_bytes_ += size;
    check_budget(mark);
    anchors_[anchor] = Anchored{value, size};
  }

  void open(json value, YAML::anchor_t anchor, const YAML::Mark& mark) {
    if (expecting_key()) throw YAML::ParserException(mark, "mapping keys must be scalars");
    if (stack_.size() >= kMaxDepth) {
      throw YAML::ParserException(mark,
                                  "nested deeper than " + std::to_string(kMaxDepth) + " levels");
    }
    charge(1, mark);
    stack_.push_back(Frame{std::move(value), anchor, mark});
  }

  void close() {
    Frame done = std::move(stack_.back());
    stack_.pop_back();
    for (auto& [key, member] : done.merged.items()) {
      if (!done.value.contains(key)) done.value[key] = std::move(member);
    }
    remember(done.anchor, done.value, done.size, done.mark);
    add(std::move(done.value), std::nullopt, false, done.mark, done.size);
  }

  bool expecting_key() const {
    return !stack_.empty() && stack_.back().value.is_object() && !stack_.back().key;
  }

  // Merges the value of a "<<" key into `into`: a mapping, or a list of mappings of which the
  // earlier ones win (YAML's merge key type, as kubectl reads it).
  static void merge(Frame& into, const json& value, const YAML::Mark& mark) {
    const auto merge_one = [&](const json& mapping) {
      if (!mapping.is_object()) {
        throw YAML::ParserException(mark, "a merge key (<<) takes a mapping or a list of mappings");
      }
      for (const auto& [key, member] : mapping.items()) {
        if (!into.merged.contains(key)) into.merged[key] = member;
      }
    };
    if (!value.is_array()) return merge_one(value);
    for (const json& mapping : value) merge_one(mapping);
  }

  // `key_text` is the scalar's text, used when the value turns out to be a mapping key;
  // `merge_key` says it is the plain scalar "<<".
  void add(json value, std::optional<std::string> key_text, bool merge_key, const YAML::Mark& mark,
           size_t size) {
    if (stack_.empty()) {
      root_ = std::move(value);
      return;
    }
    Frame& parent = stack_.back();
    parent.size += size;
    if (parent.value.is_array()) {
      parent.value.push_back(std::move(value));
    } else if (!parent.key) {
      if (!key_text) throw YAML::ParserException(mark, "mapping keys must be non-empty scalars");
      if (parent.value.contains(*key_text) || (merge_key && !parent.merged.empty())) {
        throw YAML::ParserException(mark, "duplicate key \"" + *key_text + "\"");
      }
      parent.key = std::move(key_text);
      parent.merge_key = merge_key;
    } else if (parent.merge_key) {
      merge(parent, value, mark);
      parent.key.reset();
      parent.merge_key = false;
    } else {
      parent.value[*parent.key] = std::move(value);
      parent.key.reset();
    }
  }

  std::vector<Frame> stack_;
  std::map<YAML::anchor_t, Anchored> anchors_;
  json root_;
  YAML::Mark document_start_;
  size_t document_bytes_ = 0;
  size_t total_bytes_ = 0;
};

// A v1 List (what `kubectl get -o yaml` prints for several objects) stands for its items.
bool is_list(const json& document) {
  return document.is_object() && document.value("kind", json()) == "List" &&
         document.value("apiVersion", json()) == "v1";
}

}  // namespace

Result<std::vector<json>> decode_yaml_documents(std::string_view text) {
  if (text.size() > kMaxInputBytes) {
    return fail("the input is " + mib(text.size()) + "; mdbop reads at most " +
                mib(kMaxInputBytes) + " of manifests from one file");
  }
  if (const auto bad = find_unprintable(text)) {
    return fail("not a YAML text: line " + std::to_string(bad->position.line) + ", column " +
                std::to_string(bad->position.column) + ": " + bad->what +
                " (manifests are UTF-8 text; write control characters as escapes in "
                "double-quoted strings)");
  }
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
      if (is_list(root)) {
        const json& items = root.value("items", json::array());
        if (!items.is_array()) throw YAML::ParserException(start, "a List's items must be a list");
        documents.insert(documents.end(), items.begin(), items.end());
      } else if (!root.is_null()) {
        documents.push_back(std::move(root));
      }
    }
  } catch (const YAML::Exception& e) {
    if (e.mark.is_null()) return fail("YAML syntax error: " + printable(e.msg));
    return fail("YAML syntax error in document " +
                std::to_string(document_number(text, e.mark.line)) + ", line " +
                std::to_string(e.mark.line + 1) + ", column " + std::to_string(e.mark.column + 1) +
                ": " + printable(e.msg));
  }
  return documents;
}

}  // namespace mdbop
