// Which characters a manifest may hold, and how user text is shown in messages: a manifest is
// UTF-8 text (as Kubernetes requires), and a message never carries a raw control byte that
// could rewrite a terminal or forge a log line.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace mdbop {

struct TextPosition {
  size_t line;    // 1-based
  size_t column;  // 1-based, in characters
};

// The position of the first byte that is not UTF-8 or is a character YAML does not allow
// unescaped (C0 controls other than tab, line feed and carriage return; DEL; C1 controls other
// than NEL), with a description of it; nullopt when `text` is clean.
struct UnprintableAt {
  TextPosition position;
  std::string what;  // "invalid UTF-8 byte 0xff", "control character U+0007"
};
std::optional<UnprintableAt> find_unprintable(std::string_view text);

// `text` with every control character and every byte that is not UTF-8 written as an escape
// (\n, \t, \x07, \u0085), so that it can be put in a one-line message.
std::string printable(std::string_view text);

}  // namespace mdbop
