#include "api/option_value.h"

#include <algorithm>

namespace mdbop {
namespace {

bool is_control(char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7F; }

}  // namespace

Result<void> check_provider_option_key(std::string_view key) {
  const bool valid = !key.empty() && std::all_of(key.begin(), key.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.';
  });
  if (valid) return {};
  return fail(
      "not a Galera provider option name: use lowercase letters, digits, '_' and '.', "
      "such as gcache.size");
}

Result<void> check_provider_option_value(std::string_view value) {
  if (std::any_of(value.begin(), value.end(), is_control)) {
    return fail("must not contain a line break or another control character");
  }
  if (value.find_first_of("\"\\;#") != std::string_view::npos) {
    return fail(
        "must not contain '\"', '\\', ';' or '#': the value is written inside "
        "wsrep_provider_options=\"key=value;...\" of the node's option file");
  }
  return {};
}

Result<void> check_quoted_option_value(std::string_view value) {
  if (value.find_first_of(std::string_view("\n\r\0", 3)) != std::string_view::npos) {
    return fail(
        "must not contain a line break or a NUL byte: it is written into the nodes' "
        "option files");
  }
  return {};
}

}  // namespace mdbop
