#include "util/header_safe_name.h"

namespace mdbop {

bool is_header_safe_name(std::string_view text) {
  return text.find_first_not_of(
             "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-") ==
         std::string_view::npos;
}

}  // namespace mdbop
